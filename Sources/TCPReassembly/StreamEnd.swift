/// Why a connection stopped delivering.
public enum StreamEnd: Sendable, Equatable, Hashable, CaseIterable {
    /// Both directions sent a FIN and every byte before them was delivered (or reported as a gap).
    case fin
    /// One side sent a RST; anything after it is ignored.
    case reset
    /// No packet for longer than `Limits.flowIdleTimeoutSeconds` of capture time.
    case idleTimeout
    /// The reassembler stopped tracking it early: the flow table was full, or a new SYN took over its
    /// endpoints before any FIN was seen.
    case evicted
    /// The capture ended while the connection was still open.
    case endOfCapture
}
