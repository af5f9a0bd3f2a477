import FuzzSupport
import NetworkLayers

/// The link/IP/TCP dissector on one packet.
///
/// Input: byte 0 picks the link type (one of the supported ones, or any value for bit 7 set with byte 1),
/// bytes 1-2 how much longer than captured the packet was on the wire, then the packet bytes.
///
/// Invariants besides "no trap": a TCP result's payload lies inside the captured bytes, the captured payload
/// is never longer than the wire payload, and every packet is counted exactly once (a segment or a skip).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDissector(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let choice = input.byte()
    let supported: [Int32] = LinkType.supported.sorted()
    let linkType = choice & 0x80 != 0 ? Int32(choice & 0x7F) << 8 | Int32(input.byte()) : supported[Int(choice) % supported.count]
    let extra = Int(input.uint16())
    let packet = input.rest()

    var dissector = PacketDissector()
    // Once as captured with a longer wire length, once claiming less than was captured.
    for originalLength in [packet.count + extra, extra % max(1, packet.count + 1)] {
        switch dissector.dissect(packet.span, linkType: linkType, originalLength: originalLength) {
        case .tcp(let segment):
            invariant(segment.payloadOffset >= 0, "negative payload offset")
            invariant(segment.capturedPayloadLength >= 0, "negative captured payload")
            invariant(segment.payloadOffset + segment.capturedPayloadLength <= packet.count, "payload past the packet")
            invariant(segment.capturedPayloadLength <= segment.payloadLength, "captured more than the wire length")
            invariant(segment.payloadLength <= max(originalLength, packet.count), "payload longer than the frame")
        case .skipped:
            break
        }
    }
    let stats = dissector.stats
    invariant(stats.packets == 2, "packets counted \(stats.packets) times")
    invariant(stats.tcpSegments + stats.skipped == stats.packets, "a packet was counted twice or not at all")
    return 0
}
