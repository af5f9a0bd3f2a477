import AnalysisPipeline
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

/// How a record is written in a call log: all that needs nothing but the record and what was learnt before the run,
/// so a shard of a sharded run can do it on its own thread (`shardRendering`).
struct RecordRendering: Sendable {
    let format: RecordFormat
    let json: JSONLinesFormatter
    let csv: CSVFormatter
    let text: TextFormatter
    /// Provider applications named by `getMetadataInfo` answers in the capture (docs/REGISTRY.md), learnt before
    /// the run.
    let captureNames: CaptureApplicationNames

    /// Names the record's applications from the capture, over what the registry said.
    func annotate(_ record: CallRecord, over annotation: RegistryAnnotation) -> RegistryAnnotation {
        captureNames.annotate(record, over: annotation)
    }

    /// Appends the record's line (JSON, CSV or text). `fromRegistry`: `annotation` came from a registry join.
    func render(
        _ record: CallRecord, annotation: RegistryAnnotation, fromRegistry: Bool, into writer: inout JSONWriter
    ) {
        switch format {
        case .jsonl:
            json.write(record, registry: annotation, to: &writer)
        case .csv:
            csv.write(record, registry: annotation, to: &writer)
        case .text:
            let named = fromRegistry || annotation.status == .namedFromCapture
            writer.rawUTF8(text.line(record) + (named ? annotation.textSuffix : "") + "\n")
        case .none:
            break
        }
    }
}

/// Formats finished records and writes them out as they come.
final class RecordWriter {
    private let format: RecordFormat
    private let output: OutputFile
    private let rendering: RecordRendering
    /// Lines are rendered straight into this buffer and written out in 64 KiB blocks (or per line when the output
    /// asks for that), so a line is copied once.
    private var lines = JSONWriter(reservingCapacity: RecordWriter.blockSize + 4096)
    private static let blockSize = 1 << 16
    private(set) var written = 0
    /// Names applications and checks registrations when `--registry` is given (docs/REGISTRY.md).
    private let registry: RegistryJoin?
    private(set) var registryTally = RegistryTally()
    /// Provider applications named by `getMetadataInfo` answers in the capture (docs/REGISTRY.md).
    var captureNames: CaptureApplicationNames { rendering.captureNames }

    init(format: RecordFormat, output: OutputFile, options: RecordRenderOptions, registry: RegistryJoin? = nil) {
        self.format = format
        self.output = output
        self.registry = registry
        rendering = RecordRendering(
            format: format, json: JSONLinesFormatter(options: options), csv: CSVFormatter(options: options),
            text: TextFormatter(options: options), captureNames: CaptureApplicationNames())
    }

    /// The CSV or text header, written before the first record (or by `finish`), so a run that reads nothing
    /// prints no empty table.
    private var headerWritten = false

    private func writeHeader() {
        headerWritten = true
        switch format {
        case .csv: output.write(CSVFormatter.headerLine)
        case .text: output.write(TextFormatter.header + "\n")
        case .jsonl, .none: break
        }
    }

    func write(_ record: CallRecord) {
        if !headerWritten { writeHeader() }
        written += 1
        var annotation = RegistryAnnotation.noRegistry
        if let registry { annotation = registry.annotate(record) }
        annotation = rendering.annotate(record, over: annotation)
        if registry != nil { registryTally.add(annotation, serialization: record.serialization.name) }
        rendering.render(record, annotation: annotation, fromRegistry: registry != nil, into: &lines)
        if output.flushesEachLine || lines.bytes.count >= Self.blockSize { writeLines() }
    }

    /// The call log rendered by the shards of a sharded run, each its own records (`OfflineAnalysis.ShardRendering`);
    /// nil when rendering needs the run's order: a registry join (its names and tally follow the registry as the run
    /// goes), or no call log at all. `keepsRecords`: the records are still wanted (a report or an export beside).
    func shardRendering(keepsRecords: Bool) -> OfflineAnalysis.ShardRendering? {
        guard registry == nil, format != .none else { return nil }
        let rendering = self.rendering
        return OfflineAnalysis.ShardRendering(
            makeRenderer: {
                { record, writer in
                    rendering.render(
                        record, annotation: rendering.annotate(record, over: .noRegistry), fromRegistry: false,
                        into: &writer)
                }
            },
            write: { [self] line in writeRendered(line) },
            keepsRecords: keepsRecords)
    }

    /// One record's line, rendered elsewhere (`shardRendering`), in record order.
    private func writeRendered(_ line: UnsafeRawBufferPointer) {
        if !headerWritten { writeHeader() }
        written += 1
        lines.appendRaw(line)
        if output.flushesEachLine || lines.bytes.count >= Self.blockSize { writeLines() }
    }

    /// Writes what is buffered (and the header of an empty table); nothing when the run read nothing.
    func finish(readAnything: Bool = true) {
        if !headerWritten, readAnything { writeHeader() }
        writeLines()
        output.flush()
    }

    private func writeLines() {
        guard !lines.bytes.isEmpty else { return }
        output.writeThrough(lines.bytes)
        lines.removeAll()
    }
}
