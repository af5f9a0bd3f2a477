/// Why a packet yields no TCP segment. Every reason is counted in `NetworkLayerStats`.
public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
    /// The capture's link type is not one the dissector reads.
    case unsupportedLinkType(Int32)
    /// The link layer carries something other than IPv4/IPv6 (ARP, LLDP, 802.3 LLC, ...).
    case notIP
    /// IP carrying another protocol (UDP 17, ICMP 1, ICMPv6 58, ESP 50, ...).
    case notTCP(ipProtocol: UInt8)
    /// An IPv4 fragment (MF set or offset ≠ 0) or an IPv6 non-atomic fragment; not reassembled.
    case ipFragment
    /// An IPv6 jumbogram (payload length 0 with a hop-by-hop header); not supported.
    case jumbogram
    /// The capture ends inside this layer's header (snap length or a short frame).
    case truncatedHeader(ProtocolLayer)
    /// A header contradicts itself or the packet.
    case malformed(Malformation)

    public var description: String {
        switch self {
        case .unsupportedLinkType(let linkType): return "unsupported link type \(linkType)"
        case .notIP: return "not IP"
        case .notTCP(let ipProtocol): return "not TCP (IP protocol \(ipProtocol))"
        case .ipFragment: return "IP fragment"
        case .jumbogram: return "IPv6 jumbogram"
        case .truncatedHeader(let layer): return "truncated \(layer.rawValue) header"
        case .malformed(let malformation): return "malformed: \(malformation.rawValue)"
        }
    }
}
