import NetworkLayers

/// Builders for test packets, header by header, with fields as the wire carries them.
enum PacketBytes {
    static let clientIPv4: [UInt8] = [10, 1, 0, 3]
    static let serverIPv4: [UInt8] = [10, 1, 0, 7]
    static let clientIPv6: [UInt16] = [0x2001, 0xdb8, 0, 0, 0, 0, 0, 3]
    static let serverIPv6: [UInt16] = [0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]
    /// A Dubbo-looking payload: magic, flags, status, then a few body bytes.
    static let payload: [UInt8] = [0xda, 0xbb, 0xc2, 0x00, 0x01, 0x02, 0x03, 0x04]

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
    static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xffff)) }

    // MARK: TCP

    /// A TCP header (+ options + payload). `dataOffset` overrides the computed one.
    static func tcp(
        sourcePort: UInt16 = 40_000,
        destinationPort: UInt16 = 20_880,
        sequence: UInt32 = 1_000,
        acknowledgment: UInt32 = 2_000,
        flags: UInt8 = 0x18,  // PSH, ACK
        window: UInt16 = 512,
        options: [UInt8] = [],
        dataOffset: UInt8? = nil,
        payload: [UInt8] = PacketBytes.payload
    ) -> [UInt8] {
        let offset = dataOffset ?? UInt8((20 + options.count) / 4)
        var bytes = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgment)
        bytes += [offset << 4, flags] + be16(window) + [0xbe, 0xef] + [0, 0]  // checksum (unchecked), urgent pointer
        return bytes + options + payload
    }

    // MARK: IP

    /// An IPv4 header (+ options) around `payload`. Overrides let tests lie in IHL and total length.
    static func ipv4(
        source: [UInt8] = clientIPv4,
        destination: [UInt8] = serverIPv4,
        protocolNumber: UInt8 = 6,
        options: [UInt8] = [],
        flagsAndFragmentOffset: UInt16 = 0x4000,  // DF
        ihl: UInt8? = nil,
        totalLength: UInt16? = nil,
        payload: [UInt8]
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        var bytes: [UInt8] = [0x40 | (ihl ?? UInt8(headerLength / 4)), 0]
        bytes += be16(totalLength ?? UInt16(headerLength + payload.count))
        bytes += [0x12, 0x34] + be16(flagsAndFragmentOffset) + [64, protocolNumber, 0, 0]
        return bytes + source + destination + options + payload
    }

    /// An IPv6 header around `payload` (extension headers included in it).
    static func ipv6(
        source: [UInt16] = clientIPv6,
        destination: [UInt16] = serverIPv6,
        nextHeader: UInt8 = 6,
        payloadLength: UInt16? = nil,
        payload: [UInt8]
    ) -> [UInt8] {
        var bytes: [UInt8] = [0x60, 0, 0, 0] + be16(payloadLength ?? UInt16(payload.count)) + [nextHeader, 64]
        for group in source + destination { bytes += be16(group) }
        return bytes + payload
    }

    /// A generic IPv6 extension header (hop-by-hop, routing, destination options) of `8 * (units + 1)` bytes.
    static func ipv6Extension(nextHeader: UInt8, units: UInt8 = 0) -> [UInt8] {
        [nextHeader, units] + [UInt8](repeating: 0, count: 8 * (Int(units) + 1) - 2)
    }

    /// An IPv6 fragment header: offset in 8-byte units, M flag.
    static func ipv6Fragment(nextHeader: UInt8 = 6, offset: UInt16 = 0, more: Bool = false) -> [UInt8] {
        [nextHeader, 0] + be16(offset << 3 | (more ? 1 : 0)) + [0, 0, 0, 42]
    }

    // MARK: Link layers

    static let ethernetAddresses: [UInt8] = [2, 0, 0, 0, 0, 7, 2, 0, 0, 0, 0, 3]

    /// An Ethernet frame with `tags` as (TPID, TCI) pairs before the final EtherType.
    static func ethernet(etherType: UInt16, tags: [(UInt16, UInt16)] = [], payload: [UInt8]) -> [UInt8] {
        var bytes = ethernetAddresses
        for (tpid, tci) in tags { bytes += be16(tpid) + be16(tci) }
        return bytes + be16(etherType) + payload
    }

    static func linuxSLL(protocolType: UInt16, payload: [UInt8]) -> [UInt8] {
        // packet type 0 (to us), ARPHRD_ETHER, address length 6, address padded to 8
        [0, 0, 0, 1, 0, 6] + [2, 0, 0, 0, 0, 3, 0, 0] + be16(protocolType) + payload
    }

    static func linuxSLL2(protocolType: UInt16, payload: [UInt8]) -> [UInt8] {
        // protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 0, address length 6, address
        be16(protocolType) + [0, 0] + be32(2) + [0, 1, 0, 6] + [2, 0, 0, 0, 0, 3, 0, 0] + payload
    }

    /// BSD loopback: the family in little- (x86 BSD/macOS) or big-endian host order.
    static func null(family: UInt32, littleEndian: Bool = true, payload: [UInt8]) -> [UInt8] {
        (littleEndian ? be32(family).reversed() : be32(family)) + payload
    }

    static func loop(family: UInt32, payload: [UInt8]) -> [UInt8] {
        be32(family) + payload
    }

    // MARK: Whole packets

    static var tcpIPv4: [UInt8] { ipv4(payload: tcp()) }
    static var tcpIPv6: [UInt8] { ipv6(payload: tcp()) }
    static var ethernetIPv4: [UInt8] { ethernet(etherType: 0x0800, payload: tcpIPv4) }
    static var ethernetIPv6: [UInt8] { ethernet(etherType: 0x86dd, payload: tcpIPv6) }
}

/// Dissects `bytes` with a fresh dissector (wire length = captured length unless given).
func dissect(_ bytes: [UInt8], linkType: Int32 = LinkType.ethernet, originalLength: Int? = nil) -> Dissection {
    var dissector = PacketDissector()
    return dissector.dissect(bytes.span, linkType: linkType, originalLength: originalLength ?? bytes.count)
}

/// The segment the default builders describe, with the given placement and addresses.
func expectedSegment(ipv6: Bool = false, payloadOffset: Int, captured: Int = 8, payloadLength: Int = 8) -> TCPSegment {
    let client: IPAddress = ipv6 ? IPAddress(groups: PacketBytes.clientIPv6) : IPAddress(10, 1, 0, 3)
    let server: IPAddress = ipv6 ? IPAddress(groups: PacketBytes.serverIPv6) : IPAddress(10, 1, 0, 7)
    return TCPSegment(
        source: Endpoint(address: client, port: 40_000),
        destination: Endpoint(address: server, port: 20_880),
        sequence: 1_000,
        acknowledgment: 2_000,
        flags: [.psh, .ack],
        window: 512,
        payloadOffset: payloadOffset,
        capturedPayloadLength: captured,
        payloadLength: payloadLength
    )
}
