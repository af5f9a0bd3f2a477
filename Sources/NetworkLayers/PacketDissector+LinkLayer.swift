import InspectorCore

extension PacketDissector {
    // MARK: Link layer

    /// EtherTypes that announce a VLAN tag: 802.1Q, 802.1ad (QinQ outer), and the pre-standard 0x9100.
    static let vlanEtherTypes: Set<UInt16> = [0x8100, 0x88a8, 0x9100]
    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86dd

    /// Finds the start of the IP packet behind the link header of `linkType`.
    static func locateNetworkLayer(_ packet: Span<UInt8>, linkType: Int32) -> NetworkLayerStart {
        switch linkType {
        case LinkType.ethernet:
            // dst MAC (6), src MAC (6), EtherType (2).
            guard let etherType = packet.bigEndian(at: 12, as: UInt16.self) else {
                return .skipped(.truncatedHeader(.link))
            }
            return followEtherType(packet, etherType: etherType, payloadOffset: 14)
        case LinkType.linuxSLL:
            // packet type (2), ARPHRD (2), address length (2), address (8), protocol (2).
            guard let protocolType = packet.bigEndian(at: 14, as: UInt16.self) else {
                return .skipped(.truncatedHeader(.link))
            }
            return followEtherType(packet, etherType: protocolType, payloadOffset: 16)
        case LinkType.linuxSLL2:
            // protocol (2), reserved (2), interface index (4), ARPHRD (2), packet type (1), address length (1), address (8).
            guard packet.count >= 20, let protocolType = packet.bigEndian(at: 0, as: UInt16.self) else {
                return .skipped(.truncatedHeader(.link))
            }
            return followEtherType(packet, etherType: protocolType, payloadOffset: 20)
        case LinkType.null:
            guard packet.count >= 4 else { return .skipped(.truncatedHeader(.link)) }
            // Host byte order of the capturing machine, unknown here: families are small numbers,
            // so a value with its high half set was written big-endian.
            let little = UInt32(packet[0]) | UInt32(packet[1]) << 8 | UInt32(packet[2]) << 16 | UInt32(packet[3]) << 24
            let family = little & 0xffff_0000 != 0 ? little.byteSwapped : little
            return followAddressFamily(family, payloadOffset: 4)
        case LinkType.loop:
            guard let family = packet.bigEndian(at: 0, as: UInt32.self) else {
                return .skipped(.truncatedHeader(.link))
            }
            return followAddressFamily(family, payloadOffset: 4)
        case LinkType.raw, LinkType.rawDLT12, LinkType.rawDLT14:
            guard packet.count >= 1 else { return .skipped(.truncatedHeader(.link)) }
            switch packet[0] >> 4 {
            case 4: return .ipv4(offset: 0)
            case 6: return .ipv6(offset: 0)
            default: return .skipped(.notIP)
            }
        case LinkType.ipv4:
            return .ipv4(offset: 0)
        case LinkType.ipv6:
            return .ipv6(offset: 0)
        default:
            return .skipped(.unsupportedLinkType(linkType))
        }
    }

    /// Walks stacked VLAN tags (4 bytes each: TCI, then the next EtherType) and picks IPv4/IPv6.
    static func followEtherType(_ packet: Span<UInt8>, etherType first: UInt16, payloadOffset start: Int)
        -> NetworkLayerStart
    {
        var etherType = first
        var offset = start
        for _ in 0..<maxVLANTags {
            guard vlanEtherTypes.contains(etherType) else { break }
            guard let inner = packet.bigEndian(at: offset + 2, as: UInt16.self) else {
                return .skipped(.truncatedHeader(.link))
            }
            etherType = inner
            offset += 4
        }
        switch etherType {
        case etherTypeIPv4: return .ipv4(offset: offset)
        case etherTypeIPv6: return .ipv6(offset: offset)
        case _ where vlanEtherTypes.contains(etherType): return .skipped(.malformed(.tooManyVLANTags))
        default: return .skipped(.notIP)
        }
    }

    /// BSD address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
    static func followAddressFamily(_ family: UInt32, payloadOffset: Int) -> NetworkLayerStart {
        switch family {
        case 2: return .ipv4(offset: payloadOffset)
        case 24, 28, 30: return .ipv6(offset: payloadOffset)
        default: return .skipped(.notIP)
        }
    }
}
