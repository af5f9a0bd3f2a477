import Correlation
import DubboWire
import InspectorCore
import NetworkLayers

/// Cumulative call metrics, aggregated on the exporter's thread and turned into OTLP data points on each export.
///
/// * `rpc.client.call.duration`: histogram in seconds with the bucket boundaries the RPC conventions advise
///   (`docs/rpc/rpc-metrics.md`), of every call that has a response (request first byte → response first byte).
/// * `dubbo_inspect.client.calls`: a monotonic counter of every exported call and one-way request, with the same
///   attributes plus `dubbo_inspect.outcome` (so unanswered and one-way requests, which have no duration, count).
///
/// Attributes: `rpc.system.name`, `rpc.method`, `rpc.response.status_code` and `error.type` (when set),
/// `server.address`, `server.port`. Series are capped (`maxSeries`): past the cap, new ones are folded into
/// `rpc.method = _OTHER` of the same server, and the fold is counted — a capture full of random method names cannot
/// grow memory without bound.
struct RPCMetrics {
    static let durationName = "rpc.client.call.duration"
    static let callsName = "dubbo_inspect.client.calls"
    struct SeriesKey: Hashable {
        var method: String
        var status: String?
        var errorType: String?
        var serverAddress: String
        var serverPort: UInt16
    }

    let maxSeries: Int
    private(set) var durations: [SeriesKey: BucketHistogram] = [:]
    private(set) var calls: [SeriesKey: [String: UInt64]] = [:]
    /// Calls folded into `_OTHER` because the series cap was reached.
    private(set) var foldedCalls = 0
    /// Order series were first seen, so exports list them in a stable order.
    private var order: [SeriesKey] = []
    /// Capture time of the first call seen: the start of every cumulative series.
    private(set) var startTime: CaptureTime?
    private(set) var total = 0

    init(maxSeries: Int = 2_000) {
        self.maxSeries = maxSeries
    }

    var isEmpty: Bool { total == 0 }

    mutating func record(_ call: ExportedCall) {
        if startTime == nil || call.requestTime < startTime! { startTime = call.requestTime }
        total += 1
        var key = SeriesKey(
            method: call.rpcMethod ?? OTLPAttribute.otherMethod, status: call.statusName, errorType: call.errorType,
            serverAddress: call.server.address.description, serverPort: call.server.port)
        if calls[key] == nil {
            if order.count >= maxSeries {
                key.method = OTLPAttribute.otherMethod
                foldedCalls += 1
            }
            if calls[key] == nil {
                order.append(key)
                calls[key] = [:]
            }
        }
        calls[key, default: [:]][call.outcome.rawValue, default: 0] += 1
        if let seconds = call.durationSeconds {
            durations[key, default: BucketHistogram(bounds: BucketHistogram.openTelemetryRPCSeconds)].observe(max(0, seconds))
        }
    }

    static func attributes(_ key: SeriesKey) -> [(String, AttributeValue)] {
        var attributes: [(String, AttributeValue)] = [
            (OTLPAttribute.rpcSystemName, .string(OTLPAttribute.dubbo)),
            (OTLPAttribute.rpcMethod, .string(key.method)),
        ]
        if let status = key.status { attributes.append((OTLPAttribute.rpcResponseStatusCode, .string(status))) }
        if let errorType = key.errorType { attributes.append((OTLPAttribute.errorType, .string(errorType))) }
        attributes.append((OTLPAttribute.serverAddress, .string(key.serverAddress)))
        attributes.append((OTLPAttribute.serverPort, .int(Int64(key.serverPort))))
        return attributes
    }

    /// The two metrics as of `time` (cumulative since `startTime`, or since `time` if nothing was recorded).
    func otlpMetrics(at time: UInt64, startOverride: UInt64? = nil) -> [Opentelemetry_Proto_Metrics_V1_Metric] {
        let start = startOverride ?? startTime.map(ExportedCall.unixNanos) ?? time
        var histogram = Opentelemetry_Proto_Metrics_V1_Histogram()
        histogram.aggregationTemporality = .cumulative
        var sum = Opentelemetry_Proto_Metrics_V1_Sum()
        sum.aggregationTemporality = .cumulative
        sum.isMonotonic = true
        for key in order {
            let keyAttributes = Self.attributes(key).map { Opentelemetry_Proto_Common_V1_KeyValue($0.0, $0.1) }
            if let recorded = durations[key] {
                var point = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
                point.attributes = keyAttributes
                point.startTimeUnixNano = start
                point.timeUnixNano = time
                point.count = recorded.count
                point.sum = recorded.sum
                point.bucketCounts = recorded.counts
                point.explicitBounds = recorded.bounds
                point.min = recorded.minimum
                point.max = recorded.maximum
                histogram.dataPoints.append(point)
            }
            for (outcome, count) in (calls[key] ?? [:]).sorted(by: { $0.key < $1.key }) {
                var point = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
                point.attributes =
                    keyAttributes + [Opentelemetry_Proto_Common_V1_KeyValue(OTLPAttribute.outcome, .string(outcome))]
                point.startTimeUnixNano = start
                point.timeUnixNano = time
                point.asInt = Int64(clamping: count)
                sum.dataPoints.append(point)
            }
        }
        var duration = Opentelemetry_Proto_Metrics_V1_Metric()
        duration.name = Self.durationName
        duration.unit = "s"
        duration.description_p = "Measures the duration of outbound remote procedure calls (RPC)."
        duration.histogram = histogram
        var counter = Opentelemetry_Proto_Metrics_V1_Metric()
        counter.name = Self.callsName
        counter.unit = "{call}"
        counter.description_p = "Dubbo calls and one-way requests seen, by outcome."
        counter.sum = sum
        return [duration, counter]
    }
}
