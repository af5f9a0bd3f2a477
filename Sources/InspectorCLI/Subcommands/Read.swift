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
    @OptionGroup var reportFile: ReportFileOptions
    @OptionGroup var registry: RegistryOptions
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
        let analysis = OfflineAnalysis(limits: runLimits, plan: decodePlan, filter: filter)
        let reportSink = try reportFile.makeSink(
            includePayload: !payload.noPayload, limits: runLimits, directory: registryJoin?.currentDirectory)
        let exporter = try otlp.makeExporter(
            resource: .captureFiles(files), clock: .capture, includeMessages: !payload.noPayload)
        let (summary, problems) = analysis.run(paths: files) { record in
            writer.write(record)
            reportSink?.add(record)
            exporter?.export(record)
        }
        writer.finish()
        reportSink?.finish(files: files, summary: summary, problems: problems)
        for message in problems.unreadableFiles + problems.readErrors {
            errors.write("dubbo-inspect: \(message)\n")
        }
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
        if !problems.unreadableFiles.isEmpty || !problems.readErrors.isEmpty {
            throw ExitCode(problems.unreadableFiles.count == files.count ? 2 : 1)
        }
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

    var renderOptions: RecordRenderOptions {
        RecordRenderOptions(includePayload: !noPayload, maxValueBytes: max(16, maxValueBytes))
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
        guard maxBody >= 0 else { throw ValidationError("--max-body must not be negative") }
        guard maxFlows > 0, maxPending > 0 else { throw ValidationError("--max-flows and --max-pending must be positive") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
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
            keepsSlowestCalls: reportFile.report != nil)
    }
}
