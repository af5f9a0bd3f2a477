import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
@testable import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

@Suite("ReportAggregator")
struct ReportAggregatorTests {
    static let methods = ["place", "cancel", "lookup"]

    /// 6,000 calls over 120 s on three methods, with errors, exceptions, no-responses and one-way calls.
    static func mixedCalls() -> [CallRecord] {
        var random = SeededRandom(seed: 42)
        var records: [CallRecord] = []
        for index in 0..<6_000 {
            var call = CallFactory.Call()
            call.id = Int64(index)
            call.method = methods[index % 3]
            call.start = Int64(index) * 20_000
            call.requestTransfer = random.skewed(median: 40, spread: 6)
            call.server = random.skewed(median: index % 3 == 0 ? 9_000 : 700, spread: 10)
            call.responseTransfer = random.skewed(median: 60, spread: 8)
            call.requestBytes = Int32(random.skewed(median: 300, spread: 8))
            call.responseBytes = Int32(random.skewed(median: 2_000, spread: 10))
            switch index % 97 {
            case 1: call.status = 70
            case 2: call.status = 100
            case 3: call.exceptionClass = "java.lang.IllegalStateException"
            case 4: call.server = nil
            case 5: call.oneway = true
            default: break
            }
            records.append(CallFactory.record(call))
        }
        return records
    }

    static func aggregate(_ records: [CallRecord], _ configure: (inout ReportConfiguration) -> Void = { _ in })
        -> LatencyReport
    {
        var configuration = ReportConfiguration()
        configure(&configuration)
        var aggregator = ReportAggregator(configuration: configuration)
        for record in records { aggregator.add(record) }
        return aggregator.finish()
    }

    @Test("counts per group match the records")
    func countsMatch() throws {
        let records = Self.mixedCalls()
        let report = Self.aggregate(records)
        #expect(report.groups.count == 3)
        #expect(report.totals.calls == 6_000)
        for group in report.groups {
            let mine = records.filter { $0.methodName == group.method }
            #expect(group.service == "com.example.OrderService")
            #expect(group.calls == mine.count)
            #expect(group.errors == mine.filter { $0.outcome == .error }.count)
            #expect(group.exceptions == mine.filter { $0.outcome == .exception }.count)
            #expect(group.noResponse == mine.filter { $0.outcome == .noResponse }.count)
            #expect(group.oneway == mine.filter { $0.outcome == .oneway }.count)
            let byStatus = Dictionary(grouping: mine.filter { $0.outcome == .error }) { $0.status?.name ?? "" }
            #expect(group.errorsByStatus.map(\.name).sorted() == byStatus.keys.sorted())
            for entry in group.errorsByStatus { #expect(entry.count == byStatus[entry.name]?.count) }
            #expect(group.exceptionsByClass == [NamedCount(name: "java.lang.IllegalStateException", count: group.exceptions)])
            let twoWay = Double(mine.count - group.oneway)
            #expect(group.failureRate == Double(group.errors + group.exceptions + group.noResponse) / twoWay)
        }
        // From the first request's first byte to the last byte of anything.
        let seconds = try #require(report.durationSeconds)
        let last = records.compactMap { $0.responseFrame?.lastByteTime ?? $0.requestFrame?.lastByteTime }.max()
        let expected = Double((last?.nanosecondsSinceEpoch ?? 0) - CallFactory.time(0).nanosecondsSinceEpoch) / 1e9
        #expect(seconds == expected)
        #expect(seconds > 119.98)
        #expect(abs((report.groups[0].callsPerSecond ?? 0) - 2_000 / seconds) < 1e-9)
    }

    @Test("latency, server and transfer percentiles are within precision of the exact values")
    func percentilesExact() {
        let records = Self.mixedCalls()
        let report = Self.aggregate(records)
        for group in report.groups {
            let mine = records.filter { $0.methodName == group.method }
            let latency = mine.compactMap(\.latencyMicroseconds).sorted()
            let server = mine.compactMap(\.serverMicroseconds).sorted()
            let transfer = mine.compactMap { record -> Int64? in
                guard let request = record.requestFrame, let response = record.responseFrame else { return nil }
                return request.lastByteTime.microseconds(since: request.firstByteTime)
                    + response.lastByteTime.microseconds(since: response.firstByteTime)
            }.sorted()
            for (values, summary, name) in [(latency, group.latency, "latency"), (server, group.server, "server"),
                                            (transfer, group.transfer, "transfer")] {
                #expect(summary.count == values.count)
                #expect(summary.min == values.first && summary.max == values.last, "\(name) extremes")
                #expect(summary.total == values.reduce(0, +), "\(name) total")
                for (permille, path) in PercentileTests.permilles {
                    let exact = Exact.percentile(values, permille: permille)
                    #expect(Exact.withinPrecision(summary[keyPath: path], exact: exact),
                            "\(group.label) \(name) p\(permille): \(summary[keyPath: path] ?? -1) vs \(exact)")
                }
            }
        }
        #expect(report.groups.first?.method == "place", "the method with 9 ms server time spends the most in total")
    }

