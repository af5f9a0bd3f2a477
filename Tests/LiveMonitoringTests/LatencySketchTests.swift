import Foundation
import LiveMonitoring
import Testing

@Suite("LatencySketch")
struct LatencySketchTests {
    @Test("quantiles are within 4 % of the exact ones over six decades")
    func quantilesAreClose() throws {
        var sketch = LatencySketch()
        // 1 µs … 10 s, spread geometrically: 1 000 values.
        let values = (0..<1_000).map { Int64(pow(10, Double($0) / 1_000 * 7).rounded()) }
        for value in values { sketch.record(microseconds: value) }
        let sorted = values.sorted()
        for q in [0.5, 0.9, 0.99] {
            let exact = Double(sorted[Int((Double(sorted.count) * q).rounded(.up)) - 1])
            let estimate = Double(try #require(sketch.quantile(q)))
            #expect(abs(estimate - exact) / exact < 0.04, "q\(q): \(estimate) vs \(exact)")
        }
        #expect(sketch.count == 1_000)
    }

    @Test("small values are exact, nothing recorded gives nil, the maximum caps the estimate")
    func edges() {
        var sketch = LatencySketch()
        #expect(sketch.quantile(0.5) == nil)
        for value: Int64 in [3, 3, 3, 7] { sketch.record(microseconds: value) }
        #expect(sketch.quantile(0.5) == 3)
        #expect(sketch.quantile(1) == 7)
        var big = LatencySketch()
        big.record(microseconds: 100_000)
        #expect(big.quantile(0.99) == 100_000)
    }
}
