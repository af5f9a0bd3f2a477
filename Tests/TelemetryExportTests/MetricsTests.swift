import InspectorCore
import Testing
@testable import TelemetryExport

/// `rpc.client.call.duration` and the call counter.
@Suite("OTLP metrics")
struct MetricsTests {
    @Test("durations land in the advised buckets, upper bound inclusive")
    func bucketBoundaries() {
        var histogram = BucketHistogram(bounds: BucketHistogram.openTelemetryRPCSeconds)
        for seconds in [0.001, 0.005, 0.0051, 0.1, 0.75, 10, 11] { histogram.observe(seconds) }
        #expect(histogram.bounds == [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
        #expect(histogram.counts == [2, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1])
        #expect(histogram.count == 7)
        #expect(histogram.minimum == 0.001)
        #expect(histogram.maximum == 11)
    }

    @Test("series are keyed by method, status, error type and server; counters split by outcome")
    func seriesAndCounters() {
        var metrics = RPCMetrics()
        metrics.record(CallBuilders.call(id: 1, start: 0, latency: 2_000))
        metrics.record(CallBuilders.call(id: 2, start: 10, latency: 4_000))
        metrics.record(CallBuilders.call(id: 3, status: 80, start: 20))
        metrics.record(CallBuilders.call(id: 4, status: nil, start: 30))
        let exported = metrics.otlpMetrics(at: 1_700_000_001_000_000_000)
        #expect(exported.map(\.name) == ["rpc.client.call.duration", "dubbo_inspect.client.calls"])
        #expect(exported[0].unit == "s")
        let points = exported[0].histogram.dataPoints
        #expect(points.count == 2)  // OK and SERVER_ERROR; the unanswered call has no duration
        #expect(points[0].count == 2)
        #expect(abs(points[0].sum - 0.006) < 1e-12)
        #expect(points[0].startTimeUnixNano == 1_700_000_000_000_000_000)
        #expect(points[0].timeUnixNano == 1_700_000_001_000_000_000)
        let counter = exported[1].sum
        #expect(counter.isMonotonic)
        #expect(counter.aggregationTemporality == .cumulative)
        #expect(counter.dataPoints.map(\.asInt) == [2, 1, 1])
        let outcomes = counter.dataPoints.map { point in
            point.attributes.first { $0.key == "dubbo_inspect.outcome" }?.value.stringValue ?? ""
        }
        #expect(outcomes == ["ok", "error", "no_response"])
        let errorTypes = counter.dataPoints.map { point in
            point.attributes.first { $0.key == "error.type" }?.value.stringValue
        }
        #expect(errorTypes == [nil, "SERVER_ERROR", "no_response"])
    }

    @Test("past the series cap, new methods are folded into _OTHER and counted")
    func seriesCap() {
        var metrics = RPCMetrics(maxSeries: 2)
        for (index, method) in ["a", "b", "c", "d"].enumerated() {
            metrics.record(CallBuilders.call(id: Int64(index), method: method, start: Int64(index)))
        }
        let points = metrics.otlpMetrics(at: 0)[1].sum.dataPoints
        let methods = points.map { $0.attributes.first { $0.key == "rpc.method" }?.value.stringValue ?? "" }
        #expect(methods == ["org.apache.dubbo.demo.DemoService/a", "org.apache.dubbo.demo.DemoService/b", "_OTHER"])
        #expect(points.map(\.asInt) == [1, 1, 2])
        #expect(metrics.foldedCalls == 2)
    }
}

@Suite("OTLP retry policy")
struct RetryPolicyTests {
    @Test("429, 502, 503 and 504 are retried; other answers are not")
    func retryableStatuses() {
        #expect([429, 502, 503, 504].allSatisfy(RetryPolicy.isRetryable))
        #expect(![200, 400, 401, 404, 413, 500].contains(where: RetryPolicy.isRetryable))
    }

    @Test("waits double from 0.5 s up to 5 s; jitter spreads them by 20 %; Retry-After wins, capped")
    func delays() {
        let policy = RetryPolicy()
        #expect((1...6).map { policy.delay(afterAttempt: $0, retryAfter: nil, jitter: 0) } == [0.5, 1, 2, 4, 5, 5])
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, jitter: 1) == 0.6)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, jitter: -1) == 0.4)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3, jitter: 0) == 3)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 60, jitter: 0) == 5)
    }
}

@Suite("OTLP endpoint")
struct EndpointTests {
    @Test("base URLs get /v1/traces and /v1/metrics; a signal path is taken back to its base")
    func parsesEndpoints() throws {
        let plain = try OTLPEndpoint.parse("http://127.0.0.1:4318")
        #expect(plain == OTLPEndpoint(host: "127.0.0.1", port: 4318))
        #expect(plain.tracesPath == "/v1/traces")
        #expect(plain.metricsPath == "/v1/metrics")
        #expect(try OTLPEndpoint.parse("http://collector:4318/otlp/").tracesPath == "/otlp/v1/traces")
        #expect(try OTLPEndpoint.parse("http://collector:4318/v1/traces").basePath == "")
        #expect(try OTLPEndpoint.parse("http://[::1]:4318") == OTLPEndpoint(host: "::1", port: 4318))
        #expect(try OTLPEndpoint.parse("http://collector").port == 80)
        #expect(try OTLPEndpoint.parse("http://localhost:4318").host == "127.0.0.1")
    }

    @Test("https, other schemes and bad ports are refused with a reason", arguments: [
        "https://collector:4318", "grpc://collector:4317", "collector:4318", "http://collector:0", "http://:4318",
        "http://collector:99999",
    ])
    func refusesBadEndpoints(text: String) {
        #expect(throws: OTLPEndpointError.self) { try OTLPEndpoint.parse(text) }
    }
}
