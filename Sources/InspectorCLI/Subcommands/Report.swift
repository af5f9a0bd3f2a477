import AnalysisPipeline
import ArgumentParser
import Correlation
import DubboWire
import InspectorCore
import LiveMonitoring
import NetworkLayers
import PacketCapture
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin
import TCPReassembly

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `dubbo-inspect report FILE...`: latency, failures and sizes per group, over time, as text, JSON, CSV or one
/// self-contained HTML page; with `--baseline`, what changed against earlier captures; with `--registry`,
/// providers and consumers by application name.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise the calls in capture files: latency percentiles, server vs wire time, failures, sizes.",
        discussion: """
            Records are folded into fixed-size histograms as they are decoded (nothing is kept per call but the \
            slowest few), so captures of any length fit in memory. Percentiles come from HdrHistogram with at most \
            1 % relative error. With --baseline, the baseline files and the main files are reported separately \
            and compared group by group, significant regressions first. The JSON form is described in \
            docs/REPORT.md.
            """
    )

    @Argument(help: "Capture files (.pcap or .pcapng).")
    var files: [String]

    @Option(parsing: .upToNextOption, help: "Baseline capture files to compare the main files against.")
    var baseline: [String] = []

    @Option(help: "Group calls by service, method, provider, consumer or connection.")
    var groupBy = "method"

    @Option(help: "Time-series slot width: 500ms, 1s, 1m… (a bare number is seconds; default: 120–240 slots over the capture).")
    var interval: String?

    @Option(help: "Output format: text, json, csv or html (default: from the --output extension, else text).")
    var format: String?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "A BPF filter applied while reading, e.g. 'tcp port 20880'.")
    var filter: String?

    @Option(help: "How many of the slowest calls to list.")
    var top = 20

    @Option(help: "Width of the text tables (default: the terminal's; no limit when written to a file or a pipe).")
    var width: Int?

    @OptionGroup var payload: PayloadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var captureNames: CaptureNameOptions

    func validate() throws {
        guard ReportGrouping(rawValue: groupBy) != nil else {
            throw ValidationError("--group-by must be one of: \(ReportGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let interval, ReportInterval.nanoseconds(interval) == nil {
            throw ValidationError("--interval must be a positive duration such as 500ms, 1s or 5m")
        }
        if let format, ReportFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try OptionRange.check(top, in: 0...10_000, option: "--top", unit: "calls")
        if let width { try OptionRange.check(width, in: 40...1_000, option: "--width", unit: "columns") }
    }

    func run() async throws {
        var runLimits = Limits()
        limits.apply(to: &runLimits)
        var configuration = ReportConfiguration(
            grouping: ReportGrouping(rawValue: groupBy) ?? .method,
            intervalNanoseconds: interval.flatMap(ReportInterval.nanoseconds) ?? 1_000_000_000,
            includePayload: !payload.noPayload)
        configuration.adaptiveInterval = interval == nil
        configuration.slowestCount = top
        let errors = OutputFile.standardError()
        errors.flushesEachLine = true
        do {
            let join = try registry.makeJoin { errors.write("dubbo-inspect: \($0)\n") }
            configuration.names = join?.currentDirectory.map(DirectoryApplicationNames.init(directory:))
        } catch {
            errors.write("dubbo-inspect: \(error)\n")
            throw ExitCode(2)
        }
        configuration.payloadLimitBytes = limits.maxBody > 0 ? limits.maxBody : 8 << 20
        configuration.decodingLimits = runLimits
        if captureNames.nameEarlierCalls {
            // Reports decode no returned values, so names from the capture come only from a first look.
            let learnt = CaptureApplicationNames()
            captureNames.firstLook(files: files + baseline, limits: runLimits, filter: filter, into: learnt)
            configuration.names = configuration.names.map { PreferredApplicationNames($0, then: learnt) } ?? learnt
        }
        let outputFormat = format.flatMap(ReportFormat.init(rawValue:))
            ?? output.flatMap(ReportFormat.inferred(fromPath:)) ?? .text

        let outputFile: OutputFile
        if let output {
            switch OutputFile.create(path: output) {
            case .success(let file): outputFile = file
            case .failure(let error): throw ValidationError(error.message)
            }
        } else {
            outputFile = .standardOutput()
        }

        let reporter = OfflineReport(
            analysis: OfflineAnalysis(
                limits: runLimits,
                plan: DecodePlan(
                    includePayload: !payload.noPayload, showsRecords: false, keepsSlowestCalls: true,
                    exportsSpans: false),
                filter: filter, decodesOnOwnThread: threads.decodesOnOwnThread, shards: threads.shards),
            configuration: configuration)
        let current = reporter.run(paths: files)
        var problems = current.problems
        // No capture could be read: its reasons, not a report of nothing.
        if problems.unreadableFiles.count == files.count {
            for message in problems.unreadableFiles { errors.write("dubbo-inspect: \(message)\n") }
            throw ExitCode(2)
        }
        let text: String
        if baseline.isEmpty {
            text = current.report.rendered(as: outputFormat, width: ReportInterval.textWidth(explicit: width, toStandardOutput: output == nil))
        } else {
            let before = reporter.run(paths: baseline)
            problems.unreadableFiles += before.problems.unreadableFiles
            problems.readErrors += before.problems.readErrors
            let comparison = ReportComparison(baseline: before.report, current: current.report)
            text = comparison.rendered(as: outputFormat, width: ReportInterval.textWidth(explicit: width, toStandardOutput: output == nil))
        }
        outputFile.write(text)
        outputFile.flush()
        for message in problems.unreadableFiles + problems.readErrors {
            errors.write("dubbo-inspect: \(message)\n")
        }
        errors.flush()
        if !problems.unreadableFiles.isEmpty || !problems.readErrors.isEmpty {
            throw ExitCode(problems.unreadableFiles.count == files.count + baseline.count ? 2 : 1)
        }
    }
}

