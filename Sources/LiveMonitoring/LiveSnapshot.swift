package import InspectorCore

/// What the live view draws: a consistent copy of the live figures at one moment.
///
/// "Recent" figures cover the current window and the one before it (`MetricLimits.windowSeconds` each), that
/// is `recentSpanSeconds`. Names are wire data: the view sanitizes them.
package struct LiveSnapshot: Sendable {
    package struct MethodRow: Sendable, Equatable {
        package var service: String
        package var method: String
        /// Since the start.
        package var calls: UInt64
        package var errors: UInt64
        /// In the recent span.
        package var recentCalls: UInt64
        package var recentErrors: UInt64
        package var p50Microseconds: Int64?
        package var p99Microseconds: Int64?

        package init(
            service: String, method: String, calls: UInt64, errors: UInt64, recentCalls: UInt64, recentErrors: UInt64,
            p50Microseconds: Int64?, p99Microseconds: Int64?
        ) {
            self.service = service
            self.method = method
            self.calls = calls
            self.errors = errors
            self.recentCalls = recentCalls
            self.recentErrors = recentErrors
            self.p50Microseconds = p50Microseconds
            self.p99Microseconds = p99Microseconds
        }
    }

    package var now: CaptureTime
    package var start: CaptureTime
    package var recentSpanSeconds: Double
    /// Calls (two-way and one-way) since the start; errors are two-way calls whose outcome is not `ok`.
    package var totalCalls: UInt64
    package var totalErrors: UInt64
    package var records: UInt64
    package var inFlight: Int
    /// Busiest first.
    package var methods: [MethodRow]
    /// Slowest first.
    package var slowCalls: [SlowCall]
    /// Connections with unanswered heartbeats first.
    package var heartbeats: [HeartbeatTracker.Connection]
    package var heartbeatsAnswered: UInt64
    package var heartbeatsUnanswered: UInt64
    package var orphanResponses: UInt64
    package var resyncedFrames: UInt64
    package var capture: CaptureHealth
    package var folded: UInt64

    package init(
        now: CaptureTime, start: CaptureTime, recentSpanSeconds: Double, totalCalls: UInt64, totalErrors: UInt64,
        records: UInt64, inFlight: Int, methods: [MethodRow], slowCalls: [SlowCall],
        heartbeats: [HeartbeatTracker.Connection], heartbeatsAnswered: UInt64, heartbeatsUnanswered: UInt64,
        orphanResponses: UInt64, resyncedFrames: UInt64, capture: CaptureHealth, folded: UInt64
    ) {
        self.now = now
        self.start = start
        self.recentSpanSeconds = recentSpanSeconds
        self.totalCalls = totalCalls
        self.totalErrors = totalErrors
        self.records = records
        self.inFlight = inFlight
        self.methods = methods
        self.slowCalls = slowCalls
        self.heartbeats = heartbeats
        self.heartbeatsAnswered = heartbeatsAnswered
        self.heartbeatsUnanswered = heartbeatsUnanswered
        self.orphanResponses = orphanResponses
        self.resyncedFrames = resyncedFrames
        self.capture = capture
        self.folded = folded
    }
}
