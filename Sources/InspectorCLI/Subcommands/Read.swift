import ArgumentParser
import Correlation
import DubboWire
import InspectorCore
import PacketCapture
import Reporting

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

        var summary = RunSummary()
        var readers: [PcapFileReader] = []
        for (index, path) in files.enumerated() {
            do {
                readers.append(try PcapFileReader(path: path, filter: filter, sourceIndex: index))
            } catch {
                summary.failedFiles += 1
                errors.write("dubbo-inspect: \(error)\n")
            }
        }
        summary.files = readers.count

        let writer = RecordWriter(format: format.value, output: outputFile, options: options)
        let depth: DubboBodyDecoder.Depth = payload.noPayload ? .metadata : .full
        var pipeline = PacketPipeline(limits: runLimits, depth: depth) { writer.write($0) }
        var source = MergedPacketSource(readers: readers)
        var readFailures = 0
        // Bounded: each call either returns a packet, ends, or finishes one file with an error.
        while true {
            do {
                guard let packet = try source.nextPacket() else { break }
                pipeline.process(packet)
            } catch {
                readFailures += 1
                errors.write("dubbo-inspect: \(error)\n")
            }
        }
        pipeline.finish()
        writer.finish()

        summary.capture = source.stats
        summary.network = pipeline.networkStats
        summary.reassembly = pipeline.reassemblyStats
        summary.streams = pipeline.context.streamStats
        summary.correlation = pipeline.context.correlator.stats
        summary.dubboConnections = pipeline.context.dubboConnections
        summary.nonDubboConnections = pipeline.context.nonDubboConnections
        summary.undecodedBodies = pipeline.context.undecodedBodies
        summary.records = writer.written
        switch format.value {
        case .text where output == nil: outputFile.write("\n" + summary.text)
        default: errors.write(summary.text)
        }
        outputFile.flush()
        if summary.failedFiles > 0 || readFailures > 0 {
            throw ExitCode(summary.failedFiles == files.count ? 2 : 1)
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
