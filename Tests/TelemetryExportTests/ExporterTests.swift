import Correlation
import Glibc
import InspectorCore
import SwiftProtobuf
import Synchronization
import Testing
@testable import TelemetryExport

/// A transport that records what it is sent and answers from a script; it can hold requests to simulate a slow
/// collector. Runs on the exporter thread; the test reads it under the lock.
final class ScriptedTransport: OTLPTransport, @unchecked Sendable {
    struct Sent {
        var path: String
        var body: [UInt8]
    }

    private let state = Mutex<(sent: [Sent], answers: [TransportResult], held: Bool, inside: Int)>(
        ([], [], false, 0))
    let fallback: TransportResult

    init(answers: [TransportResult] = [], fallback: TransportResult = .answered(status: 200, retryAfter: nil, body: []))
    {
        self.fallback = fallback
        state.withLock { $0.answers = answers }
    }

    var sent: [Sent] { state.withLock { $0.sent } }
    var requestsInside: Int { state.withLock { $0.inside } }

    func hold(_ held: Bool) { state.withLock { $0.held = held } }

    func post(path: String, body: [UInt8], timeout: Double) -> TransportResult {
        state.withLock { $0.inside += 1 }
        defer { state.withLock { $0.inside -= 1 } }
        let limit = SystemClock.monotonicSeconds + timeout
        while state.withLock({ $0.held }), SystemClock.monotonicSeconds < limit { usleep(2_000) }
        return state.withLock { state in
            state.sent.append(Sent(path: path, body: body))
            return state.answers.isEmpty ? fallback : state.answers.removeFirst()
        }
    }

    func shutdown() {}

    func spans() throws -> [Opentelemetry_Proto_Trace_V1_Span] {
        try sent.filter { $0.path == "/v1/traces" }.flatMap { request in
            try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: request.body)
                .resourceSpans.flatMap(\.scopeSpans).flatMap(\.spans)
        }
    }

    func metricRequests() throws -> [Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest] {
        try sent.filter { $0.path == "/v1/metrics" }.map {
            try Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest(serializedBytes: $0.body)
        }
    }
}

/// Waits (bounded) until `condition` holds.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let limit = SystemClock.monotonicSeconds + seconds
    while !condition() {
        if SystemClock.monotonicSeconds > limit { return false }
        usleep(1_000)
    }
    return true
}

@Suite("OTLP exporter")
struct ExporterTests {
    static func configuration(_ change: (inout OTLPConfiguration) -> Void = { _ in }) -> OTLPConfiguration {
        var configuration = OTLPConfiguration(
            endpoint: OTLPEndpoint(host: "127.0.0.1", port: 4318),
            resource: .captureFiles(["test.pcap"], hostName: "test-host"))
        configuration.retry = RetryPolicy(maxAttempts: 4, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05)
        change(&configuration)
        return configuration
    }

