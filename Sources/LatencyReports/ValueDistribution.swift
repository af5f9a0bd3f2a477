import InspectorCore
import RegistryJoin
import RecordFormats

/// How precise every percentile in a report is. One place, so the reports can state it and the tests can check it.
public enum ReportPrecision {
    /// HdrHistogram significant decimal digits. Two digits give 128 linear sub-buckets per power of two.
    public static let significantDigits = 2
    /// Largest relative error of a percentile: values below 256 are exact; above, a value is reported as the top of
    /// its bucket, whose width is at most 1/128 of its lowest value, so a percentile is never below the true value
    /// and at most 0.79 % above it.
    public static let maxRelativeError = 1.0 / 128.0
    /// Highest latency or size kept exactly: 2^32 µs is 71.6 minutes, 2^32 bytes is 4 GiB (a Dubbo body length is
    /// a Java int, so every size fits). Larger latencies are counted at this value and reported as clamped.
    /// The live view's `LatencyHistogram` has this layout too, so both give the same percentiles.
    public static let highestTrackable: UInt64 = OctaveHistogram<UInt64>.highestTrackable

    /// One sentence for the reports.
    public static let statement =
        "Percentiles come from HdrHistogram (2 significant digits): exact below 256, otherwise at most 0.79 % above "
        + "the true value (bound 1 %). Min, max and mean are exact."
}

/// Count, extremes, exact mean and histogram percentiles of a stream of non-negative integers (microseconds or
/// bytes). The histogram covers 0…2^32 at ≤ 1 % relative error in 64-bit counts allocated per octave in use: about
/// 1 KiB per octave the values span, at most 27 kB.
struct ValueDistribution {
    private var histogram = OctaveHistogram<UInt64>()
    /// Exact sum (saturating: 2^64 µs is half a million years of latency).
    private(set) var sum: UInt64 = 0
    /// Values above `ReportPrecision.highestTrackable` (recorded at that value) or below zero (recorded as 0).
    private(set) var clamped: UInt64 = 0

    var count: UInt64 { histogram.count }
    var minimum: UInt64 { histogram.minimum }
    var maximum: UInt64 { histogram.maximum }

    mutating func record(_ value: Int64) {
        if value < 0 || value > Int64(ReportPrecision.highestTrackable) { clamped += 1 }
        let kept = min(UInt64(max(0, value)), ReportPrecision.highestTrackable)
        histogram.record(kept, times: 1)
        let (total, overflow) = sum.addingReportingOverflow(kept)
        sum = overflow ? .max : total
    }

    /// Percentile `p` (0…100) by HdrHistogram's nearest-rank rule: the smallest recorded value with at least p % of
    /// the values at or below it, reported as the top of its bucket (never above the maximum).
    func percentile(_ p: Double) -> UInt64 {
        histogram.percentile(p) ?? 0
    }

    /// How many values are certainly above `value`: those in buckets wholly above the bucket holding it.
    func countAbove(_ value: Int64) -> Int {
        Int(clamping: histogram.countAbove(UInt64(max(0, value))))
    }

    /// `percentile(_:)` of each of `levels` (ascending), in one walk over the recorded buckets.
    func percentiles(_ levels: [Double]) -> [UInt64] {
        histogram.percentiles(levels)
    }

    var summary: DistributionSummary {
        guard count > 0 else { return DistributionSummary() }
        let levels = percentiles([50, 90, 99, 99.9])
        return DistributionSummary(
            count: Int(clamping: count), min: Int64(clamping: minimum),
            mean: Double(sum) / Double(count),
            p50: Int64(clamping: levels[0]), p90: Int64(clamping: levels[1]),
            p99: Int64(clamping: levels[2]), p999: Int64(clamping: levels[3]),
            max: Int64(clamping: maximum), total: Int64(clamping: sum))
    }

    /// Bars for a chart: counts in ranges whose bounds grow by a factor of 2^(1/`perOctave`), from the bucket of the
    /// minimum to that of the maximum. At most 33 × `perOctave` bars. A histogram bucket that straddles a bar edge
    /// is counted in the bar holding its lowest value, so no value is counted twice.
    func bars(perOctave: Int = 4) -> [HistogramBar] {
        guard count > 0 else { return [] }
        var lower = OctaveHistogram<UInt64>.lowestEquivalent(minimum)
        let low = max(1, lower)
        let high = max(low, maximum)
        var bars: [HistogramBar] = []
        var step = 0
        // Bounded: each turn raises `lower` by at least one, and at most 33 × perOctave turns reach 2^32.
        while lower <= high, bars.count < 33 * max(1, perOctave) {
            step += 1
            let factor = exp2(Double(step) / Double(max(1, perOctave)))
            var upper = UInt64(min(Double(ReportPrecision.highestTrackable), (Double(low) * factor).rounded(.down)))
            upper = max(upper, lower + 1)
            let end = min(upper - 1, high)
            let inRange = histogram.count(inBucketsStartingIn: lower...end)
            bars.append(HistogramBar(lower: Int64(lower), upper: Int64(end), count: Int(clamping: inRange)))
            lower = end + 1
        }
        return bars
    }

