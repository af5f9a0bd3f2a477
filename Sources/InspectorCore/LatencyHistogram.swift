/// Percentiles of latencies in microseconds (or sizes in bytes) at the precision every output states: the bucket
/// layout and nearest-rank rule of HdrHistogram with two significant digits, so the live view's p99 and a report's
/// p99 of the same calls are the same number (reports keep their HdrHistogram; this is its layout, in fixed
/// memory, for the live windows).
///
/// Values below 256 are exact; above, each power of two is split into 128 buckets, and a percentile is reported as
/// the top of its bucket (never below the true value, at most 1/128 ≈ 0.79 % above it), within the recorded
/// minimum and maximum. Values above 2^32 are counted at 2^32. Counts are allocated on the first value
/// (3,456 × 4 bytes), so an empty histogram costs nothing.
public struct LatencyHistogram: Sendable, Equatable {
    /// Highest value kept apart: 2^32 µs is 71.6 minutes.
    public static let highestTrackable: UInt64 = 1 << 32
    /// Values below this are their own bucket.
    static let exactBelow: UInt64 = 256
    /// Buckets per power of two above `exactBelow` (two significant decimal digits).
    static let bucketsPerOctave = 128
    static let bucketCount = Int(exactBelow) + (32 - 8 + 1) * bucketsPerOctave

    private var counts: [UInt32] = []
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = .max
    public private(set) var maximum: UInt64 = 0

    public init() {}

    /// Records one value (negative counts as 0).
    public mutating func record(_ value: Int64) {
        let kept = min(UInt64(max(0, value)), Self.highestTrackable)
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        let index = Self.index(of: kept)
        counts[index] &+= 1
        count += 1
        minimum = min(minimum, kept)
        maximum = max(maximum, kept)
    }

    public mutating func add(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// Percentile `level` (0…100); nil when nothing was recorded.
    public func percentile(_ level: Double) -> UInt64? {
        count > 0 ? percentiles([level])[0] : nil
    }

    /// `percentile(_:)` of each of `levels` (ascending) in one walk over the buckets; zeros when empty.
    public func percentiles(_ levels: [Double]) -> [UInt64] {
        guard count > 0 else { return levels.map { _ in 0 } }
        var index = 0
        var seen = UInt64(counts[0])
        return levels.map { level in
            if level <= 0 { return minimum }
            if level >= 100 { return maximum }
            let wanted = Self.nearestRank(level, of: count)
            while seen < wanted, index + 1 < counts.count {
                index += 1
                seen += UInt64(counts[index])
            }
            return max(min(Self.highestEquivalent(of: index), maximum), minimum)
        }
    }

    /// How many of `total` values a percentile `level` (0…100) needs at or below it: HdrHistogram's nearest-rank
    /// rule, one ulp below the level so rounding cannot overrun into the next bucket, at least one value.
    public static func nearestRank(_ level: Double, of total: UInt64) -> UInt64 {
        let requested = min(max(level.nextDown, 0), 100)
        return max(1, UInt64(((requested * Double(total)) / 100).rounded(.up)))
    }

    static func index(of value: UInt64) -> Int {
        guard value >= exactBelow else { return Int(value) }
        let exponent = UInt64.bitWidth - 1 - value.leadingZeroBitCount  // 8…32
        let shift = exponent - 7
        let sub = Int(value >> UInt64(shift)) - bucketsPerOctave  // 0…127
        return Int(exactBelow) + (exponent - 8) * bucketsPerOctave + sub
    }

    /// The largest value that lands in bucket `index`.
    static func highestEquivalent(of index: Int) -> UInt64 {
        guard index >= Int(exactBelow) else { return UInt64(index) }
        let octave = (index - Int(exactBelow)) / bucketsPerOctave
        let sub = (index - Int(exactBelow)) % bucketsPerOctave
        let shift = UInt64(octave + 1)  // bucket width 2^(exponent-7), exponent = octave + 8
        let lowest = UInt64(bucketsPerOctave + sub) << shift
        return lowest + (1 << shift) - 1
    }
}
