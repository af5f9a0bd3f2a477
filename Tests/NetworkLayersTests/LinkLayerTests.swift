import NetworkLayers
import Testing

/// One link-layer framing and where the TCP payload must land behind it.
struct LinkCase: Sendable, CustomTestStringConvertible {
    var name: String
    var linkType: Int32
    var bytes: [UInt8]
    var ipv6: Bool
    var payloadOffset: Int
    var testDescription: String { name }
}

/// One framing that must be skipped, and why.
struct SkipCase: Sendable, CustomTestStringConvertible {
    var name: String
    var linkType: Int32
    var bytes: [UInt8]
    var reason: SkipReason
    var testDescription: String { name }
}

@Suite("PacketDissector link layers")
struct LinkLayerTests {
    static let v4 = PacketBytes.tcpIPv4
    static let v6 = PacketBytes.tcpIPv6

    static let framings: [LinkCase] = [
        LinkCase(
            name: "Ethernet IPv4", linkType: 1, bytes: PacketBytes.ethernetIPv4, ipv6: false,
            payloadOffset: 14 + 20 + 20),
        LinkCase(
            name: "Ethernet IPv6", linkType: 1, bytes: PacketBytes.ethernetIPv6, ipv6: true, payloadOffset: 14 + 40 + 20
        ),
        LinkCase(
            name: "802.1Q", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0800, tags: [(0x8100, 100)], payload: v4),
            ipv6: false, payloadOffset: 18 + 40
        ),
        LinkCase(
            name: "802.1ad QinQ", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x86dd, tags: [(0x88a8, 10), (0x8100, 20)], payload: v6),
            ipv6: true, payloadOffset: 22 + 60
        ),
        LinkCase(
            name: "three stacked tags with 0x9100", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0800, tags: [(0x9100, 1), (0x8100, 2), (0x8100, 3)], payload: v4),
            ipv6: false, payloadOffset: 26 + 40
        ),
        LinkCase(
            name: "Linux SLL IPv4", linkType: 113, bytes: PacketBytes.linuxSLL(protocolType: 0x0800, payload: v4),
            ipv6: false, payloadOffset: 16 + 40),
        LinkCase(
            name: "Linux SLL with a VLAN tag", linkType: 113,
            bytes: PacketBytes.linuxSLL(protocolType: 0x8100, payload: [0, 5, 0x08, 0x00] + v4), ipv6: false,
            payloadOffset: 20 + 40
        ),
        LinkCase(
            name: "Linux SLL2 IPv6", linkType: 276, bytes: PacketBytes.linuxSLL2(protocolType: 0x86dd, payload: v6),
            ipv6: true, payloadOffset: 20 + 60),
        LinkCase(
            name: "NULL little-endian AF_INET", linkType: 0, bytes: PacketBytes.null(family: 2, payload: v4),
            ipv6: false, payloadOffset: 4 + 40),
        LinkCase(
            name: "NULL big-endian AF_INET", linkType: 0,
            bytes: PacketBytes.null(family: 2, littleEndian: false, payload: v4), ipv6: false, payloadOffset: 4 + 40),
        LinkCase(
            name: "NULL AF_INET6 24 (OpenBSD)", linkType: 0, bytes: PacketBytes.null(family: 24, payload: v6),
            ipv6: true, payloadOffset: 4 + 60),
        LinkCase(
            name: "NULL AF_INET6 28 (FreeBSD)", linkType: 0, bytes: PacketBytes.null(family: 28, payload: v6),
            ipv6: true, payloadOffset: 4 + 60),
        LinkCase(
            name: "NULL big-endian AF_INET6 30 (macOS)", linkType: 0,
            bytes: PacketBytes.null(family: 30, littleEndian: false, payload: v6), ipv6: true, payloadOffset: 4 + 60
        ),
        LinkCase(
            name: "LOOP AF_INET", linkType: 108, bytes: PacketBytes.loop(family: 2, payload: v4), ipv6: false,
            payloadOffset: 4 + 40),
        LinkCase(
            name: "LOOP AF_INET6", linkType: 108, bytes: PacketBytes.loop(family: 24, payload: v6), ipv6: true,
            payloadOffset: 4 + 60),
        LinkCase(name: "raw IP 101, IPv4", linkType: 101, bytes: v4, ipv6: false, payloadOffset: 40),
        LinkCase(name: "raw IP 101, IPv6", linkType: 101, bytes: v6, ipv6: true, payloadOffset: 60),
        LinkCase(name: "raw IP DLT 12", linkType: 12, bytes: v6, ipv6: true, payloadOffset: 60),
        LinkCase(name: "raw IP DLT 14", linkType: 14, bytes: v4, ipv6: false, payloadOffset: 40),
        LinkCase(name: "LINKTYPE_IPV4 228", linkType: 228, bytes: v4, ipv6: false, payloadOffset: 40),
        LinkCase(name: "LINKTYPE_IPV6 229", linkType: 229, bytes: v6, ipv6: true, payloadOffset: 60),
    ]

    @Test("every supported framing yields the same segment", arguments: framings)
    func framingYieldsSegment(_ framing: LinkCase) {
        let result = dissect(framing.bytes, linkType: framing.linkType)
        #expect(result == .tcp(expectedSegment(ipv6: framing.ipv6, payloadOffset: framing.payloadOffset)))
        #expect(LinkType.supported.contains(framing.linkType))
    }

    @Test("the payload offset points at the payload bytes", arguments: framings)
    func payloadOffsetPointsAtPayload(_ framing: LinkCase) throws {
        guard case .tcp(let segment) = dissect(framing.bytes, linkType: framing.linkType) else {
            Issue.record("no segment")
            return
        }
        #expect(Array(framing.bytes[segment.capturedPayloadRange]) == PacketBytes.payload)
    }

    static let skips: [SkipCase] = [
        SkipCase(
            name: "ARP", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0806, payload: [UInt8](repeating: 0, count: 28)), reason: .notIP),
        SkipCase(
            name: "802.3 length field", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 46, payload: [UInt8](repeating: 0xaa, count: 46)), reason: .notIP),
        SkipCase(
            name: "VLAN carrying ARP", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0806, tags: [(0x8100, 7)], payload: [0, 1]), reason: .notIP),
        SkipCase(
            name: "nine stacked VLAN tags", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0800, tags: Array(repeating: (0x8100, 1), count: 9), payload: v4),
            reason: .malformed(.tooManyVLANTags)
        ),
        SkipCase(
            name: "Ethernet header cut", linkType: 1, bytes: Array(PacketBytes.ethernetAddresses[0..<10]),
            reason: .truncatedHeader(.link)),
        SkipCase(
            name: "VLAN tag cut", linkType: 1, bytes: PacketBytes.ethernetAddresses + [0x81, 0x00, 0x00],
            reason: .truncatedHeader(.link)),
        SkipCase(
            name: "IPv4 EtherType with an IPv6 packet", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0800, payload: v6), reason: .malformed(.ipVersionMismatch)),
        SkipCase(
            name: "IPv4 EtherType, nothing after it", linkType: 1,
            bytes: PacketBytes.ethernet(etherType: 0x0800, payload: []), reason: .truncatedHeader(.ipv4)),
        SkipCase(name: "SLL header cut", linkType: 113, bytes: [0, 0, 0, 1, 0, 6], reason: .truncatedHeader(.link)),
        SkipCase(
            name: "SLL2 header cut", linkType: 276, bytes: [0x08, 0x00, 0, 0, 0, 0], reason: .truncatedHeader(.link)),
        SkipCase(name: "NULL with AF 7", linkType: 0, bytes: PacketBytes.null(family: 7, payload: v4), reason: .notIP),
        SkipCase(name: "NULL header cut", linkType: 0, bytes: [2, 0], reason: .truncatedHeader(.link)),
        SkipCase(
            name: "LOOP little-endian family is not AF_INET", linkType: 108,
            bytes: PacketBytes.null(family: 2, payload: v4), reason: .notIP),
        SkipCase(name: "raw IP with version 5", linkType: 101, bytes: [0x50] + v4.dropFirst(), reason: .notIP),
        SkipCase(name: "raw IP, empty", linkType: 101, bytes: [], reason: .truncatedHeader(.link)),
        SkipCase(
            name: "LINKTYPE_IPV6 with an IPv4 packet", linkType: 229, bytes: v4, reason: .malformed(.ipVersionMismatch)),
        SkipCase(
            name: "802.11 is unsupported", linkType: 105, bytes: PacketBytes.ethernetIPv4,
            reason: .unsupportedLinkType(105)),
    ]

    @Test("framings without TCP over IP are skipped with their reason", arguments: skips)
    func framingIsSkipped(_ skip: SkipCase) {
        #expect(dissect(skip.bytes, linkType: skip.linkType) == .skipped(skip.reason))
    }

    @Test("stats count every packet under exactly one outcome")
    func statsCountEveryOutcome() {
        var dissector = PacketDissector()
        for framing in Self.framings {
            _ = dissector.dissect(framing.bytes.span, linkType: framing.linkType, originalLength: framing.bytes.count)
        }
        for skip in Self.skips {
            _ = dissector.dissect(skip.bytes.span, linkType: skip.linkType, originalLength: skip.bytes.count)
        }
        let stats = dissector.stats
        #expect(stats.packets == Self.framings.count + Self.skips.count)
        #expect(stats.tcpSegments == Self.framings.count)
        #expect(stats.notIP == 6)
        #expect(stats.malformed == 3)
        #expect(stats.truncatedHeaders == 7)
        #expect(stats.unsupportedLinkType == 1)
        #expect(stats.skipped == Self.skips.count)
    }
}