    mutating func add(_ other: ValueDistribution) {
        histogram.add(other.histogram)
        let (total, overflow) = sum.addingReportingOverflow(other.sum)
        sum = overflow ? .max : total
        clamped += other.clamped
    }
}

/// The histogram of one time-series slot: the same buckets and percentile rule as `ValueDistribution` (so the
/// same precision), stored sparsely while few buckets are used — a slot's values usually span a few octaves but
/// fill few of their buckets — and as an `OctaveHistogram` once more than `denseAfter` buckets are, so no slot
/// ever costs more than 13.6 kB.
struct SlotHistogram {
    /// About where a dictionary of buckets outgrows the octave table.
    static let denseAfter = 400

    /// Count per bucket, keyed by the bucket's lowest value (while sparse).
    private var buckets: [UInt64: UInt32] = [:]
    private var dense: OctaveHistogram<UInt32>?
    private(set) var count: UInt64 = 0
    private var minimum: UInt64 = .max
    private var maximum: UInt64 = 0

    /// Bytes this histogram holds: the dense counts once dense, else the sparse table's storage (its capacity:
    /// what was allocated, not what is used).
    var footprint: Int {
        dense?.footprint ?? buckets.capacity * Self.bytesPerSparseBucket
    }

    /// A key, a value and the table's per-entry overhead.
    static let bytesPerSparseBucket = 16

    mutating func record(_ value: UInt64) {
        let kept = min(value, ReportPrecision.highestTrackable)
        count += 1
        minimum = min(minimum, kept)
        maximum = max(maximum, kept)
        if dense != nil {
            dense?.record(kept, times: 1)
            return
        }
        buckets[OctaveHistogram<UInt32>.lowestEquivalent(kept), default: 0] &+= 1
        if buckets.count > Self.denseAfter { makeDense() }
    }

    private mutating func makeDense() {
        var histogram = OctaveHistogram<UInt32>()
        for (lowest, bucketCount) in buckets { histogram.record(lowest, times: bucketCount) }
        if let existing = dense { histogram.add(existing) }
        dense = histogram
        buckets = [:]
    }

    mutating func add(_ other: SlotHistogram) {
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        if let theirs = other.dense {
            if dense == nil { makeDense() }
            dense?.add(theirs)
        } else if dense != nil {
            for (lowest, bucketCount) in other.buckets { dense?.record(lowest, times: bucketCount) }
        } else {
            buckets.merge(other.buckets) { $0 &+ $1 }
            if buckets.count > Self.denseAfter { makeDense() }
        }
    }

    func percentile(_ p: Double) -> UInt64 {
        percentiles([p])[0]
    }

    /// `percentile(_:)` of each of `levels` (ascending), sorting the sparse buckets once for all of them.
    func percentiles(_ levels: [Double]) -> [UInt64] {
        guard count > 0 else { return levels.map { _ in 0 } }
        if let dense {
            // The dense table's own extremes are bucket bounds where it took over sparse buckets: clamp to the slot's.
            return zip(levels, dense.percentiles(levels)).map { level, value in
                if level <= 0 { return minimum }
                if level >= 100 { return maximum }
                return max(min(value, maximum), minimum)
            }
        }
        let sorted = buckets.sorted { $0.key < $1.key }
        var position = 0
        var seen: UInt64 = 0
        return levels.map { level in
            if level <= 0 { return minimum }
            if level >= 100 { return maximum }
            let wanted = OctaveHistogram<UInt32>.nearestRank(level, of: count)
            // Levels ascend, so the walk goes on from where the last one stopped.
            while position < sorted.count {
                if seen + UInt64(sorted[position].value) >= wanted {
                    let top = OctaveHistogram<UInt32>.highestEquivalent(sorted[position].key)
                    return max(min(top, maximum), minimum)
                }
                seen += UInt64(sorted[position].value)
                position += 1
            }
            return maximum
        }
    }
}

/// What a distribution looks like: every field nil when nothing was recorded.
public struct DistributionSummary: Sendable, Equatable {
    public var count = 0
    public var min: Int64?
    public var mean: Double?
    public var p50: Int64?
    public var p90: Int64?
    public var p99: Int64?
    public var p999: Int64?
    public var max: Int64?
    /// Sum of every value (for latency: the total time spent).
    public var total: Int64 = 0

    public init(
        count: Int = 0, min: Int64? = nil, mean: Double? = nil, p50: Int64? = nil, p90: Int64? = nil,
        p99: Int64? = nil, p999: Int64? = nil, max: Int64? = nil, total: Int64 = 0
    ) {
        self.count = count
        self.min = min
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.total = total
    }
}

/// One bar of a latency histogram chart: values in `lower...upper` (inclusive).
public struct HistogramBar: Sendable, Equatable {
    public var lower: Int64
    public var upper: Int64
    public var count: Int

    public init(lower: Int64, upper: Int64, count: Int) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
