import NetworkLayers
import Testing

@Suite("PacketDissector IPv4")
struct IPv4Tests {
    static func frame(_ ip: [UInt8]) -> [UInt8] { PacketBytes.ethernet(etherType: 0x0800, payload: ip) }

    @Test("header options move the TCP header by the IHL")
    func optionsAreSkipped() {
        // Record route (7, length 7, pointer 4, one address) + end of options: 8 bytes, IHL 7.
        let options: [UInt8] = [7, 7, 4, 0, 0, 0, 0, 0]
        let bytes = Self.frame(PacketBytes.ipv4(options: options, payload: PacketBytes.tcp()))
        #expect(dissect(bytes) == .tcp(expectedSegment(payloadOffset: 14 + 28 + 20)))
    }

    @Test(
        "fragments are counted and skipped",
        arguments: [UInt16(0x2000), 185, 0x2001, 0x5fff] as [UInt16]  // MF; offset 185; MF+offset 1; DF+max offset
    )
    func fragmentsAreSkipped(flagsAndOffset: UInt16) {
        var dissector = PacketDissector()
        let bytes = Self.frame(PacketBytes.ipv4(flagsAndFragmentOffset: flagsAndOffset, payload: PacketBytes.tcp()))
        #expect(dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count) == .skipped(.ipFragment))
        #expect(dissector.stats.ipFragments == 1)
    }

    @Test("DF alone is not a fragment")
    func dontFragmentIsWholePacket() {
        let bytes = Self.frame(PacketBytes.ipv4(flagsAndFragmentOffset: 0x4000, payload: PacketBytes.tcp()))
        #expect(dissect(bytes) == .tcp(expectedSegment(payloadOffset: 54)))
    }

    @Test("other IP protocols are skipped as not TCP", arguments: [UInt8(17), 1, 47, 50])
    func otherProtocolsAreNotTCP(protocolNumber: UInt8) {
        let bytes = Self.frame(
            PacketBytes.ipv4(protocolNumber: protocolNumber, payload: [UInt8](repeating: 0, count: 28)))
        #expect(dissect(bytes) == .skipped(.notTCP(ipProtocol: protocolNumber)))
    }

    @Test("IHL below 5 is malformed", arguments: [UInt8(0), 1, 4])
    func shortIHLIsMalformed(ihl: UInt8) {
        let bytes = Self.frame(PacketBytes.ipv4(ihl: ihl, payload: PacketBytes.tcp()))
        #expect(dissect(bytes) == .skipped(.malformed(.ipv4HeaderLengthBelowMinimum)))
    }

    @Test("a total length shorter than the header is malformed", arguments: [UInt16(1), 10, 19])
    func shortTotalLengthIsMalformed(totalLength: UInt16) {
        let bytes = Self.frame(PacketBytes.ipv4(totalLength: totalLength, payload: PacketBytes.tcp()))
        #expect(dissect(bytes) == .skipped(.malformed(.ipv4TotalLengthBelowHeader)))
    }

    @Test("a total length inside the header options is malformed")
    func totalLengthInsideOptionsIsMalformed() {
        let bytes = Self.frame(PacketBytes.ipv4(options: [1, 1, 1, 0], totalLength: 22, payload: PacketBytes.tcp()))
        #expect(dissect(bytes) == .skipped(.malformed(.ipv4TotalLengthBelowHeader)))
    }

    @Test("a header cut by the capture is a truncated header")
    func cutHeaderIsTruncated() {
        let full = Self.frame(PacketBytes.ipv4(options: [1, 1, 1, 0], payload: PacketBytes.tcp()))
        #expect(dissect(Array(full[0..<(14 + 12)]), originalLength: full.count) == .skipped(.truncatedHeader(.ipv4)))
        // 20 bytes present, but IHL says 24.
        #expect(dissect(Array(full[0..<(14 + 20)]), originalLength: full.count) == .skipped(.truncatedHeader(.ipv4)))
    }

