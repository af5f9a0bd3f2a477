/// What the dissector made of one packet: a TCP segment, or why it was skipped.
public enum Dissection: Sendable, Equatable {
    case tcp(TCPSegment)
    case skipped(SkipReason)
}
