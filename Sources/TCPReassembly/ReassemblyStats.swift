/// Counters kept by `TCPReassembler`: what it saw, what it delivered, and every anomaly or give-up.
///
/// Counting rules: a segment counts once in at most one of `retransmissions` (nothing new in it) and
/// `overlapsTrimmed` (some new bytes, some already seen). `gaps`/`gapBytes` cover every `gap` call, whatever
/// the cause; the `holesSkipped…` and `bufferEvictions` counters say why holes were given up.
public struct ReassemblyStats: Sendable, Equatable {
    // MARK: Input
    /// Segments handed to `process`.
    public var segments = 0
    /// Segments for an untracked connection that could not start one (pure ACK, FIN or RST without payload).
    public var segmentsWithoutConnection = 0
    /// Segments without SYN for endpoints whose connection recently ended with FIN or RST (ignored).
    public var segmentsAfterClose = 0
    /// Segments whose captured payload was shorter than on the wire (snap length).
    public var snapLengthCuts = 0

    // MARK: Delivery
    /// Bytes handed to consumers through `received`.
    public var bytesDelivered = 0
    /// Segments with new bytes that arrived ahead of a hole and had to be buffered.
    public var outOfOrderSegments = 0
    /// Segments that carried nothing new (every byte, SYN or FIN already delivered or buffered).
    public var retransmissions = 0
    /// Segments that carried new bytes but overlapped ones already delivered or buffered (the overlap is dropped).
    public var overlapsTrimmed = 0
    /// Segments whose overlap with still-buffered bytes differed from them (the first copy was kept).
    public var inconsistentRetransmissions = 0
    /// Bytes that differed in those overlaps.
    public var inconsistentBytes = 0
    /// Bytes sent after a direction's FIN (ignored).
    public var bytesAfterFIN = 0
    /// Segments starting more than a maximal TCP window (2^30) ahead of the next expected byte (ignored).
    public var segmentsOutOfWindow = 0

    // MARK: Gaps
    /// `gap` calls made.
    public var gaps = 0
    /// Bytes reported by `gap` calls.
    public var gapBytes = 0
    /// Holes given up because the peer acknowledged bytes past them.
    public var holesSkippedOnACK = 0
    /// Holes given up because the connection ended (FIN, RST, idle, eviction, end of capture).
    public var holesSkippedAtClose = 0
    /// Holes given up because buffered bytes or segments went over a limit.
    public var bufferEvictions = 0

    // MARK: Connections
    public var connectionsOpened = 0
    /// Connections first seen without a handshake (roles guessed from ports).
    public var connectionsWithoutHandshake = 0
    public var connectionsClosedByFIN = 0
    public var connectionsClosedByReset = 0
    public var connectionsClosedByIdleTimeout = 0
    public var connectionsClosedByEviction = 0
    public var connectionsClosedAtEndOfCapture = 0
    /// Connections closed because a new SYN reused their endpoints (port reuse); also counted by close reason.
    public var connectionsReplaced = 0
    /// Connections evicted because the flow table was full (`Limits.maxFlows`).
    public var flowEvictions = 0

    // MARK: Memory
    public var currentBufferedBytes = 0
    public var peakBufferedBytes = 0
    public var currentConnections = 0
    public var peakConnections = 0

    public init() {}

    /// Connections closed for `end`.
    public func connectionsClosed(by end: StreamEnd) -> Int {
        switch end {
        case .fin: connectionsClosedByFIN
        case .reset: connectionsClosedByReset
        case .idleTimeout: connectionsClosedByIdleTimeout
        case .evicted: connectionsClosedByEviction
        case .endOfCapture: connectionsClosedAtEndOfCapture
        }
    }

    mutating func recordClose(_ end: StreamEnd) {
        switch end {
        case .fin: connectionsClosedByFIN += 1
        case .reset: connectionsClosedByReset += 1
        case .idleTimeout: connectionsClosedByIdleTimeout += 1
        case .evicted: connectionsClosedByEviction += 1
        case .endOfCapture: connectionsClosedAtEndOfCapture += 1
        }
    }

    mutating func recordGap(_ length: Int) {
        gaps += 1
        gapBytes += length
    }

    mutating func buffered(_ byteCount: Int) {
        currentBufferedBytes += byteCount
        if currentBufferedBytes > peakBufferedBytes { peakBufferedBytes = currentBufferedBytes }
    }

    mutating func connectionCount(_ count: Int) {
        currentConnections = count
        if count > peakConnections { peakConnections = count }
    }
}
