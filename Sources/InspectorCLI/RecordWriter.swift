import Correlation
import InspectorCore
import Reporting

/// The formats a record stream can be written in.
enum RecordFormat: String, CaseIterable, Sendable {
    case text, jsonl, csv, none
}

/// Formats finished records and writes them out as they come.
final class RecordWriter {
    private let format: RecordFormat
    private let output: OutputFile
    private let json: JSONLinesFormatter
    private let csv: CSVFormatter
    private let text: TextFormatter
    private var scratch = JSONWriter(reservingCapacity: 4096)
    private(set) var written = 0

    init(format: RecordFormat, output: OutputFile, options: RecordRenderOptions) {
        self.format = format
        self.output = output
        self.json = JSONLinesFormatter(options: options)
        self.csv = CSVFormatter(options: options)
        self.text = TextFormatter(options: options)
        switch format {
        case .csv: output.write(CSVFormatter.headerLine)
        case .text: output.write(TextFormatter.header + "\n")
        case .jsonl, .none: break
        }
    }

    func write(_ record: CallRecord) {
        written += 1
        switch format {
        case .jsonl:
            scratch.removeAll()
            json.write(record, to: &scratch)
            output.write(scratch.bytes)
        case .csv:
            output.write(csv.row(record))
        case .text:
            output.write(text.line(record) + "\n")
        case .none:
            break
        }
    }

    func finish() {
        output.flush()
    }
}
