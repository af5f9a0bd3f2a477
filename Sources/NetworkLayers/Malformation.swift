/// A header whose fields contradict themselves or the packet: the packet is skipped, never trusted.
public enum Malformation: String, Sendable, Hashable, CaseIterable {
    /// The IP version nibble disagrees with the link layer's protocol field.
    case ipVersionMismatch
    /// IPv4 IHL below 5 (a header shorter than 20 bytes).
    case ipv4HeaderLengthBelowMinimum
    /// IPv4 total length (non-zero) shorter than the IPv4 header.
    case ipv4TotalLengthBelowHeader
    /// An IPv6 extension header runs past the IPv6 payload length.
    case ipv6ExtensionHeaderBeyondPayload
    /// More IPv6 extension headers than any real packet carries.
    case tooManyIPv6ExtensionHeaders
    /// More stacked VLAN tags than any real network uses.
    case tooManyVLANTags
    /// The IP payload is too short for a 20-byte TCP header.
    case tcpSegmentShorterThanHeader
    /// TCP data offset below 5 (a header shorter than 20 bytes).
    case tcpDataOffsetBelowMinimum
    /// TCP data offset pointing past the end of the IP payload.
    case tcpHeaderBeyondSegment
}