    @Test("groups are sorted by total time spent")
    func sortedByTotalTime() {
        let report = Self.aggregate(Self.mixedCalls())
        let totals = report.groups.map(\.latency.total)
        #expect(totals == totals.sorted(by: >))
    }

    @Test("time series slots hold the calls and percentiles of their interval")
    func seriesPerSlot() throws {
        let records = Self.mixedCalls()
        let report = Self.aggregate(records) { $0.intervalNanoseconds = 10_000_000_000 }
        #expect(report.intervalSeconds == 10)
        #expect(report.series.count == 12)
        #expect(report.series.reduce(0) { $0 + $1.calls } == 6_000)
        let group = try #require(report.groups.first { $0.method == "place" })
        #expect(group.series.count == 12)
        for point in group.series {
            let from = point.start.nanosecondsSinceEpoch
            let mine = records.filter {
                guard $0.methodName == "place", let start = $0.startTime?.nanosecondsSinceEpoch else { return false }
                return start >= from && start < from + 10_000_000_000
            }
            #expect(point.calls == mine.count)
            #expect(point.errors == mine.filter { $0.outcome == .error }.count)
            let latency = mine.compactMap(\.latencyMicroseconds).sorted()
            #expect(Exact.withinPrecision(point.p50, exact: Exact.percentile(latency, permille: 500)))
            #expect(Exact.withinPrecision(point.p99, exact: Exact.percentile(latency, permille: 990)))
        }
    }

    @Test("a long capture widens the interval instead of growing the series")
    func intervalWidens() {
        let records = Self.mixedCalls()
        let report = Self.aggregate(records) {
            $0.intervalNanoseconds = 100_000_000
            $0.maxSeriesPoints = 50
        }
        // 120 s in 0.1 s slots is 1,200 slots: doubled five times to 3.2 s slots, 38 of them.
        #expect(report.limitsHit.intervalDoublings == 5)
        #expect(report.intervalSeconds == 3.2)
        #expect(report.series.count <= 50)
        #expect(report.series.reduce(0) { $0 + $1.calls } == 6_000)
        #expect(report.groups.allSatisfy { $0.series.reduce(0) { $0 + $1.calls } == $0.calls })
    }

    @Test("slot histograms that fill past the byte budget widen the interval; groups and totals are unchanged")
    func seriesByteBudget() {
        let records = Self.mixedCalls()
        let roomy = Self.aggregate(records)
        let tight = Self.aggregate(records) { $0.seriesByteBudget = 16_384 }
        // 120 s in 1 s slots over three groups: about 40 calls and 30 buckets a slot, some kilobytes of tables in all.
        #expect(roomy.limitsHit.intervalDoublings == 0)
        #expect(roomy.intervalSeconds == 1)
        #expect(tight.limitsHit.intervalDoublings >= 2)
        #expect(tight.intervalSeconds == Double(1 << tight.limitsHit.intervalDoublings))
        #expect(tight.series.count < roomy.series.count)
        #expect(tight.series.reduce(0) { $0 + $1.calls } == 6_000)
        #expect(tight.groups.allSatisfy { $0.series.reduce(0) { $0 + $1.calls } == $0.calls })
        #expect(tight.groups.map(\.latency) == roomy.groups.map(\.latency))
        #expect(tight.totals == roomy.totals)
    }

