import InspectorCore
import NetworkLayers
import TCPReassembly
import Testing

@Suite("TCPReassembler delivery")
struct ReassemblerDeliveryTests {
    typealias Reassembler = TCPReassembler<RecordingFactory>
    let client = Peers.client
    let server = Peers.server

    func makeReassembler(_ limits: Limits = Limits()) -> Reassembler {
        TCPReassembler(factory: RecordingFactory(), limits: limits)
    }

    @Test("in-order bytes arrive unchanged, each with the time of the packet that carried it")
    func inOrderDelivery() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, ack: 5_001, bytes("hello"), at: 3)
        reassembler.feed(client, server, seq: 106, ack: 5_001, bytes(" world"), at: 4)
        reassembler.feed(server, client, seq: 5_001, ack: 112, bytes("ok"), at: 5)

        let log = reassembler.factory.log
        #expect(
            log.events == [
                .opened(connection: 0, .initiatorToResponder, midstream: false, at: 1),
                .opened(connection: 0, .responderToInitiator, midstream: false, at: 2),
                .received(connection: 0, .initiatorToResponder, bytes("hello"), at: 3),
                .received(connection: 0, .initiatorToResponder, bytes(" world"), at: 4),
                .received(connection: 0, .responderToInitiator, bytes("ok"), at: 5),
            ])
        #expect(
            log.connections == [
                ConnectionInfo(initiator: client, responder: server, handshakeSeen: true, firstSeen: .at(1))
            ])
        #expect(reassembler.stats.bytesDelivered == 13)
        #expect(reassembler.stats.segments == 5)
        #expect(reassembler.stats.peakBufferedBytes == 0)
        #expect(reassembler.stats.outOfOrderSegments == 0)
    }

    @Test("segments arriving 3-2-1 are delivered 1-2-3 once the first arrives, with their own times")
    func outOfOrderThreeTwoOne() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 107, bytes("ghi"), at: 10)
        reassembler.feed(client, server, seq: 104, bytes("def"), at: 11)
        #expect(reassembler.stats.currentBufferedBytes == 6)
        reassembler.feed(client, server, seq: 101, bytes("abc"), at: 12)

        let received = reassembler.factory.log.events.filter {
            if case .received = $0 { return true } else { return false }
        }
        #expect(
            received == [
                .received(connection: 0, .initiatorToResponder, bytes("abc"), at: 12),
                .received(connection: 0, .initiatorToResponder, bytes("def"), at: 11),
                .received(connection: 0, .initiatorToResponder, bytes("ghi"), at: 10),
            ])
        #expect(reassembler.stats.outOfOrderSegments == 2)
        #expect(reassembler.stats.peakBufferedBytes == 6)
        #expect(reassembler.stats.currentBufferedBytes == 0)
        #expect(reassembler.stats.gaps == 0)
    }

    @Test("exact duplicates of delivered or buffered segments are dropped and counted as retransmissions")
    func duplicatesAreDropped() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("abc"), at: 3)
        reassembler.feed(client, server, seq: 101, bytes("abc"), at: 4)  // already delivered
        reassembler.feed(client, server, seq: 107, bytes("ghi"), at: 5)
        reassembler.feed(client, server, seq: 107, bytes("ghi"), at: 6)  // already buffered
        reassembler.feed(client, server, seq: 104, bytes("def"), at: 7)
        reassembler.feed(client, server, seq: 100, flags: .syn, at: 8)  // repeated SYN

        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == bytes("abcdefghi"))
        #expect(reassembler.stats.retransmissions == 3)
        #expect(reassembler.stats.overlapsTrimmed == 0)
        #expect(reassembler.stats.inconsistentRetransmissions == 0)
        #expect(reassembler.factory.log.connections.count == 1)
    }

    @Test("a partial overlap with buffered bytes keeps the first copy and counts the differing bytes")
    func overlapWithBufferedKeepsFirstCopy() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        // Stream: "ABCDEFGHIJ" at 101...110.
        reassembler.feed(client, server, seq: 105, bytes("EFGHI"), at: 3)
        reassembler.feed(client, server, seq: 103, bytes("CDxyz"), at: 4)  // 105...107 disagree
        reassembler.feed(client, server, seq: 101, bytes("AB"), at: 5)

        let received = reassembler.factory.log.events.filter {
            if case .received = $0 { return true } else { return false }
        }
        #expect(
            received == [
                .received(connection: 0, .initiatorToResponder, bytes("AB"), at: 5),
                .received(connection: 0, .initiatorToResponder, bytes("CD"), at: 4),
                .received(connection: 0, .initiatorToResponder, bytes("EFGHI"), at: 3),
            ])
        #expect(reassembler.stats.overlapsTrimmed == 1)
        #expect(reassembler.stats.inconsistentRetransmissions == 1)
        #expect(reassembler.stats.inconsistentBytes == 3)
        #expect(reassembler.stats.retransmissions == 0)
    }

    @Test("an in-order segment spanning buffered bytes delivers its own bytes around them, first copy winning")
    func inOrderSegmentAroundBufferedBytes() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 104, bytes("de"), at: 3)
        reassembler.feed(client, server, seq: 101, bytes("abcDEfgh"), at: 4)

        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == bytes("abcdefgh"))
        #expect(reassembler.stats.inconsistentBytes == 2)
        #expect(reassembler.stats.overlapsTrimmed == 1)
        #expect(reassembler.stats.currentBufferedBytes == 0)
    }

    @Test("bytes already delivered are trimmed without comparison: they can no longer be checked")
    func overlapWithDeliveredIsTrimmed() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("ABCDE"), at: 3)
        reassembler.feed(client, server, seq: 104, bytes("xxFGH"), at: 4)

        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == bytes("ABCDEFGH"))
        #expect(reassembler.stats.overlapsTrimmed == 1)
        #expect(reassembler.stats.inconsistentRetransmissions == 0)
        #expect(reassembler.stats.retransmissions == 0)
    }

    @Test("sequence numbers wrap: ISN 0xFFFF_FFF0 with segments crossing 0, fed out of order")
    func sequenceWrap() {
        var reassembler = makeReassembler()
        reassembler.handshake(clientISN: 0xFFFF_FFF0)
        let stream = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)  // 36 bytes from 0xFFFF_FFF1
        reassembler.feed(client, server, seq: 0x0000_0005, Array(stream[20..<36]), at: 5)
        reassembler.feed(client, server, seq: 0xFFFF_FFF1, Array(stream[0..<10]), at: 6)
        reassembler.feed(client, server, seq: 0xFFFF_FFFB, Array(stream[10..<20]), at: 7)  // crosses 0

        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == stream)
        #expect(reassembler.stats.outOfOrderSegments == 1)
        #expect(reassembler.stats.gaps == 0)
        // The next expected number is 0x15: a retransmission just before it is old, not 4 GiB ahead.
        reassembler.feed(client, server, seq: 0x0000_0010, Array(stream[31..<36]), at: 8)
        #expect(reassembler.stats.retransmissions == 1)
        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == stream)
    }

    @Test("a snap-length cut delivers the captured bytes, then a gap of exactly the missing length")
    func snapLengthCutInOrder() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        let captured = [UInt8](repeating: 0x41, count: 40)
        reassembler.feed(client, server, seq: 101, captured, wireLength: 100, at: 3)
        reassembler.feed(client, server, seq: 201, bytes("next"), at: 4)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .received(connection: 0, .initiatorToResponder, captured, at: 3),
                .gap(connection: 0, .initiatorToResponder, length: 60, at: 3),
                .received(connection: 0, .initiatorToResponder, bytes("next"), at: 4),
            ])
        #expect(reassembler.stats.snapLengthCuts == 1)
        #expect(reassembler.stats.gapBytes == 60)
    }

    @Test("a snap-length cut in a buffered segment becomes a gap at its place when delivered")
    func snapLengthCutOutOfOrder() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 111, bytes("0123456789"), wireLength: 30, at: 3)
        reassembler.feed(client, server, seq: 141, bytes("tail"), at: 4)
        reassembler.feed(client, server, seq: 101, bytes("head......"), at: 5)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .received(connection: 0, .initiatorToResponder, bytes("head......"), at: 5),
                .received(connection: 0, .initiatorToResponder, bytes("0123456789"), at: 3),
                .gap(connection: 0, .initiatorToResponder, length: 20, at: 3),
                .received(connection: 0, .initiatorToResponder, bytes("tail"), at: 4),
            ])
        #expect(reassembler.stats.currentBufferedBytes == 0)
        #expect(reassembler.stats.peakBufferedBytes == 14)
    }
}
