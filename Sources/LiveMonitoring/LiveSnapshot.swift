public import InspectorCore

/// What the live view draws: a consistent copy of the live figures at one moment.
///
/// "Recent" figures cover the current window and the one before it (`MetricLimits.windowSeconds` each), that
/// is `recentSpanSeconds`. Names are wire data: the view sanitizes them.
public struct LiveSnapshot: Sendable {
    public struct MethodRow: Sendable, Equatable {
        public var service: String
        public var method: String
        /// Since the start.
        public var calls: UInt64
        public var errors: UInt64
        /// In the recent span.
        public var recentCalls: UInt64
        public var recentErrors: UInt64
        public var p50Microseconds: Int64?
        public var p99Microseconds: Int64?

        public init(
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

    public var now: CaptureTime
    public var start: CaptureTime
    public var recentSpanSeconds: Double
    /// Calls (two-way and one-way) since the start; errors are two-way calls whose outcome is not `ok`.
    public var totalCalls: UInt64
    public var totalErrors: UInt64
    public var records: UInt64
    public var inFlight: Int
    /// Busiest first.
    public var methods: [MethodRow]
    /// Slowest first.
    public var slowCalls: [SlowCall]
    /// Connections with unanswered heartbeats first.
    public var heartbeats: [HeartbeatTracker.Connection]
    public var heartbeatsAnswered: UInt64
    public var heartbeatsUnanswered: UInt64
    public var orphanResponses: UInt64
    public var resyncedFrames: UInt64
    public var capture: CaptureHealth
    public var folded: UInt64

    public init(
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