    @Test("groups beyond the limit are folded into one, and counted")
    func groupLimit() {
        var records: [CallRecord] = []
        for index in 0..<50 {
            var call = CallFactory.Call()
            call.method = "m\(index)"
            call.start = Int64(index) * 1_000
            records.append(CallFactory.record(call))
        }
        let report = Self.aggregate(records) { $0.maxGroups = 10 }
        #expect(report.groups.count == 11)
        #expect(report.limitsHit.recordsInOverflowGroup == 40)
        #expect(report.groups.contains { $0.label == "(other groups)" && $0.calls == 40 })
    }

    @Test("the slowest calls are kept in order, at most the configured number, with their arguments")
    func slowestCalls() throws {
        let records = Self.mixedCalls()
        let report = Self.aggregate(records) { $0.slowestCount = 7 }
        let exact = records.compactMap(\.latencyMicroseconds).sorted(by: >).prefix(7)
        #expect(report.slowest.map(\.latencyMicroseconds) == Array(exact))
        let first = try #require(report.slowest.first)
        #expect(first.arguments == "[\"item-1\",3]")
        let hidden = Self.aggregate(records) { $0.includePayload = false }
        #expect(hidden.slowest.allSatisfy { $0.arguments == nil })
    }

    @Test("heartbeat round trips and missed heartbeats are per connection")
    func heartbeats() throws {
        let other = Endpoint(address: IPAddress(10, 0, 0, 6), port: 40_001)
        let records = [
            CallFactory.heartbeat(start: 0, rtt: 150), CallFactory.heartbeat(start: 60_000_000, rtt: 250),
            CallFactory.heartbeat(start: 120_000_000, rtt: nil), CallFactory.heartbeat(start: 0, rtt: 90, client: other),
            CallFactory.record(CallFactory.Call()),
        ]
        let report = Self.aggregate(records)
        #expect(report.totals.heartbeats == 4)
        #expect(report.totals.missedHeartbeats == 1)
        let main = try #require(report.connections.first { $0.client == CallFactory.client.description })
        #expect(main.heartbeats == 3 && main.missedHeartbeats == 1 && main.calls == 1)
        #expect(main.heartbeatRTT.count == 2 && main.heartbeatRTT.min == 150 && main.heartbeatRTT.max == 250)
        #expect(main.heartbeatRTT.mean == 200)
        let second = try #require(report.connections.first { $0.client == other.description })
        #expect(second.heartbeats == 1 && second.missedHeartbeats == 0 && second.heartbeatRTT.mean == 90)
    }

    @Test("a response sent after a large one that was still going out is counted as waiting behind it")
    func waitsBehindLargeResponse() throws {
        // Call 1: a 4 MiB response from 1,000 to 41,000 µs. Call 2's request ends at 5,000 and is answered at
        // 41,000: it waited 36 ms. Call 3 asked after the large response was done: no wait. Calls are in flight
        // until their response's first byte, so at most one was pending at a time.
        var big = CallFactory.Call()
        big.id = 1
        big.server = 1_000
        big.responseTransfer = 40_000
        big.responseBytes = 4 << 20
        var small = CallFactory.Call()
        small.id = 2
        small.start = 4_000
        small.requestTransfer = 1_000
        small.server = 36_000
        var later = CallFactory.Call()
        later.id = 3
        later.start = 50_000
        let report = Self.aggregate([big, small, later].map(CallFactory.record))
        let connection = try #require(report.connections.first)
        #expect(connection.waitedBehindLargeResponse == 1)
        #expect(connection.waitedMicroseconds == 36_000)
        #expect(connection.maxInFlight == 1)
    }

