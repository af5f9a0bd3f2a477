import RegistryJoin
import RecordFormats
/// The formats a report can be written in (`--format`, `--report-format`).
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, csv, html

    /// The format a file name asks for by its extension (`.html`/`.htm`, `.json`, `.csv`, `.txt`), if any.
    public static func inferred(fromPath path: String) -> ReportFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "html", "htm": return .html
        case "json": return .json
        case "csv": return .csv
        case "txt", "text": return .text
        default: return nil
        }
    }
}

extension LatencyReport {
    /// The report in `format`; `width` is the terminal width the text tables fit.
    public func rendered(as format: ReportFormat, width: Int = 120) -> String {
        switch format {
        case .text: text(width: width)
        case .json: json()
        case .csv: csv()
        case .html: html()
        }
    }
}

extension ReportComparison {
    public func rendered(as format: ReportFormat, width: Int = 120) -> String {
        switch format {
        case .text: text(width: width)
        case .json: json()
        case .csv: csv()
        case .html: html()
        }
    }
}
