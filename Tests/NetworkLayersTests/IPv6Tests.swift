import NetworkLayers
import Testing

@Suite("PacketDissector IPv6")
struct IPv6Tests {
    static func frame(_ ip: [UInt8]) -> [UInt8] { PacketBytes.ethernet(etherType: 0x86dd, payload: ip) }

    @Test("hop-by-hop and destination options are stepped over")
    func extensionHeadersAreWalked() {
        let chain =
            PacketBytes.ipv6Extension(nextHeader: 60) + PacketBytes.ipv6Extension(nextHeader: 6, units: 1)
            + PacketBytes.tcp()
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 0, payload: chain))
        #expect(dissect(bytes) == .tcp(expectedSegment(ipv6: true, payloadOffset: 14 + 40 + 8 + 16 + 20)))
    }

    @Test("routing and AH headers are stepped over")
    func routingAndAuthenticationAreWalked() {
        // AH length counts 32-bit words minus 2: 4 means 24 bytes.
        let ah: [UInt8] = [6, 4] + [UInt8](repeating: 0, count: 22)
        let chain = PacketBytes.ipv6Extension(nextHeader: 51, units: 2) + ah + PacketBytes.tcp()
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 43, payload: chain))
        #expect(dissect(bytes) == .tcp(expectedSegment(ipv6: true, payloadOffset: 14 + 40 + 24 + 24 + 20)))
    }

    @Test(
        "fragments are counted and skipped",
        arguments: [(UInt16(0), true), (100, false), (100, true)]
    )
    func fragmentsAreSkipped(offset: UInt16, more: Bool) {
        var dissector = PacketDissector()
        let chain = PacketBytes.ipv6Fragment(offset: offset, more: more) + PacketBytes.tcp()
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 44, payload: chain))
        #expect(dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count) == .skipped(.ipFragment))
        #expect(dissector.stats.ipFragments == 1)
    }

    @Test("an atomic fragment (offset 0, no more fragments) is a whole packet")
    func atomicFragmentIsWhole() {
        let chain = PacketBytes.ipv6Fragment(offset: 0, more: false) + PacketBytes.tcp()
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 44, payload: chain))
        #expect(dissect(bytes) == .tcp(expectedSegment(ipv6: true, payloadOffset: 14 + 40 + 8 + 20)))
    }

    @Test("UDP, ICMPv6, ESP and no-next-header are not TCP", arguments: [UInt8(17), 58, 50, 59])
    func otherNextHeadersAreNotTCP(nextHeader: UInt8) {
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: nextHeader, payload: [UInt8](repeating: 0, count: 16)))
        #expect(dissect(bytes) == .skipped(.notTCP(ipProtocol: nextHeader)))
    }

    @Test("a protocol behind extension headers is reported")
    func protocolBehindExtensionsIsReported() {
        let chain = PacketBytes.ipv6Extension(nextHeader: 17) + [UInt8](repeating: 0, count: 8)
        #expect(
            dissect(Self.frame(PacketBytes.ipv6(nextHeader: 0, payload: chain))) == .skipped(.notTCP(ipProtocol: 17)))
    }

    @Test("a jumbogram is counted and skipped")
    func jumbogramIsSkipped() {
        var dissector = PacketDissector()
        // Hop-by-hop with the jumbo payload option (0xC2, length 4).
        let hopByHop: [UInt8] = [6, 0, 0xc2, 4, 0, 1, 0, 0]
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 0, payloadLength: 0, payload: hopByHop + PacketBytes.tcp()))
        #expect(dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count) == .skipped(.jumbogram))
        #expect(dissector.stats.jumbograms == 1)
    }

    @Test("a zero payload length without hop-by-hop (BIG TCP) takes the frame's length")
    func zeroPayloadLengthUsesFrame() {
        var dissector = PacketDissector()
        let bytes = Self.frame(PacketBytes.ipv6(payloadLength: 0, payload: PacketBytes.tcp()))
        #expect(
            dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count)
                == .tcp(expectedSegment(ipv6: true, payloadOffset: 74)))
        #expect(dissector.stats.ipLengthZeroTakenFromFrame == 1)
    }

    @Test("an extension header running past the payload length is malformed")
    func extensionBeyondPayloadIsMalformed() {
        // 88-byte hop-by-hop header inside a 36-byte payload.
        let chain = PacketBytes.ipv6Extension(nextHeader: 6, units: 10) + PacketBytes.tcp()
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 0, payloadLength: 36, payload: chain))
        #expect(dissect(bytes) == .skipped(.malformed(.ipv6ExtensionHeaderBeyondPayload)))
    }

    @Test("an endless chain of extension headers is malformed")
    func longChainIsMalformed() {
        var chain: [UInt8] = []
        for _ in 0..<20 { chain += PacketBytes.ipv6Extension(nextHeader: 60) }
        let bytes = Self.frame(PacketBytes.ipv6(nextHeader: 60, payload: chain + PacketBytes.tcp()))
        #expect(dissect(bytes) == .skipped(.malformed(.tooManyIPv6ExtensionHeaders)))
    }

    @Test("a cut base header or extension header is a truncated header")
    func cutHeadersAreTruncated() {
        let chain = PacketBytes.ipv6Extension(nextHeader: 6, units: 1) + PacketBytes.tcp()
        let full = Self.frame(PacketBytes.ipv6(nextHeader: 60, payload: chain))
        #expect(dissect(Array(full[0..<(14 + 30)]), originalLength: full.count) == .skipped(.truncatedHeader(.ipv6)))
        #expect(dissect(Array(full[0..<(14 + 44)]), originalLength: full.count) == .skipped(.truncatedHeader(.ipv6)))
        // The 16-byte extension header is cut after 12 bytes: the TCP header cannot be present.
        #expect(dissect(Array(full[0..<(14 + 52)]), originalLength: full.count) == .skipped(.truncatedHeader(.tcp)))
    }

    @Test("a snap-length cut leaves captured payload below the wire payload")
    func snapLengthCutIsMissingBytes() {
        let payload = [UInt8](repeating: 0x42, count: 1_000)
        let full = Self.frame(PacketBytes.ipv6(payload: PacketBytes.tcp(payload: payload)))
        let result = dissect(Array(full[0..<128]), originalLength: full.count)
        guard case .tcp(let segment) = result else {
            Issue.record("no segment")
            return
        }
        #expect(segment.payloadOffset == 74)
        #expect(segment.capturedPayloadLength == 54)
        #expect(segment.payloadLength == 1_000)
    }

    @Test("addresses are read as the eight groups")
    func addressesAreExact() {
        let bytes = PacketBytes.ipv6(
            source: [0, 0, 0, 0, 0, 0, 0, 1], destination: [0xfe80, 0, 0, 0, 0x1, 0x2, 0x3, 0x4],
            payload: PacketBytes.tcp())
        guard case .tcp(let segment) = dissect(bytes, linkType: 229) else {
            Issue.record("no segment")
            return
        }
        #expect(segment.source.description == "[::1]:40000")
        #expect(segment.destination.description == "[fe80::1:2:3:4]:20880")
    }
}
