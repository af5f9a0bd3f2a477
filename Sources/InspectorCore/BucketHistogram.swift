/// A histogram with fixed upper bounds (the OpenTelemetry RPC buckets, Prometheus `le` buckets): a count per bucket,
/// the sum and the count of observations. Bucket i holds bounds[i-1] < v ≤ bounds[i], as both OTLP
/// (`HistogramDataPoint.bucket_counts`) and Prometheus define it; counts are made cumulative only when written.
public struct BucketHistogram: Sendable, Equatable {
    /// Upper bounds, ascending; the `+Inf` bucket is implicit.
    public let bounds: [Double]
    /// Observations per bucket: `counts[i]` ≤ `bounds[i]` and > `bounds[i-1]`; the last entry is above every bound.
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0
    /// Smallest and largest observation (OTLP data points carry them); infinite while empty.
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity

    public init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// The buckets the OpenTelemetry RPC conventions advise for `rpc.server.call.duration` (seconds).
    public static let openTelemetryRPCSeconds: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]

    /// Finer buckets for heartbeat round trips, which are usually well under a millisecond (seconds).
    public static let heartbeatSeconds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]

    public mutating func observe(_ value: Double) {
        guard !value.isNaN else { return }
        // Few bounds: a linear scan is as fast as a search and keeps `le` semantics (≤) obvious.
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        counts[index] += 1
        sum += value
        count += 1
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    /// Cumulative counts for each bound, then `+Inf` (= `count`).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map { count in
            running += count
            return running
        }
    }

    /// Adds `other`'s observations (same bounds).
    public mutating func add(_ other: BucketHistogram) {
        precondition(bounds == other.bounds, "histograms with different bounds")
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }
}