    @Test("spans go out in batches of at most maxBatchSize, with the resource, then one final metrics export")
    func batchesAndFinalMetrics() throws {
        let transport = ScriptedTransport()
        let exporter = OTLPExporter(configuration: Self.configuration { $0.maxBatchSize = 512 }, transport: transport)
        for id in 0..<1_200 { exporter.enqueue(CallBuilders.call(id: Int64(id), start: Int64(id) * 10)) }
        let report = exporter.finish(timeout: 10)
        #expect(report.spansExported == 1_200)
        #expect(report.spansDropped == 0)
        #expect(report.metricExportsSent == 1)
        let traceBodies = transport.sent.filter { $0.path == "/v1/traces" }
        let sizes = try traceBodies.map {
            try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: $0.body)
                .resourceSpans[0].scopeSpans[0].spans.count
        }
        #expect(sizes == [512, 512, 176])
        let first = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(
            serializedBytes: traceBodies[0].body)
        let resource = first.resourceSpans[0].resource.attributes.map { "\($0.key)=\($0.value.stringValue)" }
        #expect(resource.prefix(2) == ["service.name=dubbo-inspect", "host.name=test-host"])
        #expect(first.resourceSpans[0].scopeSpans[0].scope.name == "dubbo-inspect")
        let metrics = try transport.metricRequests()
        #expect(metrics.count == 1)
        let counter = metrics[0].resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints
        #expect(counter.map(\.asInt) == [1_200])
        // The final point is stamped with the latest capture time seen: the last response.
        #expect(counter[0].timeUnixNano == UInt64(1_700_000_000_000_000_000 + (11_990 + 1_000) * 1_000))
    }

    @Test("503 answers are retried and the batch then goes through")
    func retriesThenSucceeds() throws {
        let busy = TransportResult.answered(status: 503, retryAfter: nil, body: [])
        let transport = ScriptedTransport(answers: [busy, busy])
        let exporter = OTLPExporter(configuration: Self.configuration(), transport: transport)
        exporter.enqueue(CallBuilders.call(id: 1, start: 0))
        let report = exporter.finish(timeout: 10)
        #expect(report.spansExported == 1)
        #expect(report.retries == 2)
        #expect(report.requests == 4)  // three for the spans, one for the metrics
        #expect(try transport.spans().count == 3)  // the same span sent three times
    }

    @Test("a 400 answer is not retried; the batch is counted as failed")
    func nonRetryableFails() {
        let transport = ScriptedTransport(fallback: .answered(status: 400, retryAfter: nil, body: []))
        let exporter = OTLPExporter(configuration: Self.configuration(), transport: transport)
        exporter.enqueue(CallBuilders.call(id: 1, start: 0))
        let report = exporter.finish(timeout: 10)
        #expect(report.spansFailed == 1)
        #expect(report.retries == 0)
        #expect(report.metricExportsFailed == 1)
        #expect(report.lastError?.contains("HTTP 400") == true)
    }

    @Test("when the collector stalls, the queue fills and further calls are dropped and counted, never waited on")
    func fullQueueDropsWithoutBlocking() {
        let transport = ScriptedTransport()
        transport.hold(true)
        let exporter = OTLPExporter(
            configuration: Self.configuration {
                $0.queueCapacity = 10
                $0.maxBatchSize = 1
            }, transport: transport)
        exporter.enqueue(CallBuilders.call(id: 0, start: 0))
        #expect(eventually { transport.requestsInside == 1 })  // the exporter thread is stuck in a request
        let start = SystemClock.monotonicSeconds
        var accepted = 0
        for id in 1...25 where exporter.enqueue(CallBuilders.call(id: Int64(id), start: Int64(id))) { accepted += 1 }
        #expect(SystemClock.monotonicSeconds - start < 0.5)
        #expect(accepted == 10)
        #expect(exporter.report.droppedQueueFull == 15)
        transport.hold(false)
        let report = exporter.finish(timeout: 10)
        #expect(report.spansExported == 11)
        #expect(report.spansDropped == 15)
    }

    @Test("a collector that keeps answering 503 cannot hold finish past its deadline; the rest is counted")
    func finishIsBounded() {
        let transport = ScriptedTransport(fallback: .answered(status: 503, retryAfter: nil, body: []))
        let exporter = OTLPExporter(
            configuration: Self.configuration {
                $0.retry = RetryPolicy(maxAttempts: 100, initialDelay: 0.2, multiplier: 1, maxDelay: 0.2)
                $0.maxBatchSize = 10
            }, transport: transport)
        for id in 0..<50 { exporter.enqueue(CallBuilders.call(id: Int64(id), start: Int64(id))) }
        let start = SystemClock.monotonicSeconds
        let report = exporter.finish(timeout: 1)
        let elapsed = SystemClock.monotonicSeconds - start
        #expect(elapsed < 2.5)
        #expect(report.spansExported == 0)
        #expect(report.spansDropped == 50)
        #expect(report.droppedAtShutdown == 50)
        #expect(report.retries >= 3)
        #expect(report.metricExportsSent == 0)
    }

    @Test("capture-time metrics: one export per interval boundary crossed, stamped with the boundary, plus the end")
    func captureTimeIntervals() throws {
        let transport = ScriptedTransport()
        let exporter = OTLPExporter(configuration: Self.configuration { $0.metricsInterval = 1 }, transport: transport)
        // Requests at 0.5 s, 1.5 s and 3.5 s of capture time (answered 1 ms later).
        for (id, start) in [(1, 500_000), (2, 1_500_000), (3, 3_500_000)] {
            exporter.enqueue(CallBuilders.call(id: Int64(id), start: Int64(start)))
        }
        let report = exporter.finish(timeout: 10)
        #expect(report.metricExportsSent == 3)
        let points = try transport.metricRequests().map { $0.resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints[0] }
        let base: UInt64 = 1_700_000_000_000_000_000
        #expect(points.map(\.timeUnixNano) == [base + 1_000_000_000, base + 2_000_000_000, base + 3_501_000_000])
        #expect(points.map(\.asInt) == [1, 2, 3])
        #expect(points.allSatisfy { $0.startTimeUnixNano == base + 500_000_000 })
    }

    @Test("records that are not RPCs are counted as skipped, not dropped")
    func skipsNonRPC() {
        let exporter = OTLPExporter(configuration: Self.configuration(), transport: ScriptedTransport())
        var heartbeat = CallBuilders.record()
        heartbeat.kind = .heartbeat
        #expect(!exporter.export(heartbeat))
        #expect(exporter.export(CallBuilders.record()))
        let report = exporter.finish(timeout: 10)
        #expect(report.recordsSkipped == 1)
        #expect(report.spansExported == 1)
        #expect(report.spansDropped == 0)
    }
}
