import Correlation
import InspectorCore
@testable import LatencyReports
import LiveMonitoring
import TestSupport
import Testing

/// The live view and the reports state one precision; the same traffic must give the same percentiles in both.
@Suite("live and report percentiles agree")
struct LiveAgreementTests {
    @Test("LatencyHistogram gives the report histogram's percentiles, bucket edges and clamping included",
          arguments: [1, 7, 255, 256, 1_000, 25_000])
    func sameAsReportHistogram(count: Int) {
        var random = SeededRandom(seed: UInt64(count) &* 31 + 3)
        var report = ValueDistribution()
        var live = LatencyHistogram()
        for index in 0..<count {
            // Exact values, bucket edges (powers of two), and latencies past the tracked range.
            let value: Int64 = switch index % 7 {
            case 0: Int64(index % 256)
            case 1: Int64(1) << Int64(8 + index % 24)
            case 2: Int64(1) << 33
            default: random.skewed(median: 4_000, spread: 30)
            }
            report.record(value)
            live.record(value)
        }
        let levels: [Double] = [0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]
        #expect(live.percentiles(levels) == report.percentiles(levels))
        #expect(live.count == report.count)
        #expect(live.maximum == report.maximum)
    }

    @Test("the same records give the same p50 and p99 per method in the live view and in a report")
    func liveViewMatchesReport() throws {
        var random = SeededRandom(seed: 99)
        var records: [CallRecord] = []
        for index in 0..<6_000 {
            var call = CallFactory.Call()
            call.method = ["place", "cancel", "lookup"][index % 3]
            call.id = Int64(index)
            call.start = Int64(index) * 1_000  // six seconds of calls: one live window
            // Up to 64 times the median either way: far apart buckets, every call inside the live windows.
            call.server = random.skewed(median: [800, 5_000, 40_000][index % 3], spread: 6)
            records.append(CallFactory.record(call))
        }
        let metrics = LiveMetrics(start: CallFactory.time(0))
        var aggregator = ReportAggregator(configuration: ReportConfiguration())
        for record in records {
            metrics.record(record, applications: ApplicationNames())
            aggregator.add(record)
        }
        let report = aggregator.finish(inputFiles: [])
        let live = metrics.snapshot(now: CallFactory.time(6_000_000)).methods
        #expect(live.count == 3)
        for row in live {
            #expect(row.recentCalls == 2_000)  // every call is in the live view's recent windows
            let group = try #require(report.groups.first { $0.method == row.method })
            #expect(row.p99Microseconds == group.latency.p99, "\(row.method) p99")
            #expect(row.p50Microseconds == group.latency.p50, "\(row.method) p50")
        }
    }
}
