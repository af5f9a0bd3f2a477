/// Percentiles of latencies in microseconds (or sizes in bytes) at the precision every output states: the bucket
/// layout and nearest-rank rule of HdrHistogram with two significant digits (1 as the lowest discernible value,
/// 2^32 as the highest trackable), so the live view's p99 and a report's p99 of the same calls are the same number.
///
/// Values below 256 are exact; above, each power of two is split into 128 buckets, and a percentile is reported as
/// the top of its bucket (never below the true value, at most 1/128 ≈ 0.79 % above it), within the recorded
/// minimum and maximum. Values above 2^32 are counted at 2^32. Counts are allocated per power of two on its first
/// value (256 counts below 256, 128 per octave above), so latencies spanning a few octaves cost a few KiB instead
/// of HdrHistogram's fixed 3 328 counts, and recording touches only the octaves in use (a report keeps five per
/// group: fixed tables did not stay in cache).
///
/// `Count` is the width of one bucket's count: `UInt32` for the live view's windows (`LatencyHistogram`, wrapping
/// past 2^32 values in one bucket of one window), `UInt64` for reports over a whole run.
public struct OctaveHistogram<Count: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
    /// Highest value kept apart: 2^32 µs is 71.6 minutes.
    public static var highestTrackable: UInt64 { 1 << 32 }
    /// Values below this are their own bucket (segment 0).
    static var exactBelow: Int { 256 }
    /// Buckets per power of two above `exactBelow` (two significant decimal digits).
    static var bucketsPerOctave: Int { 128 }
    /// Segment 0 (exact values), then one per power of two from 2^8 to 2^32 (the size of `start`).
    static var segmentCount: Int { 1 + (32 - 8 + 1) }

    /// Where each segment's counts start in `counts`; -1 until the segment's first value. Segments are laid out in
    /// the order they were first used, so walks go through `start` in segment order. Inline (no second heap
    /// array to check on every value recorded).
    private var start = InlineArray<26, Int16>(repeating: -1)
    private var counts: [Count] = []
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = .max
    public private(set) var maximum: UInt64 = 0

    public init() {}

    /// Bytes this histogram allocated for its counts.
    public var footprint: Int { counts.capacity * MemoryLayout<Count>.stride }

    /// Records one value (negative counts as 0, past `highestTrackable` as `highestTrackable`).
    public mutating func record(_ value: Int64) {
        record(min(UInt64(max(0, value)), Self.highestTrackable), times: 1)
    }

    /// Records `value` (at most `highestTrackable`) `times` times.
    public mutating func record(_ value: UInt64, times: Count) {
        let (segment, offset) = Self.position(of: value)
        counts[base(of: segment) + offset] &+= times
        count += UInt64(times)
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    public mutating func add(_ other: OctaveHistogram) {
        guard other.count > 0 else { return }
        for segment in 0..<Self.segmentCount where other.start[segment] >= 0 {
            let (ours, theirs) = (base(of: segment), Int(other.start[segment]))
            for offset in 0..<Self.size(of: segment) { counts[ours + offset] &+= other.counts[theirs + offset] }
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
            while seen < wanted, segment < Self.segmentCount {
                offset += 1
                if start[segment] < 0 || offset >= Self.size(of: segment) {
                    segment += 1
                    offset = -1
                    continue
                }
                seen += UInt64(counts[Int(start[segment]) + offset])
            }
            guard segment < Self.segmentCount else { return maximum }
            return max(min(Self.highestEquivalent(segment: segment, offset: offset), maximum), minimum)
        }
    }

    /// Values in the buckets whose lowest value lies in `range`: a bucket is counted whole, in the range holding its
    /// lowest value, so ranges that tile the values count each value once.
    public func count(inBucketsStartingIn range: ClosedRange<UInt64>) -> UInt64 {
        guard count > 0, range.lowerBound <= Self.highestTrackable else { return 0 }
        var (segment, offset) = Self.position(of: range.lowerBound)
        if Self.lowestEquivalent(segment: segment, offset: offset) < range.lowerBound { offset += 1 }
        var total: UInt64 = 0
        // Bounded by the buckets from the range's start to its end (at most 3 456).
        while segment < Self.segmentCount {
            if offset >= Self.size(of: segment) {
                segment += 1
                offset = 0
                continue
            }
            guard Self.lowestEquivalent(segment: segment, offset: offset) <= range.upperBound else { break }
            if start[segment] >= 0 { total += UInt64(counts[Int(start[segment]) + offset]) }
            offset += 1
        }
        return total
    }

    /// Values certainly above `value`: those in buckets wholly above the bucket holding it.
    public func countAbove(_ value: UInt64) -> UInt64 {
        guard count > 0, maximum > value, value < Self.highestTrackable else { return 0 }
        let (segment, offset) = Self.position(of: value)
        let next = Self.highestEquivalent(segment: segment, offset: offset) + 1
        return count(inBucketsStartingIn: next...Self.highestTrackable)
    }

    /// The smallest value sharing `value`'s bucket (`value` at most `highestTrackable`).
    public static func lowestEquivalent(_ value: UInt64) -> UInt64 {
        let (segment, offset) = position(of: value)
        return lowestEquivalent(segment: segment, offset: offset)
    }

    /// The largest value sharing `value`'s bucket (`value` at most `highestTrackable`).
    public static func highestEquivalent(_ value: UInt64) -> UInt64 {
        let (segment, offset) = position(of: value)
        return highestEquivalent(segment: segment, offset: offset)
    }

    /// How many of `total` values a percentile `level` (0…100) needs at or below it: HdrHistogram's nearest-rank
    /// rule, one ulp below the level so rounding cannot overrun into the next bucket, at least one value.
    public static func nearestRank(_ level: Double, of total: UInt64) -> UInt64 {
        let requested = min(max(level.nextDown, 0), 100)
        return max(1, UInt64(((requested * Double(total)) / 100).rounded(.up)))
    }

    public static func == (lhs: OctaveHistogram, rhs: OctaveHistogram) -> Bool {
        guard lhs.count == rhs.count, lhs.minimum == rhs.minimum, lhs.maximum == rhs.maximum else { return false }
        // Same counts in every bucket, whatever order the segments were allocated in (a missing one is all zero).
        for segment in 0..<segmentCount {
            for offset in 0..<size(of: segment) where lhs.bucket(segment, offset) != rhs.bucket(segment, offset) {
                return false
            }
        }
        return true
    }

    // MARK: Layout

    private func bucket(_ segment: Int, _ offset: Int) -> Count {
        guard start[segment] >= 0 else { return 0 }
        return counts[Int(start[segment]) + offset]
    }

    /// Where `segment`'s counts start, allocating them (zeros) on its first value.
    private mutating func base(of segment: Int) -> Int {
        let known = start[segment]
        if known >= 0 { return Int(known) }
        let base = counts.count
        // Exactly what is needed (at most 26 growths, one per octave), so the footprint is the counts in use.
        counts.reserveCapacity(base + Self.size(of: segment))
        counts.append(contentsOf: repeatElement(0, count: Self.size(of: segment)))
        start[segment] = Int16(base)
        return base
    }

    static func size(of segment: Int) -> Int { segment == 0 ? exactBelow : bucketsPerOctave }

    /// Segment and bucket of `value` (counted at 2^32 when above it).
    static func position(of value: UInt64) -> (segment: Int, offset: Int) {
        guard value >= UInt64(exactBelow) else { return (0, Int(value)) }
        let value = min(value, highestTrackable)
        let exponent = UInt64.bitWidth - 1 - value.leadingZeroBitCount  // 8…32
        let offset = Int(value >> UInt64(exponent - 7)) - bucketsPerOctave  // 0…127
        return (exponent - 7, offset)
    }

    /// The smallest value that lands in a bucket.
    static func lowestEquivalent(segment: Int, offset: Int) -> UInt64 {
        guard segment > 0 else { return UInt64(offset) }
        return UInt64(bucketsPerOctave + offset) << UInt64(segment)  // bucket width 2^segment
    }

    /// The largest value that lands in a bucket.
    static func highestEquivalent(segment: Int, offset: Int) -> UInt64 {
        guard segment > 0 else { return UInt64(offset) }
        return lowestEquivalent(segment: segment, offset: offset) + (1 << UInt64(segment)) - 1
    }
}

/// The live view's window histogram: 32-bit counts (a window is 30 s).
public typealias LatencyHistogram = OctaveHistogram<UInt32>
