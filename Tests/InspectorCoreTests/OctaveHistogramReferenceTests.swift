import Histogram
import InspectorCore
import TestSupport
import Testing

/// `OctaveHistogram` is HdrHistogram's bucket layout (two significant digits, 1…2^32) without its fixed table:
/// checked here against the library itself for every figure the reports and the live view read.
@Suite("OctaveHistogram against HdrHistogram")
struct OctaveHistogramReferenceTests {
    static func reference() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 1 << 32, numberOfSignificantValueDigits: .two)
    }

    /// Values that reach every kind of place: exact ones, bucket edges on both sides, skewed latencies, and values
    /// past 2^32 (both histograms are given them counted at 2^32).
    static func values(count: Int, seed: UInt64) -> [UInt64] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in
            let edge = UInt64(1) << UInt64(8 + index % 25)
            switch index % 9 {
            case 0: return UInt64(index % 256)
            case 1: return edge
            case 2: return edge - 1
            case 3: return edge + 1
            case 4: return min(UInt64(1) << 34, OctaveHistogram<UInt64>.highestTrackable)
            default: return UInt64(random.skewed(median: 5_000, spread: 34))
            }
        }.map { min($0, OctaveHistogram<UInt64>.highestTrackable) }
    }

    @Test("percentiles are the library's at every level", arguments: [1, 2, 9, 300, 20_000])
    func percentiles(count: Int) {
        var ours = OctaveHistogram<UInt64>()
        var small = OctaveHistogram<UInt32>()
        var theirs = Self.reference()
        for value in Self.values(count: count, seed: UInt64(count)) {
            ours.record(value, times: 1)
            small.record(Int64(value))
            _ = theirs.record(value)
        }
        let levels: [Double] = [0, 0.001, 0.1, 1, 10, 25, 33.3, 50, 75, 90, 95, 99, 99.9, 99.99, 100]
        let expected = levels.map { theirs.valueAtPercentile($0) }
        #expect(ours.percentiles(levels) == expected)
        #expect(small.percentiles(levels) == expected)
        for (level, value) in zip(levels, expected) { #expect(ours.percentile(level) == value, "p\(level)") }
        #expect(ours.count == theirs.totalCount)
        #expect(ours.maximum == theirs.maxRecorded)
        #expect(ours.minimum == theirs.min)
    }

    @Test("bucket edges, counts by bucket start and counts above a value are the library's")
    func bucketCounts() {
        var ours = OctaveHistogram<UInt64>()
        var theirs = Self.reference()
        for value in Self.values(count: 5_000, seed: 11) {
            ours.record(value, times: 1)
            _ = theirs.record(value)
        }
        var random = SeededRandom(seed: 12)
        for index in 0..<2_000 {
            let a = index < 40 ? UInt64(1) << UInt64(index % 33) : UInt64(random.skewed(median: 4_000, spread: 34))
            let b = UInt64(random.skewed(median: 40_000, spread: 34))
            let (low, high) = (min(a, b, 1 << 32), min(max(a, b), 1 << 32))
            #expect(OctaveHistogram<UInt64>.lowestEquivalent(low) == theirs.lowestEquivalentForValue(low), "\(low)")
            // The library's count of the buckets starting in low...high, bucket by bucket.
            var expected: UInt64 = 0
            var value = theirs.lowestEquivalentForValue(low)
            if value < low { value = theirs.nextNonEquivalentForValue(value) }
            while value <= high {
                expected += theirs.countForValue(value)
                value = theirs.nextNonEquivalentForValue(value)
            }
            #expect(ours.count(inBucketsStartingIn: low...high) == expected, "\(low)...\(high)")
            let next = theirs.nextNonEquivalentForValue(low)
            let above = next <= 1 << 32 && theirs.maxRecorded > low ? theirs.count(within: next...(1 << 32)) : 0
            #expect(ours.countAbove(low) == above, "above \(low)")
        }
    }

    @Test("adding histograms equals recording into one, whatever order their octaves were first used in")
    func addIsRecording() {
        let values = Self.values(count: 3_000, seed: 21)
        var (first, second, all) = (OctaveHistogram<UInt64>(), OctaveHistogram<UInt64>(), OctaveHistogram<UInt64>())
        for (index, value) in values.enumerated() {
            if index % 3 == 0 { first.record(value, times: 1) } else { second.record(value, times: 1) }
        }
        // `all` meets the octaves in the opposite order, so its counts are laid out differently.
        for value in values.reversed() { all.record(value, times: 1) }
        var merged = second
        merged.add(first)
        #expect(merged == all)
        #expect(merged.percentiles([1, 50, 99.9]) == all.percentiles([1, 50, 99.9]))
        all.record(7, times: 1)
        #expect(merged != all)
    }

    @Test("memory follows the octaves in use")
    func footprint() {
        var histogram = OctaveHistogram<UInt64>()
        #expect(histogram.footprint == 0)
        for value in stride(from: UInt64(1_000), to: 8_000, by: 7) { histogram.record(value, times: 1) }
        // 1 000…7 999 lies in four octaves (from 512 to 8 191): 4 × 128 counts, not the library's 3 328.
        #expect(histogram.footprint >= 4 * 128 * 8 && histogram.footprint < 5 * 128 * 8)
        for shift in 0...32 { histogram.record(Int64(1) << Int64(shift)) }
        #expect(histogram.footprint <= (256 + 25 * 128) * 8 + 256)  // every octave: HdrHistogram's size
    }
}
