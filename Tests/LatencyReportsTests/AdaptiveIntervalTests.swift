import Correlation
import LatencyReports
import TestSupport
import Testing

@Suite("adaptive report interval")
struct AdaptiveIntervalTests {
    /// `count` calls evenly over `spanMicroseconds`.
    static func report(spanMicroseconds: Int64, count: Int = 400, adaptive: Bool, interval: Int64 = 1_000_000_000)
        -> LatencyReport
    {
        var configuration = ReportConfiguration(intervalNanoseconds: interval)
        configuration.adaptiveInterval = adaptive
        var aggregator = ReportAggregator(configuration: configuration)
        for index in 0..<count {
            var call = CallFactory.Call()
            call.id = Int64(index)
            call.start = spanMicroseconds * Int64(index) / Int64(count - 1)
            call.server = 100
            aggregator.add(CallFactory.record(call))
        }
        return aggregator.finish()
    }

    @Test("a 0.2 s capture gets millisecond slots: 100 to 300 of them, not a single dot")
    func shortCapture() {
        let report = Self.report(spanMicroseconds: 200_000, adaptive: true)
        #expect(report.intervalSeconds == 1.0 / 512)
        #expect((100...300).contains(report.series.count))
        #expect(report.requestedIntervalSeconds == report.intervalSeconds)
        #expect(report.limitsHit.intervalDoublings == 0)
        // The fixed default would have put every call in one slot.
        #expect(Self.report(spanMicroseconds: 200_000, adaptive: false).series.count == 1)
    }

    @Test("longer captures double the interval along a ladder that reaches whole seconds")
    func longCaptures() {
        let twoMinutes = Self.report(spanMicroseconds: 120_000_000, adaptive: true)
        #expect(twoMinutes.intervalSeconds == 1)
        #expect((100...300).contains(twoMinutes.series.count))
        let tenMinutes = Self.report(spanMicroseconds: 600_000_000, adaptive: true)
        #expect(tenMinutes.intervalSeconds == 4)
        #expect((100...300).contains(tenMinutes.series.count))
    }

    @Test("--interval still decides: an explicit width is kept")
    func explicitInterval() {
        let report = Self.report(spanMicroseconds: 200_000, adaptive: false, interval: 10_000_000)
        #expect(report.intervalSeconds == 0.01)
        #expect(report.series.count == 21)
    }
}
