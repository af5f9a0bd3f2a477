package import Correlation
import DubboWire
package import InspectorCore
import NetworkLayers
import RecordFormats

/// Application names joined to a call: from the registry when one is given, else from what the request says
/// (`remote.application`, which Dubbo 2.7+ consumers attach). `nil` is written as an empty label value.
package struct ApplicationNames: Sendable, Equatable {
    package var provider: String?
    package var consumer: String?

    package init(provider: String? = nil, consumer: String? = nil) {
        self.provider = provider
        self.consumer = consumer
    }

    /// What the record itself says: the consumer's `remote.application` attachment; the provider is unknown.
    package static func fromAttachments(_ record: CallRecord) -> ApplicationNames {
        ApplicationNames(provider: nil, consumer: record.request?.attachment("remote.application"))
    }
}

/// Everything the live view and the Prometheus endpoint show, fed one finished record at a time.
///
/// Thread-safe: the analysis thread records, the metrics server and the view read, each under one short lock.
/// Memory is bounded by `MetricLimits` whatever the traffic; names past a cap fold into `other`.
package final class LiveMetrics: Sendable {
    package let limits: MetricLimits
    private let state: Locked<State>

    package init(limits: MetricLimits = .default, start: CaptureTime) {
        self.limits = limits
        self.state = Locked(State(limits: limits, start: start))
    }

    // MARK: Feeding

    /// One finished record (a call, a heartbeat, an event, an orphan response).
    package func record(_ record: CallRecord, applications: ApplicationNames) {
        state.withLock { $0.record(record, applications: applications) }
    }

    /// The capture's counters, as of now.
    package func update(capture: CaptureHealth) {
        state.withLock { $0.capture = capture }
    }

    /// Requests awaiting their response right now.
    package func update(inFlight: Int) {
        state.withLock { $0.inFlight = inFlight }
    }

    /// Lets time pass without a record (windows rotate, silent connections are forgotten).
    package func advance(to now: CaptureTime) {
        state.withLock { $0.advance(to: now) }
    }

    // MARK: Reading

    /// The text a Prometheus scrape gets.
    package func prometheusText() -> String {
        state.withLock { $0.exposition() }
    }

    /// What the live view draws, at capture time `now`.
    package func snapshot(now: CaptureTime) -> LiveSnapshot {
        state.withLock { state in
            state.advance(to: now)
            return state.snapshot(now: now)
        }
    }
}

// MARK: - State

extension LiveMetrics {
    struct MethodKey: Hashable, Sendable {
        var service: String
        var method: String
    }

    struct CallKey: Hashable, Sendable {
        var method: MethodKey
        var status: String
        var provider: String
        var consumer: String
        /// `dubbo` or `triple`: a fixed set of two, so it never needs a cap.
        var wireProtocol: String
    }

    /// One window of recent figures for a method.
    struct Window: Sendable {
        var calls: UInt64 = 0
        var errors: UInt64 = 0
        var latencies = LatencyHistogram()
    }

    struct MethodFigures: Sendable {
        var calls: UInt64 = 0
        var errors: UInt64 = 0
        var current = Window()
        var previous = Window()
    }

    struct State: Sendable {
        let limits: MetricLimits
        let start: CaptureTime
        var labels: LabelCatalog
        var calls: [CallKey: UInt64] = [:]
        var exceptions: [MethodKey: UInt64] = [:]
        var durations: [MethodKey: BucketHistogram] = [:]
        var figures: [MethodKey: MethodFigures] = [:]
        var heartbeats: HeartbeatTracker
        var heartbeatRoundTrips = BucketHistogram(bounds: BucketHistogram.heartbeatSeconds)
        var heartbeatsAnswered: UInt64 = 0
        var heartbeatsUnanswered: UInt64 = 0
        var orphanResponses: UInt64 = 0
        var events: UInt64 = 0
        var resyncedFrames: UInt64 = 0
        var folded: UInt64 = 0
        var totalCalls: UInt64 = 0
        var totalErrors: UInt64 = 0
        var records: UInt64 = 0
        var inFlight = 0
        var capture = CaptureHealth()
        var currentSlow: SlowestCalls
        var previousSlow: SlowestCalls
        /// Start of the current window (capture time, a multiple of the window length).
        var windowStart: CaptureTime
        var latest: CaptureTime

