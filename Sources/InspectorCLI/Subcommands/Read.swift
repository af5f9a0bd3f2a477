import AnalysisPipeline
import ArgumentParser
import Correlation
import DubboWire
import InspectorCore
import PacketCapture
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin
import TelemetryExport

/// `dubbo-inspect read FILE...`: decode capture files and print every call.
struct Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read .pcap/.pcapng files and print every Dubbo call, heartbeat and event found in them.",
        discussion: """
            Several files are merged in capture-time order. Records are written as calls complete; requests \
            still unanswered at the end are reported with outcome no_response. A summary of what was read and \
            every anomaly counted ends the run (on standard error for jsonl and csv, so the records stay clean).
            """
    )

    @Argument(help: "Capture files (.pcap or .pcapng).")
    var files: [String]

    @Option(help: "A BPF filter applied while reading, e.g. 'tcp port 20880'.")
    var filter: String?

    @Option(help: "Output format: text, jsonl, csv or none.")
    var format: RecordFormatArgument = .text

    @Option(name: .shortAndLong, help: "Write records to this file instead of standard output.")
    var output: String?

    @OptionGroup var payload: PayloadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var reportFile: ReportFileOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var captureNames: CaptureNameOptions
    @OptionGroup var otlp: OTLPOptions

    func run() async throws {
        var runLimits = Limits()
        limits.apply(to: &runLimits)
        let options = payload.renderOptions

        let outputFile: OutputFile
        if let output {
            switch OutputFile.create(path: output) {
            case .success(let file): outputFile = file
            case .failure(let error): throw ValidationError(error.message)
            }
        } else {
            outputFile = .standardOutput()
        }
        let errors = OutputFile.standardError()
        errors.flushesEachLine = true

        let registryJoin: RegistryJoin?
        do {
            registryJoin = try registry.makeJoin { errors.write("dubbo-inspect: \($0)\n") }
        } catch {
            errors.write("dubbo-inspect: \(error)\n")
            throw ExitCode(2)
        }
        let writer = RecordWriter(format: format.value, output: outputFile, options: options, registry: registryJoin)
        captureNames.firstLook(files: files, limits: runLimits, filter: filter, into: writer.captureNames)
        let analysis = OfflineAnalysis(
            limits: runLimits, plan: decodePlan, filter: filter, decodesOnOwnThread: threads.decodesOnOwnThread,
            shards: threads.shards)
        let reportSink = try reportFile.makeSink(
            includePayload: !payload.noPayload, limits: runLimits, directory: registryJoin?.currentDirectory)
        let exporter = try otlp.makeExporter(
            resource: .captureFiles(files), clock: .capture, includeMessages: !payload.noPayload)
        // Sharded, the shards render the call log; the records still come for a report or an export beside it.
        let shardRendering = analysis.shards > 1
            ? writer.shardRendering(keepsRecords: reportSink != nil || exporter != nil) : nil
        let (summary, problems) = analysis.run(paths: files, rendering: shardRendering) { record in
            if shardRendering == nil { writer.write(record) }
            reportSink?.add(record)
            exporter?.export(record)
        }
        let readNothing = problems.unreadableFiles.count == files.count
        writer.finish(readAnything: !readNothing)
        for message in problems.unreadableFiles + problems.readErrors {
            errors.write("dubbo-inspect: \(message)\n")
        }
        // No file could be read: the reasons above are the whole answer, not an empty table and a zero summary.
        if readNothing {
            _ = exporter?.finish(timeout: 0)
            outputFile.flush()
            throw ExitCode(2)
        }
        reportSink?.finish(files: files, summary: summary, problems: problems)
        switch format.value {
        case .text where output == nil: outputFile.write("\n" + summary.text)
        default: errors.write(summary.text)
        }
        if registryJoin != nil {
            let tally = writer.registryTally.text
            if format.value == .text, output == nil { outputFile.write(tally) } else { errors.write(tally) }
        }
        if let exporter {
            let sent = exporter.finish(timeout: otlp.flushTimeout).text
            if format.value == .text, output == nil { outputFile.write(sent) } else { errors.write(sent) }
        }
        outputFile.flush()
        if !problems.unreadableFiles.isEmpty || !problems.readErrors.isEmpty { throw ExitCode(1) }
    }
}

/// `--format`, parsed by ArgumentParser.
struct RecordFormatArgument: ExpressibleByArgument {
    var value: RecordFormat

    init(_ value: RecordFormat) { self.value = value }

    init?(argument: String) {
        guard let format = RecordFormat(rawValue: argument) else { return nil }
        value = format
    }

    static let text = RecordFormatArgument(.text)
    static var allValueStrings: [String] { RecordFormat.allCases.map(\.rawValue) }
    var defaultValueDescription: String { value.rawValue }
}

/// Privacy and size of what records show.
struct PayloadOptions: ParsableArguments {
    @Flag(help: "Leave arguments, attachments and returned values out of the records.")
    var noPayload = false

    @Option(help: "Replace a value whose JSON is longer than this many bytes by a truncation marker.")
    var maxValueBytes = 65_536

    func validate() throws {
        try OptionRange.check(maxValueBytes, in: 16...(64 << 20), option: "--max-value-bytes", unit: "bytes")
    }

    var renderOptions: RecordRenderOptions {
        RecordRenderOptions(includePayload: !noPayload, maxValueBytes: maxValueBytes)
    }
}

/// Limits a user may want to move.
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest Dubbo body decoded, in bytes; longer bodies are reported and skipped.")
    var maxBody = 8 << 20

    @Option(help: "Report a request unanswered after this many seconds (capture time) as no_response.")
    var timeout: Double?

    @Option(help: "Most TCP connections tracked at once; the least recently active is evicted beyond this.")
    var maxFlows = Limits.default.maxFlows

    @Option(help: "Most requests awaiting a response, over all connections.")
    var maxPending = Limits.default.maxPendingRequests

    func validate() throws {
        // A Dubbo body length is a Java int.
        try OptionRange.check(maxBody, in: 0...Int(Int32.max), option: "--max-body", unit: "bytes")
        try OptionRange.check(maxFlows, in: 1...10_000_000, option: "--max-flows", unit: "connections")
        try OptionRange.check(maxPending, in: 1...10_000_000, option: "--max-pending", unit: "requests")
        if let timeout { try OptionRange.checkSeconds(timeout, option: "--timeout", maximum: OptionRange.week) }
    }

    func apply(to limits: inout Limits) {
        limits.maxBodyLength = maxBody
        limits.requestTimeoutSeconds = timeout
        limits.maxFlows = maxFlows
        limits.maxPendingRequests = maxPending
    }
}

extension Read {
    var decodePlan: DecodePlan {
        DecodePlan(
            includePayload: !payload.noPayload, showsRecords: format.value != .none,
            keepsSlowestCalls: reportFile.report != nil, exportsSpans: otlp.endpoint != nil)
    }
}
