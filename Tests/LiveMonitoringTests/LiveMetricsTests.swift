import Correlation
import InspectorCore
import LiveMonitoring
import NetworkLayers
import TestSupport
import Testing
import TripleWire

@Suite("LiveMetrics")
struct LiveMetricsTests {
    static let calcLabels = #"service="com.example.Calc",method="add""#

    @Test("the same method over dubbo and over Triple: two series told apart by the protocol label, NOT_FOUND by its gRPC name")
    func protocolLabel() {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("com.example.Calc", "add", latency: 3_000), applications: ApplicationNames())
        var call = TripleCall(kind: .call, streamID: 5)
        call.service = "com.example.Calc"
        call.method = "add"
        call.grpcStatus = 5
        call.requestTime = RecordBuilder.time(1)
        call.responseTime = RecordBuilder.time(2)
        call.responseEndTime = call.responseTime
        let server = Endpoint(address: IPAddress(10, 0, 0, 2), port: 50_051)
        let client = Endpoint(address: IPAddress(10, 0, 0, 1), port: 40_000)
        metrics.record(CallRecord(triple: call, client: client, server: server), applications: ApplicationNames())
        let values = samples(metrics.prometheusText())
        let apps = #"provider_application="",consumer_application="""#
        #expect(values[#"dubbo_calls_total{\#(Self.calcLabels),status="OK",\#(apps),protocol="dubbo"}"#] == 1)
        #expect(values[#"dubbo_calls_total{\#(Self.calcLabels),status="NOT_FOUND",\#(apps),protocol="triple"}"#] == 1)
        #expect(values.keys.filter { $0.hasPrefix("dubbo_calls_total{") }.count == 2)
    }

    @Test("calls are counted by service, method and status; latencies land in the OpenTelemetry buckets")
    func countsCallsAndLatencies() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("com.example.Calc", "add", latency: 3_000), applications: ApplicationNames(consumer: "web"))
        metrics.record(RecordBuilder.call("com.example.Calc", "add", latency: 40_000, id: 2), applications: ApplicationNames(consumer: "web"))
        metrics.record(RecordBuilder.call("com.example.Calc", "add", status: 70, latency: 2_000, id: 3), applications: ApplicationNames())
        metrics.record(RecordBuilder.call("com.example.Calc", "add", status: nil, id: 4), applications: ApplicationNames())
        let values = samples(metrics.prometheusText())
        #expect(values[#"dubbo_calls_total{\#(Self.calcLabels),status="OK",provider_application="",consumer_application="web",protocol="dubbo"}"#] == 2)
        #expect(values[#"dubbo_calls_total{\#(Self.calcLabels),status="SERVICE_ERROR",provider_application="",consumer_application="",protocol="dubbo"}"#] == 1)
        #expect(values[#"dubbo_calls_total{\#(Self.calcLabels),status="NO_RESPONSE",provider_application="",consumer_application="",protocol="dubbo"}"#] == 1)
        #expect(values[#"dubbo_call_duration_seconds_bucket{\#(Self.calcLabels),le="0.005"}"#] == 2)
        #expect(values[#"dubbo_call_duration_seconds_bucket{\#(Self.calcLabels),le="0.05"}"#] == 3)
        #expect(values[#"dubbo_call_duration_seconds_count{\#(Self.calcLabels)}"#] == 3)
        #expect(abs((values[#"dubbo_call_duration_seconds_sum{\#(Self.calcLabels)}"#] ?? 0) - 0.045) < 1e-9)
        let snapshot = metrics.snapshot(now: RecordBuilder.time(1))
        #expect(snapshot.totalCalls == 4)
        #expect(snapshot.totalErrors == 2)
        let row = try #require(snapshot.methods.first)
        #expect(row.recentCalls == 4 && row.recentErrors == 2)
        #expect(row.p50Microseconds.map { abs($0 - 3_000) < 120 } == true)
        #expect(row.p99Microseconds.map { abs($0 - 40_000) < 1_300 } == true)
        #expect(snapshot.slowCalls.map(\.latencyMicroseconds) == [40_000, 3_000, 2_000])
    }

    @Test("methods beyond the per-service cap fold into 'other', and the folding is counted")
    func methodCapFoldsIntoOther() {
        var limits = MetricLimits()
        limits.maxMethodsPerService = 2
        limits.maxServices = 1
        let metrics = LiveMetrics(limits: limits, start: RecordBuilder.time(0))
        for (index, method) in ["a", "b", "c", "d"].enumerated() {
            metrics.record(RecordBuilder.call("S", method, id: Int64(index)), applications: ApplicationNames())
        }
        metrics.record(RecordBuilder.call("T", "x", id: 9), applications: ApplicationNames())
        let values = samples(metrics.prometheusText())
        let ok = #"status="OK",provider_application="",consumer_application="",protocol="dubbo""#
        #expect(values[#"dubbo_calls_total{service="S",method="a",\#(ok)}"#] == 1)
        #expect(values[#"dubbo_calls_total{service="S",method="b",\#(ok)}"#] == 1)
        #expect(values[#"dubbo_calls_total{service="S",method="other",\#(ok)}"#] == 2)
        #expect(values[#"dubbo_calls_total{service="other",method="other",\#(ok)}"#] == 1)
        #expect(values["dubbo_metrics_folded_total"] == 3)
        #expect(values.keys.filter { $0.hasPrefix("dubbo_calls_total") }.count == 4)
    }

    @Test("a hostile name is cut to the label cap and escaped; the exposition still passes promtool")
    func hostileNamesStayValid() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        let hostile = "evil\"} 1\n# TYPE x counter\nx 2\\" + String(repeating: "é", count: 200)
        metrics.record(RecordBuilder.call(hostile, "m\n"), applications: ApplicationNames(provider: "p\"", consumer: "c\\"))
        let text = metrics.prometheusText()
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("dubbo_calls_total{") })
        #expect(line.hasPrefix(#"dubbo_calls_total{service="evil\"} 1\n# TYPE x counter\nx 2\\éé"#))
        #expect(line.contains("…"))
        #expect(line.hasSuffix(#"method="m\n",status="OK",provider_application="p\"",consumer_application="c\\",protocol="dubbo"} 1"#))
        let check = try promtoolCheck(text)
        #expect(check.status == 0, "\(check.output)")
    }

    @Test("a full exposition with every family passes promtool check metrics")
    func expositionPassesPromtool() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("com.example.Calc", "add"), applications: ApplicationNames(provider: "calc", consumer: "web"))
        metrics.record(RecordBuilder.heartbeat(latency: 150), applications: ApplicationNames())
        var health = CaptureHealth()
        health.received = 10
        health.droppedByKernel = 2
        metrics.update(capture: health)
        metrics.update(inFlight: 3)
        let text = metrics.prometheusText()
        let values = samples(text)
        #expect(values["dubbo_requests_in_flight"] == 3)
        #expect(values[#"dubbo_capture_packets_dropped_total{stage="kernel"}"#] == 2)
        #expect(values["dubbo_capture_packets_received_total"] == 10)
        #expect(values[#"dubbo_heartbeats_total{result="answered"}"#] == 1)
        #expect(values[#"dubbo_heartbeat_rtt_seconds_bucket{le="0.00025"}"#] == 1)
        #expect(values[#"dubbo_heartbeat_rtt_seconds_bucket{le="0.0001"}"#] == 0)
        let check = try promtoolCheck(text)
        #expect(check.status == 0, "\(check.output)")
        #expect(!check.output.contains("problem"), "\(check.output)")
    }

    @Test("recent figures cover the current and previous window only")
    func windowsRotate() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("S", "m", latency: 9_000, at: 1), applications: ApplicationNames())
        metrics.record(RecordBuilder.call("S", "m", latency: 1_000, at: 31, id: 2), applications: ApplicationNames())
        var row = try #require(metrics.snapshot(now: RecordBuilder.time(32)).methods.first)
        #expect(row.recentCalls == 2)
        row = try #require(metrics.snapshot(now: RecordBuilder.time(61)).methods.first)
        #expect(row.recentCalls == 1)  // the call at 1 s is two windows back
        #expect(row.calls == 2)
        let later = metrics.snapshot(now: RecordBuilder.time(200))
        #expect(later.methods.first?.recentCalls == 0)
        #expect(later.slowCalls.isEmpty)
    }

    @Test("heartbeats: round trips and unanswered ones are followed per connection, both directions as one")
    func heartbeatHealth() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        let other = Endpoint(address: IPAddress(127, 0, 0, 2), port: 50_000)
        metrics.record(RecordBuilder.heartbeat(latency: 200, at: 1), applications: ApplicationNames())
        metrics.record(RecordBuilder.heartbeat(client: other, latency: nil, at: 2), applications: ApplicationNames())
        metrics.record(RecordBuilder.heartbeat(client: other, latency: nil, at: 3), applications: ApplicationNames())
        let snapshot = metrics.snapshot(now: RecordBuilder.time(4))
        #expect(snapshot.heartbeats.count == 2)
        let worst = try #require(snapshot.heartbeats.first)
        #expect(worst.missedInARow == 2 && worst.ends.1 == other)
        #expect(snapshot.heartbeats.last?.lastRoundTripMicroseconds == 200)
        let values = samples(metrics.prometheusText())
        #expect(values[#"dubbo_heartbeat_connections{state="unanswered"}"#] == 1)
        #expect(values[#"dubbo_heartbeats_total{result="no_response"}"#] == 2)
    }

    @Test("frames found by resync are counted")
    func countsResyncs() {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("S", "m", resync: true), applications: ApplicationNames())
        #expect(samples(metrics.prometheusText())["dubbo_stream_resyncs_total"] == 1)
    }

    @Test("the heartbeat tracker forgets the least recently heard connection beyond its capacity")
    func heartbeatTrackerIsBounded() {
        var tracker = HeartbeatTracker(capacity: 3, forgetAfterSeconds: 600)
        for port in 1...5 {
            let client = Endpoint(address: IPAddress(127, 0, 0, 1), port: UInt16(port))
            tracker.heartbeat(client: client, server: RecordBuilder.server, at: RecordBuilder.time(Double(port)), roundTripMicroseconds: 10)
        }
        #expect(tracker.count == 3)
        #expect(Set(tracker.connectionsByConcern.map { $0.ends.0.port }) == [3, 4, 5])
        tracker.forgetSilent(now: RecordBuilder.time(604.5))
        #expect(tracker.connectionsByConcern.map { $0.ends.0.port } == [5])
    }

    @Test("a wrapping 32-bit counter keeps counting past 2^32")
    func wrappingCounter() {
        var counter = WrappingCounter()
        counter.update(4_294_967_000)
        counter.update(100)  // wrapped
        #expect(counter.total == 4_294_967_396)
        counter.update(200)
        #expect(counter.total == 4_294_967_496)
    }
}