    @Test("Ethernet padding after a bare ACK is not payload")
    func paddingAfterBareACKIsIgnored() {
        var dissector = PacketDissector()
        // 14 + 20 + 20 = 54 bytes, padded to the 60-byte Ethernet minimum.
        let bytes =
            Self.frame(PacketBytes.ipv4(payload: PacketBytes.tcp(flags: 0x10, payload: []))) + [0, 0, 0, 0, 0, 0]
        guard case .tcp(let segment) = dissector.dissect(bytes.span, linkType: 1, originalLength: 60) else {
            Issue.record("no segment")
            return
        }
        #expect(segment.payloadOffset == 54)
        #expect(segment.payloadLength == 0)
        #expect(segment.capturedPayloadLength == 0)
        #expect(segment.flags == .ack)
        #expect(dissector.stats.framesWithTrailingBytes == 1)
    }

    @Test("Ethernet padding after a short payload is not payload")
    func paddingAfterShortPayloadIsIgnored() {
        let bytes =
            Self.frame(PacketBytes.ipv4(payload: PacketBytes.tcp(payload: [0xda, 0xbb]))) + [0xee, 0xee, 0xee, 0xee]
        #expect(dissect(bytes) == .tcp(expectedSegment(payloadOffset: 54, captured: 2, payloadLength: 2)))
    }

    @Test("a snap-length cut leaves captured payload below the wire payload")
    func snapLengthCutIsMissingBytes() {
        var dissector = PacketDissector()
        let payload = [UInt8](repeating: 0x41, count: 100)
        let full = Self.frame(PacketBytes.ipv4(payload: PacketBytes.tcp(payload: payload)))
        #expect(full.count == 154)
        let captured = Array(full[0..<96])
        guard case .tcp(let segment) = dissector.dissect(captured.span, linkType: 1, originalLength: 154) else {
            Issue.record("no segment")
            return
        }
        #expect(segment.payloadOffset == 54)
        #expect(segment.capturedPayloadLength == 42)
        #expect(segment.payloadLength == 100)
        #expect(segment.isCutBySnapLength)
        #expect(dissector.stats.segmentsCutBySnapLength == 1)
    }

    @Test("a total length beyond the frame's wire length is clamped to it")
    func totalLengthBeyondFrameIsClamped() {
        var dissector = PacketDissector()
        let bytes = Self.frame(PacketBytes.ipv4(totalLength: 1_400, payload: PacketBytes.tcp()))
        let result = dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count)
        #expect(result == .tcp(expectedSegment(payloadOffset: 54)))
        #expect(dissector.stats.ipLengthBeyondFrame == 1)
    }

    @Test("a zero total length (segmentation offload) takes the frame's length")
    func zeroTotalLengthUsesFrame() {
        var dissector = PacketDissector()
        let bytes = Self.frame(PacketBytes.ipv4(totalLength: 0, payload: PacketBytes.tcp()))
        let result = dissector.dissect(bytes.span, linkType: 1, originalLength: bytes.count)
        #expect(result == .tcp(expectedSegment(payloadOffset: 54)))
        #expect(dissector.stats.ipLengthZeroTakenFromFrame == 1)
    }

    @Test("header fields are read exactly")
    func headerFieldsAreExact() {
        let tcp = PacketBytes.tcp(
            sourcePort: 20_880, destinationPort: 51_234, sequence: 0xfedc_ba98, acknowledgment: 0x0123_4567,
            flags: 0xc3, window: 0xabcd, payload: []
        )
        let bytes = PacketBytes.ipv4(source: [192, 168, 200, 1], destination: [172, 16, 0, 254], payload: tcp)
        #expect(
            dissect(bytes, linkType: 228)
                == .tcp(
                    TCPSegment(
                        source: Endpoint(address: IPAddress(192, 168, 200, 1), port: 20_880),
                        destination: Endpoint(address: IPAddress(172, 16, 0, 254), port: 51_234),
                        sequence: 0xfedc_ba98, acknowledgment: 0x0123_4567,
                        flags: [.fin, .syn, .ece, .cwr], window: 0xabcd,
                        payloadOffset: 40, capturedPayloadLength: 0, payloadLength: 0
                    )
                )
        )
    }
}
