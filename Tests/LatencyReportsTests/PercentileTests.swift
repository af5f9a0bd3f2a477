import Correlation
import InspectorCore
@testable import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

@Suite("percentiles against an exact sorted-array computation")
struct PercentileTests {
    static let permilles = [(500, \DistributionSummary.p50), (900, \.p90), (990, \.p99), (999, \.p999)]

    @Test("every percentile is within the stated precision", arguments: [1, 7, 100, 1_000, 10_000])
    func distributionWithinPrecision(count: Int) {
        var random = SeededRandom(seed: UInt64(count))
        var distribution = ValueDistribution()
        var values: [Int64] = []
        for _ in 0..<count {
            // From single microseconds to minutes (within the 2^32 µs range): every bucket size is exercised.
            let value = random.skewed(median: 3_000, spread: 18)
            values.append(value)
            distribution.record(value)
        }
        values.sort()
        let summary = distribution.summary
        #expect(summary.count == count)
        #expect(summary.min == values.first)
        #expect(summary.max == values.last)
        #expect(summary.total == values.reduce(0, +))
        for (permille, path) in Self.permilles {
            let exact = Exact.percentile(values, permille: permille)
            #expect(Exact.withinPrecision(summary[keyPath: path], exact: exact),
                    "p\(Double(permille) / 10): reported \(summary[keyPath: path] ?? -1), exact \(exact)")
        }
    }

    @Test("a time-series slot gives the same percentiles as the full histogram, sparse or dense",
          arguments: [50, 5_000])
    func slotMatchesDistribution(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 1)
        var slot = SlotHistogram()
        var halves = (SlotHistogram(), SlotHistogram())
        var distribution = ValueDistribution()
        for index in 0..<count {
            let value = random.skewed(median: 20_000, spread: 16)
            slot.record(UInt64(value))
            if index % 2 == 0 { halves.0.record(UInt64(value)) } else { halves.1.record(UInt64(value)) }
            distribution.record(value)
        }
        var merged = halves.0
        merged.add(halves.1)
        for p in [1.0, 50, 90, 99, 99.9, 100] {
            #expect(slot.percentile(p) == distribution.percentile(p), "p\(p) with \(count) values")
            #expect(merged.percentile(p) == distribution.percentile(p), "merged p\(p) with \(count) values")
        }
    }

    @Test("one walk for several percentiles gives what the library gives for each, slot histograms too",
          arguments: [1, 2, 3, 10, 257, 5_000])
    func oneWalkMatchesLibrary(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 7)
        var distribution = ValueDistribution()
        var slot = SlotHistogram()
        for index in 0..<count {
            // Repeated values and a zero now and then, so ranks land on bucket edges and on the first bucket.
            let value = index % 5 == 0 ? 0 : random.skewed(median: 900, spread: 14)
            distribution.record(value)
            slot.record(UInt64(value))
        }
        let levels: [Double] = [0, 0.1, 1, 25, 50, 50, 90, 99, 99.9, 99.99, 100]
        let walked = distribution.percentiles(levels)
        let slotWalked = slot.percentiles(levels)
        for (index, level) in levels.enumerated() {
            #expect(walked[index] == distribution.percentile(level), "p\(level) of \(count) values")
            #expect(slotWalked[index] == slot.percentile(level), "slot p\(level) of \(count) values")
        }
        let summary = distribution.summary
        #expect(summary.p50 == Int64(distribution.percentile(50)))
        #expect(summary.p999 == Int64(distribution.percentile(99.9)))
        #expect(ValueDistribution().percentiles([50, 99]) == [0, 0])
    }

    @Test("values below 256 are exact")
    func smallValuesExact() {
        var distribution = ValueDistribution()
        for value in [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 255] as [Int64] { distribution.record(value) }
        let summary = distribution.summary
        #expect(summary.p50 == 4)
        #expect(summary.p90 == 9)
        #expect(summary.max == 255)
        #expect(summary.min == 1)
    }

    @Test("the stated bound holds at the worst place of a bucket")
    func worstCaseRelativeError() {
        // 256 starts the first bucket of width 2: 257 is reported as its top, 257. 32_768 + 255 shares a bucket
        // of width 256 with 32_768..33_023: reported as 33_023, 0.78 % above 32_768.
        var distribution = ValueDistribution()
        distribution.record(32_768)
        distribution.record(40_000)
        let p50 = distribution.percentile(50)
        #expect(p50 == 33_023)
        #expect(Double(p50 - 32_768) / 32_768 <= ReportPrecision.maxRelativeError)
        #expect(ReportPrecision.maxRelativeError < 0.01)
    }

    @Test("negative and huge values are clamped and counted")
    func clamping() {
        var distribution = ValueDistribution()
        distribution.record(-5)
        distribution.record(Int64(ReportPrecision.highestTrackable) + 10)
        #expect(distribution.clamped == 2)
        #expect(distribution.summary.min == 0)
        #expect(distribution.summary.max == Int64(ReportPrecision.highestTrackable))
    }

    @Test("histogram bars count every value once and cover min to max")
    func barsCoverEveryValue() {
        var random = SeededRandom(seed: 5)
        var distribution = ValueDistribution()
        var values: [Int64] = []
        for _ in 0..<5_000 {
            let value = random.skewed(median: 800, spread: 16)
            values.append(value)
            distribution.record(value)
        }
        let bars = distribution.bars()
        #expect(bars.reduce(0) { $0 + $1.count } == 5_000)
        #expect(bars.count <= 33 * 4)
        #expect((bars.first?.lower ?? .max) <= (values.min() ?? 0))
        #expect((bars.last?.upper ?? 0) >= (values.max() ?? 0))
        for (a, b) in zip(bars, bars.dropFirst()) { #expect(a.upper + 1 == b.lower) }
    }
}
