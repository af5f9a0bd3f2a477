/// Counts of what the dissector saw: every packet lands in exactly one of `tcpSegments` or a skip
/// counter; the last group counts oddities of packets that were still dissected.
public struct NetworkLayerStats: Sendable, Equatable {
    /// Packets dissected.
    public var packets = 0
    /// Packets that yielded a TCP segment.
    public var tcpSegments = 0

    // MARK: Skipped, by reason
    public var unsupportedLinkType = 0
    public var notIP = 0
    public var notTCP = 0
    public var ipFragments = 0
    public var jumbograms = 0
    public var truncatedHeaders = 0
    public var malformed = 0

    // MARK: Oddities of dissected packets
    /// Segments whose payload the snap length cut (`capturedPayloadLength < payloadLength`).
    public var segmentsCutBySnapLength = 0
    /// Frames with bytes after the IP packet (Ethernet padding, trailers); those bytes were ignored.
    public var framesWithTrailingBytes = 0
    /// IP length fields claiming more than the frame's wire length; the frame length was used.
    public var ipLengthBeyondFrame = 0
    /// IP length fields of 0 (segmentation offload, Linux BIG TCP); the frame length was used.
    public var ipLengthZeroTakenFromFrame = 0

    public init() {}

    /// Packets skipped for any reason.
    public var skipped: Int {
        unsupportedLinkType + notIP + notTCP + ipFragments + jumbograms + truncatedHeaders + malformed
    }

    /// Counts one skipped packet under its reason.
    mutating func record(_ reason: SkipReason) {
        switch reason {
        case .unsupportedLinkType: unsupportedLinkType += 1
        case .notIP: notIP += 1
        case .notTCP: notTCP += 1
        case .ipFragment: ipFragments += 1
        case .jumbogram: jumbograms += 1
        case .truncatedHeader: truncatedHeaders += 1
        case .malformed: malformed += 1
        }
    }
}