    @Test("body sizes near the payload limit are flagged")
    func nearLimit() throws {
        var near = CallFactory.Call()
        near.responseBytes = 8_000_000
        var small = CallFactory.Call()
        small.id = 2
        var over = CallFactory.Call()
        over.id = 3
        over.requestBytes = 9_000_000
        over.quality = [.requestTooLarge]
        let group = try #require(Self.aggregate([near, small, over].map(CallFactory.record)).groups.first)
        #expect(group.responsesNearLimit == 1)
        #expect(group.requestsNearLimit == 0)
        #expect(group.requestsTooLarge == 1)
        #expect(group.responseBytes.max == 8_000_000)
    }

    @Test("grouping by provider uses the name lookup when it knows the endpoint")
    func providerNames() {
        struct Names: ApplicationNameLookup {
            func provider(at endpoint: Endpoint, service: String?) -> String? {
                endpoint.port == 20_880 ? "order-app" : nil
            }
            func consumer(at address: IPAddress, service: String?) -> String? { "shop-frontend" }
        }
        var other = CallFactory.Call()
        other.serverEndpoint = Endpoint(address: IPAddress(10, 0, 0, 9), port: 20_881)
        let records = [CallFactory.record(CallFactory.Call()), CallFactory.record(other)]
        let named = Self.aggregate(records) {
            $0.grouping = .provider
            $0.names = Names()
        }
        #expect(Set(named.groups.map(\.label)) == ["order-app", "10.0.0.9:20881"])
        #expect(named.serviceMap.map(\.consumer) == ["shop-frontend", "shop-frontend"])
        let plain = Self.aggregate(records) { $0.grouping = .consumer }
        #expect(plain.groups.map(\.label) == ["10.0.0.5"])
        let connections = Self.aggregate(records) { $0.grouping = .connection }
        #expect(Set(connections.groups.map(\.label)) == ["10.0.0.5:40000 → 10.0.0.9:20880", "10.0.0.5:40000 → 10.0.0.9:20881"])
    }

    @Test("a method that becomes slow is dated to the slot where it happened")
    func slowSince() throws {
        var records: [CallRecord] = []
        for index in 0..<600 {
            var call = CallFactory.Call()
            call.id = Int64(index)
            call.start = Int64(index) * 100_000
            call.server = index >= 420 ? 30_000 : 1_500
            records.append(CallFactory.record(call))
        }
        let group = try #require(Self.aggregate(records).groups.first)
        // Call 420 starts 42 s in.
        #expect(group.slowSince == CallFactory.time(42_000_000))
        let steady = Self.aggregate(Array(records.prefix(400)))
        #expect(steady.groups.first?.slowSince == nil)
    }
}

@Suite("InFlightTracker")
struct InFlightTrackerTests {
    @Test("matches a brute-force count on random overlapping calls")
    func matchesBruteForce() {
        var random = SeededRandom(seed: 9)
        for round in 0..<20 {
            var intervals: [(Int64, Int64)] = []
            var clock: Int64 = 0
            for _ in 0..<150 {
                clock += Int64.random(in: 0...400, using: &random)
                intervals.append((clock, clock + Int64.random(in: 1...3_000, using: &random)))
            }
            var tracker = InFlightTracker()
            // Records arrive in response order.
            for interval in intervals.sorted(by: { $0.1 < $1.1 }) { tracker.add(start: interval.0, end: interval.1) }
            var exact = 0
            for (_, end) in intervals {
                exact = max(exact, intervals.filter { $0.0 < end && end <= $0.1 }.count)
            }
            #expect(tracker.maximum == exact, "round \(round)")
        }
    }

    @Test("sequential calls are one in flight")
    func sequential() {
        var tracker = InFlightTracker()
        for index in 0..<1_000 { tracker.add(start: Int64(index) * 10, end: Int64(index) * 10 + 5) }
        #expect(tracker.maximum == 1)
    }
}
