import Correlation
import DubboWire
import FuzzSupport
import AnalysisPipeline
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin

/// Whole capture files (pcap or pcapng, as libpcap reads them) through the full pipeline and every record
/// formatter. The input is the file; its length's parity picks small or default limits, and its length picks the
/// decoding depth: full, metadata, or a report's (request bodies decoded on the record thread, responses read to
/// their result flag), whose records also go through a latency report rendered in every format.
///
/// Invariants besides "no trap": every JSON line is valid JSON; every text line is free of terminal control
/// characters; every CSV row is well-formed RFC 4180 with one field per column and no formula-looking text
/// cell; the run summary agrees with the records seen; a report counts every call and its JSON is valid; the file
/// read by libpcap alone (an empty filter keeps every packet but takes libpcap's reader instead of
/// `PcapRecordStream`) gives the same summary and the same problems, wherever libpcap can compile that filter.
nonisolated(unsafe) private let scratch = TemporaryFile(suffix: ".pcap")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    scratch.write(input.bytes)
    let limits = Limits.fuzzing(UInt8(size & 1))
    let options = RecordRenderOptions(includePayload: true, maxValueBytes: 256)
    let json = JSONLinesFormatter(options: options)
    let csv = CSVFormatter(options: options)
    let text = TextFormatter(options: options)
    var records = 0
    var calls = 0
    let depth = [DubboBodyDecoder.Depth.full, .metadata, .argumentsOnDemand][(size >> 1) % 3]
    var configuration = ReportConfiguration()
    configuration.decodingLimits = limits
    var report = depth == .argumentsOnDemand ? ReportAggregator(configuration: configuration) : nil
    let analysis = OfflineAnalysis(limits: limits, plan: DecodePlan(depth: depth))
    let (summary, problems) = analysis.run(paths: [scratch.path]) { record in
        records += 1
        if record.kind != .heartbeat, record.kind != .event { calls += 1 }
        report?.add(record)
        var writer = JSONWriter()
        json.write(record, to: &writer)
        let line = writer.string
        invariant(line.hasSuffix("\n") && !line.dropLast().contains("\n"), "a JSON record spans lines")
        invariant(JSONCheck.isValid(line), "invalid JSON record: \(line.prefix(400))")

        let textLine = text.line(record)
        invariant(!textLine.unicodeScalars.contains(where: isTerminalControl), "control character in text output")

        let row = csv.row(record)
        guard let fields = CSVCheck.fields(row) else {
            invariant(false, "malformed CSV row: \(row.prefix(400))")
            return
        }
        invariant(fields.count == CSVFormatter.columns.count, "CSV row has \(fields.count) fields")
        for (name, field) in zip(CSVFormatter.columns, fields) where textColumns.contains(name) {
            invariant(!startsLikeFormula(field), "CSV \(name) cell may run as a formula: \(field.prefix(80))")
        }
    }
    invariant(summary.records == records, "summary counts \(summary.records) records, \(records) seen")
    if let report {
        let finished = report.finish(inputFiles: [scratch.path])
        invariant(finished.totals.calls == calls, "the report counts \(finished.totals.calls) calls, \(calls) seen")
        invariant(JSONCheck.isValid(finished.rendered(as: .json)), "invalid report JSON")
        for format in [ReportFormat.text, .csv, .html] { _ = finished.rendered(as: format, width: 100) }
    }
    for message in problems.unreadableFiles + problems.readErrors {
        invariant(!message.contains("\n"), "a problem message spans lines")
    }
    let viaLibpcap = OfflineAnalysis(limits: limits, plan: DecodePlan(depth: depth), filter: "")
    let (librarySummary, libraryProblems) = viaLibpcap.run(paths: [scratch.path]) { _ in }
    // Only where libpcap could take the filter (it cannot compile one for a link type it does not know).
    guard libraryProblems.unreadableFiles.isEmpty else { return 0 }
    invariant(librarySummary.text == summary.text, "read by libpcap: \(librarySummary.text)\nread here: \(summary.text)")
    invariant(
        libraryProblems.readErrors == problems.readErrors && libraryProblems.unreadableFiles == problems.unreadableFiles,
        "read by libpcap: \(libraryProblems.readErrors) \(libraryProblems.unreadableFiles); here: \(problems.readErrors) \(problems.unreadableFiles)")
    _ = summary.text
    return 0
}

/// CSV columns that carry wire text (the others are numbers, names or JSON we generate).
private let textColumns: Set<String> = [
    "dubbo_version", "service", "version", "group", "method", "parameter_types", "exception", "error_message",
]

private func startsLikeFormula(_ field: String) -> Bool {
    guard let first = field.unicodeScalars.first else { return false }
    return ["=", "+", "-", "@", "\t", "\r"].contains(first)
}

private func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
}
