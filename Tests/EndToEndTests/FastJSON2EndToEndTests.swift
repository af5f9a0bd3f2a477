import AnalysisPipeline
import Correlation
import DubboWire
import Foundation
import InspectorCore
import LatencyReports
import LiveMonitoring
import RecordFormats
import TelemetryExport
import Testing

/// fastjson2 calls go through everything after decoding exactly as Hessian2 calls do: the benchmark's capture
/// writer makes the same traffic (same calls, arguments, results, order) in both serializations, and every output —
/// records, the latency report, Prometheus metrics, OTLP spans — must say the same about it. Only what depends on
/// the body's size differs: byte counts, and so the times of packets after a body that took more segments.
@Suite("fastjson2 end to end")
struct FastJSON2EndToEndTests {
    static func makeCapture(_ serialization: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("\(serialization).pcap").path
        let script = Captures.repositoryRoot.appendingPathComponent("Benchmarks/make_capture.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, path, "--calls", "600", "--connections", "7", "--seed", "11",
                             "--serialization", serialization]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "make_capture.py --serialization \(serialization) failed")
        return path
    }

    struct Outputs {
        /// Every record's JSON without its serialization, byte counts and times.
        var records: [NSDictionary] = []
        var totals: [Int] = []
        var groups: [String] = []
        var callCounters: [String] = []
        var spans: [String] = []
        var flagged = 0
    }

    static let sizeAndTimeKeys = [
        "serialization", "request_bytes", "response_bytes", "request_ts", "response_ts", "request_end_ts",
        "response_end_ts", "latency_us",
    ]

    static func outputs(_ path: String) throws -> Outputs {
        var outputs = Outputs()
        var records: [CallRecord] = []
        let report = OfflineReport(analysis: OfflineAnalysis(plan: DecodePlan(depth: .full))).run(paths: [path]) { records.append($0) }.report
        let totals = report.totals
        outputs.totals = [totals.calls, totals.oneway, totals.errors, totals.exceptions, totals.noResponse,
                          totals.heartbeats, totals.missedHeartbeats, totals.recordsWithQualityFlags]
        // Ordered by latency, which the bodies' sizes shift: compared as a set.
        outputs.groups = report.groups.map { "\($0.label) \($0.calls) \($0.errors)" }.sorted()
        let formatter = JSONLinesFormatter(options: RecordRenderOptions())
        let metrics = LiveMetrics(start: records.first?.startTime ?? .zero)
        for record in records {
            var writer = JSONWriter()
            formatter.write(record, to: &writer)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.string.utf8)) as? [String: Any])
            outputs.records.append(NSDictionary(dictionary: object.filter { !sizeAndTimeKeys.contains($0.key) }))
            metrics.record(record, applications: ApplicationNames())
            if let span = ExportedCall(record, includeAttachments: true) {
                let attributes = span.spanAttributes().map { "\($0.0)=\($0.1)" }.filter { !$0.contains("_bytes") }
                outputs.spans.append("\(span.requestID) \(span.service ?? "-")/\(span.method ?? "-") \(attributes)")
            }
            if !record.quality.isEmpty { outputs.flagged += 1 }
        }
        outputs.callCounters = metrics.prometheusText().split(separator: "\n")
            .filter { $0.hasPrefix("dubbo_calls_total{") }.map(String.init)
        return outputs
    }

    @Test("the same traffic in fastjson2 and Hessian2 gives the same records, report, metrics and spans",
          .timeLimit(.minutes(5)))
    func sameTrafficSameOutputs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fastjson2-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let hessian = try Self.outputs(try Self.makeCapture("hessian2", in: directory))
        let fastjson2 = try Self.outputs(try Self.makeCapture("fastjson2", in: directory))

        #expect(hessian.records.count > 600)
        #expect(fastjson2.flagged == 0 && hessian.flagged == 0, "every body decodes cleanly in both")
        #expect(fastjson2.records == hessian.records, "records differ beyond serialization, sizes and times")
        #expect(fastjson2.totals == hessian.totals && fastjson2.groups == hessian.groups)
        #expect(fastjson2.groups.count == 96, "12 services × 8 methods, all named")
        #expect(fastjson2.callCounters == hessian.callCounters && fastjson2.callCounters.count == 96)
        #expect(fastjson2.spans == hessian.spans && fastjson2.spans.count >= 600)
    }
}
