import Correlation
import DubboWire
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin

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
    /// JSON lines are rendered straight into this buffer and written out in 64 KiB blocks (or per line when the
    /// output asks for that), so a line is copied once.
    private var lines = JSONWriter(reservingCapacity: RecordWriter.blockSize + 4096)
    private static let blockSize = 1 << 16
    private(set) var written = 0
    /// Names applications and checks registrations when `--registry` is given (docs/REGISTRY.md).
    private let registry: RegistryJoin?
    private(set) var registryTally = RegistryTally()
    /// Provider applications named by `getMetadataInfo` answers in the capture (docs/REGISTRY.md).
    let captureNames = CaptureApplicationNames()

    init(format: RecordFormat, output: OutputFile, options: RecordRenderOptions, registry: RegistryJoin? = nil) {
        self.format = format
        self.output = output
        self.registry = registry
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
        var annotation = RegistryAnnotation.noRegistry
        if let registry { annotation = registry.annotate(record) }
        annotation = captureNames.annotate(record, over: annotation)
        if registry != nil { registryTally.add(annotation, serialization: record.serialization.name) }
        switch format {
        case .jsonl:
            json.write(record, registry: annotation, to: &lines)
            if output.flushesEachLine || lines.bytes.count >= Self.blockSize { writeLines() }
        case .csv:
            output.write(csv.row(record, registry: annotation))
        case .text:
            let named = registry != nil || annotation.status == .namedFromCapture
            output.write(text.line(record) + (named ? annotation.textSuffix : "") + "\n")
        case .none:
            break
        }
    }

    func finish() {
        writeLines()
        output.flush()
    }

    private func writeLines() {
        guard !lines.bytes.isEmpty else { return }
        output.writeThrough(lines.bytes)
        lines.removeAll()
    }
}
