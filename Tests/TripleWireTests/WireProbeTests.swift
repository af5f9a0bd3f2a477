import InspectorCore
import Testing
@testable import TripleWire

/// A connection picked up mid-stream is judged over several deliveries, whatever the cut left in the first one.
@Suite("protocol detection over several deliveries (WireProbe)")
struct WireProbeTests {
    static let ping = H2.frame(.ping, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8])
    static let windowUpdate = H2.frame(.windowUpdate, stream: 0, [0, 0, 0x40, 0])
    static let data = H2.frame(.data, stream: 5, Array(repeating: 0x61, count: 100))
    static let dubboHeader: [UInt8] = [0xDA, 0xBB, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0x4E]

    /// Feeds deliveries (client side unless `server`) and returns the verdict after each.
    static func verdicts(_ probe: inout WireProbe, _ deliveries: [(bytes: [UInt8], server: Bool)]) -> [WireDetection?] {
        deliveries.enumerated().map { index, delivery in
            delivery.bytes.withUnsafeBufferPointer {
                probe.judge($0.span, initiator: !delivery.server, time: CaptureTime(seconds: Int64(index), nanoseconds: 0))
            }
        }
    }

    static func replayed(_ probe: inout WireProbe) -> [String] {
        var events: [String] = []
        probe.replay(
            bytes: { bytes, initiator, time in events.append("\(initiator ? "c" : "s")\(bytes.count)@\(time.nanosecondsSinceEpoch / 1_000_000_000)") },
            gap: { length, initiator, time in events.append("\(initiator ? "c" : "s")gap\(length)@\(time.nanosecondsSinceEpoch / 1_000_000_000)") })
        return events
    }

    @Test("a lone PING decides nothing; the next delivery's frame on the same chain means Triple")
    func loneFrameThenNext() {
        var probe = WireProbe()
        #expect(Self.verdicts(&probe, [(Self.ping, false), (Self.windowUpdate, false)]) == [nil, .triple])
        #expect(Self.replayed(&probe) == ["c17@0"], "only the held delivery is replayed; the deciding one is the caller's")
        #expect(!probe.holdsEvents)
    }

    @Test("a frame split over deliveries: its length leads to the next header in a later delivery")
    func chainAcrossDeliveries() {
        var probe = WireProbe()
        let stream = Self.data + Self.windowUpdate
        let verdicts = Self.verdicts(&probe, [(Array(stream[..<40]), false), (Array(stream[40..<90]), false),
                                              (Array(stream[90...]), false)])
        #expect(verdicts == [nil, nil, .triple])
    }

    @Test("a cut inside a frame: later deliveries that start on frame boundaries are recognised")
    func cutInsideFrame() {
        var probe = WireProbe()
        let tail = Array(Self.data[50...])  // the rest of a DATA frame: 0x61s, no header
        let verdicts = Self.verdicts(&probe, [(tail, false), (Self.ping, true), (tail, false), (Self.windowUpdate, true)])
        #expect(verdicts == [nil, nil, nil, .triple])
        #expect(Self.replayed(&probe) == ["c59@0", "s17@1", "c59@2"], "held in their order, with their own times")
    }

    @Test("dubbo picked up mid-frame: the first delivery opening with 0xdabb decides, earlier bytes are replayed")
    func dubboAfterPartialFrame() {
        var probe = WireProbe()
        let verdicts = Self.verdicts(&probe, [([0x4E, 0x91, 0x03], false), (Self.dubboHeader, true)])
        #expect(verdicts == [nil, .dubbo])
        #expect(Self.replayed(&probe) == ["c3@0"])
    }

    @Test("a gap breaks a chain: a header after it is not taken for the lost frame's successor")
    func gapBreaksChain() {
        var probe = WireProbe()
        let split = Self.data + Self.ping
        #expect(Self.verdicts(&probe, [(Array(split[..<30]), false)]) == [nil])
        #expect(probe.gap(length: 79, initiator: true, time: CaptureTime(seconds: 1, nanoseconds: 0)) == nil)
        // After the gap the ping's bytes start a new candidate alone: not enough.
        #expect(Self.verdicts(&probe, [(Self.ping, false)]) == [nil])
        #expect(Self.replayed(&probe) == ["c30@0", "cgap79@1", "c17@0"])
    }

    @Test("bounded: bytes that never show a protocol go to the dubbo decoder after the delivery limit")
    func deliveryLimit() {
        var probe = WireProbe()
        let text = Array("no protocol here, just text\r\n".utf8)
        let verdicts = Self.verdicts(&probe, Array(repeating: (text, false), count: WireProbe.maxDeliveries))
        #expect(verdicts.dropLast().allSatisfy { $0 == nil })
        #expect(verdicts.last == .other)
        #expect(Self.replayed(&probe).count == WireProbe.maxDeliveries - 1)
    }

    @Test("bounded: a byte limit ends the wait as well")
    func byteLimit() {
        var probe = WireProbe()
        let chunk = Array(repeating: UInt8(0xEE), count: WireProbe.maxHeldBytes / 2)
        #expect(Self.verdicts(&probe, [(chunk, false), (chunk, true)]) == [nil, .other])
        #expect(probe.heldBytes == chunk.count)
    }
}
