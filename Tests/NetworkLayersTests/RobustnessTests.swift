import NetworkLayers
import TestSupport
import Testing

@Suite("PacketDissector robustness")
struct RobustnessTests {
    /// Valid packets with every layer the dissector walks, and where their headers end.
    static let packets: [(name: String, linkType: Int32, bytes: [UInt8], headersEnd: Int)] = [
        (
            "Ethernet IPv4 with options", 1,
            PacketBytes.ethernet(
                etherType: 0x0800,
                payload: PacketBytes.ipv4(options: [1, 1, 1, 0], payload: PacketBytes.tcp(options: [1, 1, 1, 0]))),
            14 + 24 + 24
        ),
        (
            "QinQ IPv6 with extensions", 1,
            PacketBytes.ethernet(
                etherType: 0x86dd, tags: [(0x88a8, 1), (0x8100, 2)],
                payload: PacketBytes.ipv6(
                    nextHeader: 0,
                    payload: PacketBytes.ipv6Extension(nextHeader: 44) + PacketBytes.ipv6Fragment() + PacketBytes.tcp())
            ),
            22 + 40 + 8 + 8 + 20
        ),
        ("SLL2 IPv4", 276, PacketBytes.linuxSLL2(protocolType: 0x0800, payload: PacketBytes.tcpIPv4), 20 + 40),
        ("NULL IPv6", 0, PacketBytes.null(family: 30, payload: PacketBytes.tcpIPv6), 4 + 60),
    ]

    @Test("every prefix of a valid packet dissects without trapping, as a cut or a truncated header")
    func everyPrefixIsSafe() {
        for packet in Self.packets {
            let fullPayload = packet.bytes.count - packet.headersEnd
            for length in 0...packet.bytes.count {
                let prefix = Array(packet.bytes[0..<length])
                // As a snap-length cut: the wire had the whole packet.
                let cut = dissect(prefix, linkType: packet.linkType, originalLength: packet.bytes.count)
                if length >= packet.headersEnd {
                    guard case .tcp(let segment) = cut else {
                        Issue.record("\(packet.name) prefix \(length): \(cut)")
                        continue
                    }
                    #expect(segment.payloadOffset == packet.headersEnd)
                    #expect(segment.capturedPayloadLength == length - packet.headersEnd)
                    #expect(segment.payloadLength == fullPayload)
                } else {
                    guard case .skipped(.truncatedHeader) = cut else {
                        Issue.record("\(packet.name) prefix \(length): \(cut)")
                        continue
                    }
                }
                // As a frame that really was that short: never a trap, never bytes beyond it.
                if case .tcp(let segment) = dissect(prefix, linkType: packet.linkType, originalLength: length) {
                    #expect(segment.payloadOffset + segment.capturedPayloadLength <= length)
                }
            }
        }
    }

    @Test("20 000 seeded random buffers never trap and keep every offset inside the buffer")
    func randomBuffersAreSafe() {
        var random = SeededRandom(seed: 0x0d0b_b020_8800)
        var dissector = PacketDissector()
        let linkTypes: [Int32] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105, -1]
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                // Pure noise, often with a plausible first nibble so IP parsing is reached.
                bytes = (0..<Int.random(in: 0..<160, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
                if !bytes.isEmpty, round % 4 == 0 { bytes[0] = Bool.random(using: &random) ? 0x45 : 0x60 }
            } else {
                // A valid packet with a few bytes changed, so the deep layers see nearly sane headers.
                let base = Self.packets[round / 2 % Self.packets.count]
                bytes = base.bytes
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &random))
            }
            let linkType =
                round % 2 == 0
                ? linkTypes[Int.random(in: 0..<linkTypes.count, using: &random)]
                : Self.packets[round / 2 % Self.packets.count].linkType
            let originalLength = bytes.count + Int.random(in: -4...64, using: &random)
            let result = dissector.dissect(bytes.span, linkType: linkType, originalLength: originalLength)
            if case .tcp(let segment) = result {
                #expect(segment.payloadOffset >= 0)
                #expect(segment.capturedPayloadLength >= 0)
                #expect(segment.payloadOffset + segment.capturedPayloadLength <= bytes.count)
                #expect(segment.capturedPayloadLength <= segment.payloadLength)
            }
        }
        #expect(dissector.stats.packets == 20_000)
        #expect(dissector.stats.tcpSegments + dissector.stats.skipped == 20_000)
        #expect(dissector.stats.tcpSegments > 0)
        #expect(dissector.stats.malformed > 0)
    }
}