        init(limits: MetricLimits, start: CaptureTime) {
            self.limits = limits
            self.start = start
            self.labels = LabelCatalog(limits: limits)
            self.heartbeats = HeartbeatTracker(
                capacity: limits.maxHeartbeatConnections, forgetAfterSeconds: limits.heartbeatForgetSeconds)
            self.currentSlow = SlowestCalls(limit: limits.slowCallsKept)
            self.previousSlow = SlowestCalls(limit: limits.slowCallsKept)
            self.windowStart = Self.windowStart(of: start, length: limits.windowSeconds)
            self.latest = start
        }

        static func windowStart(of time: CaptureTime, length: Double) -> CaptureTime {
            let nanoseconds = max(Int64(length * 1e9), 1)
            return CaptureTime(nanosecondsSinceEpoch: time.nanosecondsSinceEpoch.floorDividing(by: nanoseconds) * nanoseconds)
        }

        // MARK: Records

        mutating func record(_ record: CallRecord, applications: ApplicationNames) {
            records += 1
            if record.requestFrame?.foundByResync == true { resyncedFrames += 1 }
            if record.responseFrame?.foundByResync == true { resyncedFrames += 1 }
            if let time = record.lastByteTime { advance(to: time) }
            switch record.kind {
            case .call, .oneway:
                call(record, applications: applications)
            case .heartbeat:
                heartbeat(record)
            case .event:
                events += 1
            case .orphanResponse:
                orphanResponses += 1
            }
        }

        mutating func call(_ record: CallRecord, applications: ApplicationNames) {
            let (service, method, wasFolded) = labels.method(
                service: record.serviceName ?? "unknown", method: record.methodName ?? "unknown")
            let methodKey = MethodKey(service: service, method: method)
            let status = Self.statusLabel(record)
            let wireProtocol = record.wireProtocol.rawValue
            var key = CallKey(
                method: methodKey, status: status,
                provider: labels.application(applications.provider ?? ""),
                consumer: labels.application(applications.consumer ?? ""), wireProtocol: wireProtocol)
            if calls[key] == nil, calls.count >= limits.maxCallSeries {
                key = CallKey(method: MethodKey(service: "other", method: "other"), status: status, provider: "other",
                              consumer: "other", wireProtocol: wireProtocol)
                folded += 1
            } else if wasFolded {
                folded += 1
            }
            calls[key, default: 0] += 1

            let isError = record.kind == .call && record.outcome != .ok
            if record.outcome == .exception { exceptions[methodKey, default: 0] += 1 }
            totalCalls += 1
            if isError { totalErrors += 1 }
            var methodFigures = figures[methodKey] ?? MethodFigures()
            methodFigures.calls += 1
            methodFigures.current.calls += 1
            if isError {
                methodFigures.errors += 1
                methodFigures.current.errors += 1
            }
            if let latency = record.latencyMicroseconds {
                methodFigures.current.latencies.record(latency)
                durations[methodKey, default: BucketHistogram(bounds: BucketHistogram.openTelemetryRPCSeconds)]
                    .observe(Double(latency) / 1e6)
                if currentSlow.admits(latency), let start = record.startTime {
                    currentSlow.offer(
                        SlowCall(
                            latencyMicroseconds: latency, name: record.displayName, client: "\(record.client)",
                            server: "\(record.server)", outcome: record.outcome.rawValue, requestTime: start))
                }
            }
            figures[methodKey] = methodFigures
        }

        mutating func heartbeat(_ record: CallRecord) {
            let roundTrip = record.latencyMicroseconds
            if let roundTrip {
                heartbeatsAnswered += 1
                heartbeatRoundTrips.observe(Double(roundTrip) / 1e6)
            } else if record.outcome == .noResponse {
                heartbeatsUnanswered += 1
            } else {
                return  // a one-way heartbeat expects no answer: nothing to judge
            }
            let time = record.startTime ?? latest
            heartbeats.heartbeat(client: record.client, server: record.server, at: time, roundTripMicroseconds: roundTrip)
        }

        /// `status` label: the response status name (dubbo's, or Triple's gRPC one), or `NO_RESPONSE` / `ONEWAY` /
        /// `RST_STREAM` (a Triple stream reset before its status) when there is none.
        static func statusLabel(_ record: CallRecord) -> String {
            if let name = record.statusName { return name }
            switch record.outcome {
            case .oneway: return "ONEWAY"
            case .cancelled: return "RST_STREAM"
            default: return "NO_RESPONSE"
            }
        }

