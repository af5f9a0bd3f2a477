/// Approximate quantiles of latencies in microseconds, in fixed memory (log-linear buckets, HdrHistogram-like).
///
/// Values below 16 µs are exact; above, each power of two is split into 16 buckets, so a quantile is within
/// about 3 % of the true value. Values are clamped to one hour. 464 buckets of 32 bits: under 2 KiB.
public struct LatencySketch: Sendable, Equatable {
    static let subBuckets = 16
    static let subBucketBits = 4
    /// 2^32 µs ≈ 71 minutes: every latency above lands in the last bucket.
    static let maxExponent = 31
    static let bucketCount = subBuckets + (maxExponent - subBucketBits + 1) * subBuckets

    private var counts: [UInt32]
    public private(set) var count: UInt64 = 0
    public private(set) var maxMicroseconds: Int64 = 0

    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    public mutating func record(microseconds value: Int64) {
        let clamped = min(max(value, 0), (Int64(1) << (Self.maxExponent + 1)) - 1)
        let index = Self.index(of: clamped)
        if counts[index] < UInt32.max { counts[index] += 1 }
        count += 1
        maxMicroseconds = max(maxMicroseconds, value)
    }

    public mutating func add(_ other: LatencySketch) {
        for index in counts.indices { counts[index] = counts[index] &+ other.counts[index] }
        count += other.count
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

    /// The value below which a fraction `q` (0...1) of the recorded values lie; nil when nothing was recorded.
    public func quantile(_ q: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = max(1, UInt64((Double(count) * min(max(q, 0), 1)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += UInt64(bucketCount)
            if seen >= rank { return min(Self.representative(of: index), maxMicroseconds) }
        }
        return maxMicroseconds
    }

    static func index(of value: Int64) -> Int {
        guard value >= Int64(subBuckets) else { return Int(value) }
        let exponent = significantBits(value) - 1
        let sub = Int((value >> (exponent - subBucketBits)) & Int64(subBuckets - 1))
        return subBuckets + (exponent - subBucketBits) * subBuckets + sub
    }

    /// The middle of a bucket's range.
    static func representative(of index: Int) -> Int64 {
        guard index >= subBuckets else { return Int64(index) }
        let exponent = (index - subBuckets) / subBuckets + subBucketBits
        let sub = Int64((index - subBuckets) % subBuckets)
        let width = Int64(1) << (exponent - subBucketBits)
        let lower = (Int64(1) << exponent) + sub * width
        return lower + width / 2
    }
}

/// Bits needed to write a positive value.
@inline(__always)
private func significantBits(_ value: Int64) -> Int {
    Int64.bitWidth - value.leadingZeroBitCount
}
