import NetworkLayers
import Testing

@Suite("PacketDissector TCP")
struct TCPHeaderTests {
    static func frame(_ tcp: [UInt8], totalLength: UInt16? = nil) -> [UInt8] {
        PacketBytes.ethernet(etherType: 0x0800, payload: PacketBytes.ipv4(totalLength: totalLength, payload: tcp))
    }

    @Test("options move the payload by the data offset")
    func optionsAreSkipped() {
        // MSS, SACK permitted, NOP, NOP, window scale... 12 bytes: data offset 8.
        let options: [UInt8] = [2, 4, 0x05, 0xb4, 4, 2, 1, 1, 3, 3, 7, 0]
        #expect(dissect(Self.frame(PacketBytes.tcp(options: options))) == .tcp(expectedSegment(payloadOffset: 54 + 12)))
    }

    @Test("a data offset below 5 is malformed", arguments: [UInt8(0), 1, 4])
    func smallDataOffsetIsMalformed(dataOffset: UInt8) {
        #expect(
            dissect(Self.frame(PacketBytes.tcp(dataOffset: dataOffset)))
                == .skipped(.malformed(.tcpDataOffsetBelowMinimum)))
    }

    @Test("a data offset beyond the segment is malformed")
    func largeDataOffsetIsMalformed() {
        // 60-byte header claimed, 28-byte segment.
        #expect(dissect(Self.frame(PacketBytes.tcp(dataOffset: 15))) == .skipped(.malformed(.tcpHeaderBeyondSegment)))
    }

    @Test("an IP payload too short for a TCP header is malformed")
    func shortSegmentIsMalformed() {
        let tcp = Array(PacketBytes.tcp(payload: [])[0..<12])
        #expect(dissect(Self.frame(tcp)) == .skipped(.malformed(.tcpSegmentShorterThanHeader)))
        // The same when the total length, not the capture, is short.
        #expect(
            dissect(Self.frame(PacketBytes.tcp(), totalLength: 30))
                == .skipped(.malformed(.tcpSegmentShorterThanHeader)))
    }

    @Test("a TCP header cut by the capture is a truncated header")
    func cutHeaderIsTruncated() {
        let options = [UInt8](repeating: 1, count: 20)
        let full = Self.frame(PacketBytes.tcp(options: options))
        #expect(dissect(Array(full[0..<64]), originalLength: full.count) == .skipped(.truncatedHeader(.tcp)))
        // Fixed part present, options cut.
        #expect(dissect(Array(full[0..<70]), originalLength: full.count) == .skipped(.truncatedHeader(.tcp)))
    }

    @Test("a header ending exactly at the capture has an empty captured payload")
    func headerAtCaptureEnd() {
        let full = Self.frame(PacketBytes.tcp())
        #expect(
            dissect(Array(full[0..<54]), originalLength: full.count)
                == .tcp(expectedSegment(payloadOffset: 54, captured: 0)))
    }
}