        // MARK: Time

        mutating func advance(to now: CaptureTime) {
            guard now > latest else { return }
            latest = now
            let length = Int64(max(limits.windowSeconds, 0.001) * 1e9)
            let elapsed = now.nanosecondsSinceEpoch - windowStart.nanosecondsSinceEpoch
            guard elapsed >= length else { return }
            let keepPrevious = elapsed < 2 * length
            for index in figures.indices {
                figures.values[index].previous = keepPrevious ? figures.values[index].current : Window()
                figures.values[index].current = Window()
            }
            previousSlow = keepPrevious ? currentSlow : SlowestCalls(limit: limits.slowCallsKept)
            currentSlow = SlowestCalls(limit: limits.slowCallsKept)
            windowStart = Self.windowStart(of: now, length: limits.windowSeconds)
            heartbeats.forgetSilent(now: now)
        }

        // MARK: Views

        func snapshot(now: CaptureTime) -> LiveSnapshot {
            let previousStart = windowStart.adding(seconds: -limits.windowSeconds)
            let spanStart = max(previousStart, start)
            let span = max(Double(now.nanosecondsSinceEpoch - spanStart.nanosecondsSinceEpoch) / 1e9, 0.001)
            let methods = figures.map { key, value in
                var recent = value.previous.latencies
                recent.add(value.current.latencies)
                return LiveSnapshot.MethodRow(
                    service: key.service, method: key.method, calls: value.calls, errors: value.errors,
                    recentCalls: value.previous.calls + value.current.calls,
                    recentErrors: value.previous.errors + value.current.errors,
                    p50Microseconds: recent.percentile(50).map(Int64.init), p99Microseconds: recent.percentile(99).map(Int64.init))
            }.sorted {
                if $0.recentCalls != $1.recentCalls { return $0.recentCalls > $1.recentCalls }
                if $0.calls != $1.calls { return $0.calls > $1.calls }
                return ($0.service, $0.method) < ($1.service, $1.method)
            }
            var slow = SlowestCalls(limit: limits.slowCallsKept)
            for call in previousSlow.calls + currentSlow.calls { slow.offer(call) }
            return LiveSnapshot(
                now: now, start: start, recentSpanSeconds: span, totalCalls: totalCalls, totalErrors: totalErrors,
                records: records, inFlight: inFlight, methods: methods, slowCalls: slow.calls,
                heartbeats: heartbeats.connectionsByConcern, heartbeatsAnswered: heartbeatsAnswered,
                heartbeatsUnanswered: heartbeatsUnanswered, orphanResponses: orphanResponses,
                resyncedFrames: resyncedFrames, capture: capture, folded: folded)
        }

