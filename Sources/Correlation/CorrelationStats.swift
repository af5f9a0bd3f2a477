/// Counters kept by the correlator.
public struct CorrelationStats: Sendable, Equatable {
    public var requests = 0
    public var responses = 0
    public var calls = 0
    public var oneway = 0
    public var heartbeats = 0
    public var events = 0
    public var orphanResponses = 0
    public var noResponse = 0
    /// A request id reused on the same connection and direction while the first request was still pending.
    public var duplicateRequestIDs = 0
    /// Pending requests given up because `Limits.maxPendingRequests` was reached (reported as `no_response`, `evicted`).
    public var evictedPending = 0
    /// Pending requests expired by `--timeout`.
    public var timedOut = 0
    public var peakPending = 0

    public init() {}

    /// Adds another correlator's counts (a shard's). The peaks add up too, an upper bound of the run's peak (the
    /// shards' peaks need not fall at the same moment; a sharded run puts the exact one in afterwards).
    public mutating func add(_ other: CorrelationStats) {
        requests += other.requests
        responses += other.responses
        calls += other.calls
        oneway += other.oneway
        heartbeats += other.heartbeats
        events += other.events
        orphanResponses += other.orphanResponses
        noResponse += other.noResponse
        duplicateRequestIDs += other.duplicateRequestIDs
        evictedPending += other.evictedPending
        timedOut += other.timedOut
        peakPending += other.peakPending
    }
}
