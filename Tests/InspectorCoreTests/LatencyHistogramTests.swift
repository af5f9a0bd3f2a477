import InspectorCore
import Testing

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    @Test("empty gives nil; values below 256 are exact; a value is reported as the top of its bucket")
    func edges() {
        var histogram = LatencyHistogram()
        #expect(histogram.percentile(50) == nil)
        for value: Int64 in [3, 3, 3, 7] { histogram.record(value) }
        #expect(histogram.percentile(50) == 3)
        #expect(histogram.percentile(100) == 7)
        var wide = LatencyHistogram()
        wide.record(32_768)
        wide.record(40_000)
        // 32 768 sits in a bucket 256 wide: reported as 33 023, 0.78 % above, never below.
        #expect(wide.percentile(50) == 33_023)
        #expect(wide.percentile(99) == 40_000)  // the top of 40 000's bucket is past the maximum
        var negative = LatencyHistogram()
        negative.record(-5)
        #expect(negative.percentile(50) == 0)
        #expect(negative.minimum == 0)
    }

    @Test("adding histograms gives what recording every value in one gives")
    func addMatchesRecording() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        var all = LatencyHistogram()
        for value in stride(from: Int64(1), to: 5_000_000, by: 997) {
            if value % 2 == 0 { first.record(value) } else { second.record(value) }
            all.record(value)
        }
        var merged = first
        merged.add(second)
        #expect(merged == all)
        #expect(merged.percentiles([1, 50, 99, 99.9]) == all.percentiles([1, 50, 99, 99.9]))
    }
}