        func exposition() -> String {
            var text = PrometheusText(reservingCapacity: 4_096 + calls.count * 160 + durations.count * 2_400)
            text.family("dubbo_calls_total", .counter, help: "Dubbo calls seen (two-way and one-way requests), by service, method, response status, applications and wire protocol (dubbo or triple).")
            for (key, count) in calls.sorted(by: { Self.order($0.key, $1.key) }) {
                text.sample(
                    "dubbo_calls_total",
                    [("service", key.method.service), ("method", key.method.method), ("status", key.status),
                     ("provider_application", key.provider), ("consumer_application", key.consumer),
                     ("protocol", key.wireProtocol)], count)
            }
            text.family("dubbo_call_exceptions_total", .counter, help: "Calls answered OK whose result is a business exception.")
            for (key, count) in exceptions.sorted(by: { ($0.key.service, $0.key.method) < ($1.key.service, $1.key.method) }) {
                text.sample("dubbo_call_exceptions_total", [("service", key.service), ("method", key.method)], count)
            }
            text.family(
                "dubbo_call_duration_seconds", .histogram,
                help: "Latency of answered calls: response first byte minus request first byte, as captured.")
            for (key, histogram) in durations.sorted(by: { ($0.key.service, $0.key.method) < ($1.key.service, $1.key.method) }) {
                histogram.write("dubbo_call_duration_seconds", labels: [("service", key.service), ("method", key.method)], to: &text)
            }
            text.family("dubbo_requests_in_flight", .gauge, help: "Requests seen whose response has not been seen yet.")
            text.sample("dubbo_requests_in_flight", [], Double(inFlight))
            text.family("dubbo_heartbeats_total", .counter, help: "Two-way heartbeats, answered or not.")
            text.sample("dubbo_heartbeats_total", [("result", "answered")], heartbeatsAnswered)
            text.sample("dubbo_heartbeats_total", [("result", "no_response")], heartbeatsUnanswered)
            text.family("dubbo_heartbeat_rtt_seconds", .histogram, help: "Heartbeat round trip: response first byte minus request first byte.")
            heartbeatRoundTrips.write("dubbo_heartbeat_rtt_seconds", labels: [], to: &text)
            text.family("dubbo_heartbeat_connections", .gauge, help: "Connections whose heartbeats are followed, by the state of the last one.")
            text.sample("dubbo_heartbeat_connections", [("state", "answered")], Double(heartbeats.count - heartbeats.unhealthyCount))
            text.sample("dubbo_heartbeat_connections", [("state", "unanswered")], Double(heartbeats.unhealthyCount))
            text.family("dubbo_orphan_responses_total", .counter, help: "Responses whose request was not captured.")
            text.sample("dubbo_orphan_responses_total", [], orphanResponses)
            text.family("dubbo_events_total", .counter, help: "Event frames other than heartbeats (e.g. read-only notices).")
            text.sample("dubbo_events_total", [], events)
            text.family("dubbo_metrics_folded_total", .counter, help: "Calls counted under 'other' labels because a cardinality cap was reached.")
            text.sample("dubbo_metrics_folded_total", [], folded)

            text.family("dubbo_capture_packets_received_total", .counter, help: "Packets that passed the capture filter (pcap_stats ps_recv).")
            text.sample("dubbo_capture_packets_received_total", [], capture.received)
            text.family(
                "dubbo_capture_packets_dropped_total", .counter,
                help: "Packets lost before analysis: kernel = capture buffer full (ps_drop), interface = by the NIC or driver (ps_ifdrop), queue = the analysis fell behind.")
            text.sample("dubbo_capture_packets_dropped_total", [("stage", "kernel")], capture.droppedByKernel)
            text.sample("dubbo_capture_packets_dropped_total", [("stage", "interface")], capture.droppedByInterface)
            text.sample("dubbo_capture_packets_dropped_total", [("stage", "queue")], capture.droppedByQueue)
            text.family("dubbo_capture_packets_analysed_total", .counter, help: "Packets the analysis processed.")
            text.sample("dubbo_capture_packets_analysed_total", [], capture.packetsAnalysed)
            text.family("dubbo_capture_bytes_analysed_total", .counter, help: "Captured bytes the analysis processed.")
            text.sample("dubbo_capture_bytes_analysed_total", [], capture.bytesAnalysed)
            text.family("dubbo_capture_queue_packets", .gauge, help: "Packets waiting between the capture thread and the analysis.")
            text.sample("dubbo_capture_queue_packets", [], Double(capture.queuedPackets))
            text.family("dubbo_tcp_gaps_total", .counter, help: "Holes in TCP streams: bytes that never reached the capture.")
            text.sample("dubbo_tcp_gaps_total", [], capture.gaps)
            text.family("dubbo_tcp_gap_bytes_total", .counter, help: "Bytes missing from TCP streams.")
            text.sample("dubbo_tcp_gap_bytes_total", [], capture.gapBytes)
            text.family("dubbo_tcp_connections", .gauge, help: "TCP connections tracked.")
            text.sample("dubbo_tcp_connections", [], Double(capture.connections))
            text.family("dubbo_stream_resyncs_total", .counter, help: "Dubbo frames found by scanning for the magic after the decoder lost its place.")
            text.sample("dubbo_stream_resyncs_total", [], resyncedFrames)
            return text.text
        }

        static func order(_ a: CallKey, _ b: CallKey) -> Bool {
            (a.method.service, a.method.method, a.status, a.provider, a.consumer, a.wireProtocol)
                < (b.method.service, b.method.method, b.status, b.provider, b.consumer, b.wireProtocol)
        }
    }
}

extension Int64 {
    fileprivate func floorDividing(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