/// Options that add a report to `read` (same pass as the call log).
struct ReportFileOptions: ParsableArguments {
    @Option(help: "Also write a latency report (grouped by method, 1 s slots) to this file.")
    var report: String?

    @Option(help: "Format of --report: text, json, csv or html (default: from its extension, else text).")
    var reportFormat: String?

    func validate() throws {
        if let reportFormat, ReportFormat(rawValue: reportFormat) == nil {
            throw ValidationError("--report-format must be one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Where the report goes, opened now so a bad path fails before the capture is read; nil without `--report`.
    func makeSink(includePayload: Bool, limits: Limits, directory: ServiceDirectory? = nil) throws -> ReportSink? {
        guard let path = report else { return nil }
        let format = reportFormat.flatMap(ReportFormat.init(rawValue:)) ?? ReportFormat.inferred(fromPath: path) ?? .text
        var configuration = ReportConfiguration(includePayload: includePayload)
        configuration.adaptiveInterval = true
        configuration.names = directory.map(DirectoryApplicationNames.init(directory:))
        configuration.payloadLimitBytes = limits.maxBodyLength > 0 ? limits.maxBodyLength : 8 << 20
        configuration.decodingLimits = limits
        switch OutputFile.create(path: path) {
        case .success(let file):
            return ReportSink(aggregator: ReportAggregator(configuration: configuration), output: file, format: format)
        case .failure(let error):
            throw ValidationError(error.message)
        }
    }
}

/// Folds the records `read` prints into a report, and writes it at the end.
final class ReportSink {
    private var aggregator: ReportAggregator
    private let output: OutputFile
    private let format: ReportFormat

    init(aggregator: ReportAggregator, output: OutputFile, format: ReportFormat) {
        self.aggregator = aggregator
        self.output = output
        self.format = format
    }

    func add(_ record: CallRecord) {
        aggregator.add(record)
    }

    func finish(files: [String], summary: RunSummary, problems: OfflineAnalysis.Problems) {
        let report = aggregator.finish(inputFiles: files, captureQuality: summary.captureQuality(problems: problems.unreadableFiles + problems.readErrors))
        output.write(report.rendered(as: format, width: nil))
        output.flush()
    }
}

/// `--interval` text and the terminal width.
enum ReportInterval {
    /// `500ms`, `1s`, `1.5s`, `2m`, `1h`, `250us`; a bare number is seconds. Nil unless positive and at most a day.
    static func nanoseconds(_ text: String) -> Int64? {
        let trimmed = text.lowercased().filter { $0 != " " }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var number = trimmed
        var scale = 1e9
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = String(trimmed.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        let nanoseconds = value * scale
        guard nanoseconds >= 1_000, nanoseconds <= 86_400e9 else { return nil }
        return Int64(nanoseconds)
    }

    /// The width text tables fit: `--width` when given; on a terminal its width (`$COLUMNS`, else the window's);
    /// nil (no limit, nothing cut) when the text goes to a file or a pipe, where a cut name helps nobody.
    static func textWidth(explicit: Int?, toStandardOutput: Bool) -> Int? {
        if let explicit { return explicit }
        guard toStandardOutput, TerminalScreen.isTerminal(1) else { return nil }
        if let raw = getenv("COLUMNS"), let columns = Int(String(cString: raw)), columns >= 40 {
            return min(columns, 1_000)
        }
        return max(40, TerminalScreen(descriptor: 1).size().columns)
    }
}
