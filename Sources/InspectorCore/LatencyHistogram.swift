/// Percentiles of latencies in microseconds (or sizes in bytes) at the precision every output states: the bucket
/// layout and nearest-rank rule of HdrHistogram with two significant digits, so the live view's p99 and a report's
/// p99 of the same calls are the same number (reports keep their HdrHistogram; this is its layout, in little
/// memory, for the live windows).
///
/// Values below 256 are exact; above, each power of two is split into 128 buckets, and a percentile is reported as
/// the top of its bucket (never below the true value, at most 1/128 ≈ 0.79 % above it), within the recorded
/// minimum and maximum. Values above 2^32 are counted at 2^32. Counts are allocated per power of two on its first
/// value (1 KiB below 256, 512 bytes per octave above), so a window of latencies spanning a few octaves costs a
/// few KiB; at most 13.3 KiB.
public struct LatencyHistogram: Sendable, Equatable {
    /// Highest value kept apart: 2^32 µs is 71.6 minutes.
    public static let highestTrackable: UInt64 = 1 << 32
    /// Values below this are their own bucket (segment 0).
    static let exactBelow = 256
    /// Buckets per power of two above `exactBelow` (two significant decimal digits).
    static let bucketsPerOctave = 128
    /// Segment 0 (exact values), then one per power of two from 2^8 to 2^32.
    static let segmentCount = 1 + (32 - 8 + 1)

    /// Counts per segment; empty until the segment's first value.
    private var segments: [[UInt32]] = []
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = .max
    public private(set) var maximum: UInt64 = 0

    public init() {}

    /// Records one value (negative counts as 0).
    public mutating func record(_ value: Int64) {
        let kept = min(UInt64(max(0, value)), Self.highestTrackable)
        let (segment, offset) = Self.position(of: kept)
        if segments.isEmpty { segments = Array(repeating: [], count: Self.segmentCount) }
        if segments[segment].isEmpty { segments[segment] = Array(repeating: 0, count: Self.size(of: segment)) }
        segments[segment][offset] &+= 1
        count += 1
        minimum = min(minimum, kept)
        maximum = max(maximum, kept)
    }

    public mutating func add(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if segments.isEmpty { segments = Array(repeating: [], count: Self.segmentCount) }
        for (segment, theirs) in other.segments.enumerated() where !theirs.isEmpty {
            if segments[segment].isEmpty {
                segments[segment] = theirs
            } else {
                for offset in theirs.indices { segments[segment][offset] &+= theirs[offset] }
            }
        }
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
        var segment = 0
        var offset = -1
        var seen: UInt64 = 0
        return levels.map { level in
            if level <= 0 { return minimum }
            if level >= 100 { return maximum }
            let wanted = Self.nearestRank(level, of: count)
            // Levels ascend, so the walk goes on from where the last one stopped; it ends at the maximum's bucket.
            while seen < wanted, segment < segments.count {
                offset += 1
                if offset >= segments[segment].count {
                    segment += 1
                    offset = -1
                    continue
                }
                seen += UInt64(segments[segment][offset])
            }
            guard segment < segments.count else { return maximum }
            return max(min(Self.highestEquivalent(segment: segment, offset: offset), maximum), minimum)
        }
    }

    /// How many of `total` values a percentile `level` (0…100) needs at or below it: HdrHistogram's nearest-rank
    /// rule, one ulp below the level so rounding cannot overrun into the next bucket, at least one value.
    public static func nearestRank(_ level: Double, of total: UInt64) -> UInt64 {
        let requested = min(max(level.nextDown, 0), 100)
        return max(1, UInt64(((requested * Double(total)) / 100).rounded(.up)))
    }

    static func size(of segment: Int) -> Int { segment == 0 ? exactBelow : bucketsPerOctave }

    /// Segment and bucket of `value` (at most 2^32).
    static func position(of value: UInt64) -> (segment: Int, offset: Int) {
        guard value >= UInt64(exactBelow) else { return (0, Int(value)) }
        let exponent = UInt64.bitWidth - 1 - value.leadingZeroBitCount  // 8…32
        let offset = Int(value >> UInt64(exponent - 7)) - bucketsPerOctave  // 0…127
        return (exponent - 7, offset)
    }

    /// The largest value that lands in a bucket.
    static func highestEquivalent(segment: Int, offset: Int) -> UInt64 {
        guard segment > 0 else { return UInt64(offset) }
        let shift = UInt64(segment)  // bucket width 2^(exponent-7), exponent = segment + 7
        let lowest = UInt64(bucketsPerOctave + offset) << shift
        return lowest + (1 << shift) - 1
    }
}
