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
                probe.judge($0.span, initiator: !delivery.server, time: CaptureTime(seconds: Int64(index), nanoseconds: 0))?.wire
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

    /// A request's and a response's first HEADERS, written by NIOHPACK's encoder (static-index pseudo-headers).
    static let requestHeaders: [UInt8] = {
        var encoder = BlockEncoder()
        return H2.frame(.headers, flags: 0x4, stream: 7, encoder.block([
            (":method", "POST"), (":scheme", "http"), (":path", "/org.apache.dubbo.Demo/sayHello"),
            ("content-type", "application/grpc"),
        ]))
    }()
    static let responseHeaders: [UInt8] = {
        var encoder = BlockEncoder()
        return H2.frame(.headers, flags: 0x4, stream: 7, encoder.block([(":status", "200"), ("content-type", "application/grpc")]))
    }()
    static let trailers: [UInt8] = {
        var encoder = BlockEncoder()
        return H2.frame(.headers, flags: 0x5, stream: 5, encoder.block([("grpc-status", "0"), ("grpc-message", "")]))
    }()

    static func fullVerdicts(_ probe: inout WireProbe, _ deliveries: [(bytes: [UInt8], server: Bool)]) -> [WireProbe.Verdict?] {
        deliveries.enumerated().map { index, delivery in
            delivery.bytes.withUnsafeBufferPointer {
                probe.judge($0.span, initiator: !delivery.server, time: CaptureTime(seconds: Int64(index), nanoseconds: 0))
            }
        }
    }

    @Test("a lone PING decides nothing; frames chaining mean HTTP/2; the first request HEADERS names the client")
    func loneFrameThenNext() {
        var probe = WireProbe()
        let verdicts = Self.fullVerdicts(&probe, [(Self.ping, false), (Self.windowUpdate, false), (Self.requestHeaders, false)])
        #expect(verdicts == [nil, nil, WireProbe.Verdict(.triple, clientIsInitiator: true)])
        #expect(Self.replayed(&probe) == ["c17@0", "c13@1"], "only the held deliveries are replayed; the deciding one is the caller's")
        #expect(!probe.holdsEvents)
    }

    @Test("roles guessed wrong from ports: a request block from the responder, or a :status from the initiator, says so")
    func rolesFromHeaderBlocks() {
        var fromResponder = WireProbe()
        #expect(Self.fullVerdicts(&fromResponder, [(Self.data + Self.requestHeaders, true)])
            == [WireProbe.Verdict(.triple, clientIsInitiator: false)])
        var statusFromInitiator = WireProbe()
        #expect(Self.fullVerdicts(&statusFromInitiator, [(Self.windowUpdate, true), (Self.ping + Self.responseHeaders, false)])
            == [nil, WireProbe.Verdict(.triple, clientIsInitiator: false)])
        var statusFromResponder = WireProbe()
        #expect(Self.fullVerdicts(&statusFromResponder, [(Self.trailers + Self.responseHeaders, true)])
            == [WireProbe.Verdict(.triple, clientIsInitiator: true)], "trailers name no one; the :status after them does")
    }

    @Test("a HEADERS frame split over deliveries is judged once whole")
    func headersAcrossDeliveries() {
        var probe = WireProbe()
        let stream = Self.windowUpdate + Self.requestHeaders
        let verdicts = Self.fullVerdicts(&probe, [(Array(stream[..<20]), true), (Array(stream[20...]), true)])
        #expect(verdicts == [nil, WireProbe.Verdict(.triple, clientIsInitiator: false)])
    }

    @Test("only trailers and DATA within the limits: HTTP/2 all the same, the port guess stands")
    func noTellingBlock() {
        var probe = WireProbe()
        let deliveries = Array(repeating: (Self.data + Self.trailers, false), count: WireProbe.maxDeliveries)
        let verdicts = Self.fullVerdicts(&probe, deliveries)
        #expect(verdicts.dropLast().allSatisfy { $0 == nil })
        #expect(verdicts.last == WireProbe.Verdict(.triple, clientIsInitiator: nil))
    }

    @Test("the client preface names its sender the client at once, whichever side the ports made it")
    func prefaceNamesClient() {
        var fromResponder = WireProbe()
        #expect(Self.fullVerdicts(&fromResponder, [(HTTP2FrameHeader.clientPreface + H2.settings, true)])
            == [WireProbe.Verdict(.triple, clientIsInitiator: false)])
        var fromInitiator = WireProbe()
        #expect(Self.fullVerdicts(&fromInitiator, [(Self.ping, true), (HTTP2FrameHeader.clientPreface, false)])
            == [nil, WireProbe.Verdict(.triple, clientIsInitiator: true)])
    }

    @Test("a frame split over deliveries: its length leads to the next header in a later delivery")
    func chainAcrossDeliveries() {
        var probe = WireProbe()
        let stream = Self.data + Self.windowUpdate + Self.requestHeaders
        let verdicts = Self.verdicts(&probe, [(Array(stream[..<40]), false), (Array(stream[40..<90]), false),
                                              (Array(stream[90...]), false)])
        #expect(verdicts == [nil, nil, .triple])
    }

    @Test("a cut inside a frame: later deliveries that start on frame boundaries are recognised")
    func cutInsideFrame() {
        var probe = WireProbe()
        let tail = Array(Self.data[50...])  // the rest of a DATA frame: 0x61s, no header
        let verdicts = Self.verdicts(&probe, [(tail, false), (Self.ping, true), (tail, false),
                                              (Self.windowUpdate + Self.responseHeaders, true)])
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
