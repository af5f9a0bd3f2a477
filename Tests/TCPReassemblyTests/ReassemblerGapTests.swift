import InspectorCore
import NetworkLayers
import TCPReassembly
import Testing

@Suite("TCPReassembler gaps and limits")
struct ReassemblerGapTests {
    typealias Reassembler = TCPReassembler<RecordingFactory>
    let client = Peers.client
    let server = Peers.server
    let ten = [UInt8](repeating: 0x2E, count: 10)

    func makeReassembler(_ configure: (inout Limits) -> Void = { _ in }) -> Reassembler {
        var limits = Limits()
        configure(&limits)
        return TCPReassembler(factory: RecordingFactory(), limits: limits)
    }

    @Test("when the peer ACKs past a lost segment: exact gap, then the buffered rest, before the peer's bytes")
    func ackPastHoleGivesUpTheHole() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, ack: 5_001, bytes("request-A."), at: 3)
        // 111...120 lost before the capture.
        reassembler.feed(client, server, seq: 121, ack: 5_001, bytes("request-C."), at: 4)
        #expect(reassembler.stats.currentBufferedBytes == 10)
        reassembler.feed(server, client, seq: 5_001, ack: 131, bytes("resp"), at: 5)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .received(connection: 0, .initiatorToResponder, bytes("request-A."), at: 3),
                .gap(connection: 0, .initiatorToResponder, length: 10, at: 5),
                .received(connection: 0, .initiatorToResponder, bytes("request-C."), at: 4),
                .received(connection: 0, .responderToInitiator, bytes("resp"), at: 5),
            ])
        #expect(reassembler.stats.holesSkippedOnACK == 1)
        #expect(reassembler.stats.gaps == 1)
        #expect(reassembler.stats.gapBytes == 10)
        #expect(reassembler.stats.currentBufferedBytes == 0)
    }

    @Test("an ACK past the last delivered byte with nothing buffered reports the lost tail as a gap")
    func ackPastLostTail() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("sent"), at: 3)
        reassembler.feed(server, client, seq: 5_001, ack: 125, at: 4)  // 105...124 never captured
        reassembler.feed(client, server, seq: 125, bytes("more"), at: 5)

        #expect(reassembler.factory.log.gaps(.initiatorToResponder) == [20])
        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == bytes("sentmore"))
    }

    @Test("an ACK that does not pass the next expected byte changes nothing")
    func oldAckIsIgnored() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("abcd"), at: 3)
        reassembler.feed(client, server, seq: 115, bytes("late"), at: 4)
        reassembler.feed(server, client, seq: 5_001, ack: 105, at: 5)
        reassembler.feed(server, client, seq: 5_001, ack: 50, at: 6)

        #expect(reassembler.stats.gaps == 0)
        #expect(reassembler.stats.currentBufferedBytes == 4)
    }

    @Test("over the per-direction byte limit the first hole is given up: exact gap, buffered bytes, counted")
    func perFlowByteLimit() {
        var reassembler = makeReassembler { $0.maxBufferedBytesPerFlow = 20 }
        reassembler.handshake()
        // 101...110 lost.
        reassembler.feed(client, server, seq: 111, ten, at: 3)
        reassembler.feed(client, server, seq: 121, ten, at: 4)
        #expect(reassembler.stats.bufferEvictions == 0)
        reassembler.feed(client, server, seq: 131, ten, at: 5)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .gap(connection: 0, .initiatorToResponder, length: 10, at: 5),
                .received(connection: 0, .initiatorToResponder, ten, at: 3),
                .received(connection: 0, .initiatorToResponder, ten, at: 4),
                .received(connection: 0, .initiatorToResponder, ten, at: 5),
            ])
        #expect(reassembler.stats.bufferEvictions == 1)
        #expect(reassembler.stats.peakBufferedBytes == 30)
        #expect(reassembler.stats.currentBufferedBytes == 0)
    }

    @Test("over the per-direction segment limit the first hole is given up, the later hole stays")
    func perFlowSegmentLimit() {
        var reassembler = makeReassembler { $0.maxBufferedSegmentsPerFlow = 2 }
        reassembler.handshake()
        // Holes at 101...110 and 121...130.
        reassembler.feed(client, server, seq: 111, ten, at: 3)
        reassembler.feed(client, server, seq: 131, ten, at: 4)
        reassembler.feed(client, server, seq: 141, ten, at: 5)

        #expect(reassembler.factory.log.gaps(.initiatorToResponder) == [10])
        #expect(reassembler.factory.log.bytes(.initiatorToResponder) == ten)
        #expect(reassembler.stats.bufferEvictions == 1)
        #expect(reassembler.stats.currentBufferedBytes == 20)
        // The second hole fills normally.
        reassembler.feed(client, server, seq: 121, ten, at: 6)
        #expect(reassembler.factory.log.bytes(.initiatorToResponder).count == 40)
        #expect(reassembler.stats.gaps == 1)
    }

    @Test("over the total byte limit the connection that just grew gives up its holes; others keep theirs")
    func totalByteLimit() {
        var reassembler = makeReassembler { $0.maxBufferedBytesTotal = 25 }
        let otherClient = Endpoint(address: IPAddress(10, 0, 0, 3), port: 40_001)
        reassembler.handshake()
        reassembler.handshake(otherClient, server, clientISN: 700, serverISN: 9_000)
        reassembler.feed(client, server, seq: 111, ten + ten, at: 3)  // 20 buffered on connection 0
        reassembler.feed(otherClient, server, seq: 711, ten, at: 4)  // 30 in total: connection 1 gives up

        let log = reassembler.factory.log
        #expect(log.gaps(.initiatorToResponder, connection: 1) == [10])
        #expect(log.bytes(.initiatorToResponder, connection: 1) == ten)
        #expect(log.gaps(.initiatorToResponder, connection: 0) == [])
        #expect(reassembler.stats.currentBufferedBytes == 20)
        #expect(reassembler.stats.bufferEvictions == 1)
    }

    @Test("finish() hands out buffered data with every hole as a gap, then closes at end of capture")
    func finishDeliversHolesAsGaps() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("A"), at: 3)
        reassembler.feed(client, server, seq: 105, bytes("E"), at: 4)  // hole 102...104
        reassembler.feed(client, server, seq: 110, bytes("J"), at: 5)  // hole 106...109
        reassembler.feed(server, client, seq: 5_011, bytes("z"), at: 6)  // hole 5001...5010
        reassembler.finish(time: .at(9))

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .received(connection: 0, .initiatorToResponder, bytes("A"), at: 3),
                .gap(connection: 0, .initiatorToResponder, length: 3, at: 9),
                .received(connection: 0, .initiatorToResponder, bytes("E"), at: 4),
                .gap(connection: 0, .initiatorToResponder, length: 4, at: 9),
                .received(connection: 0, .initiatorToResponder, bytes("J"), at: 5),
                .gap(connection: 0, .responderToInitiator, length: 10, at: 9),
                .received(connection: 0, .responderToInitiator, bytes("z"), at: 6),
                .closed(connection: 0, .endOfCapture, at: 9),
            ])
        #expect(reassembler.stats.holesSkippedAtClose == 3)
        #expect(reassembler.stats.connectionsClosedAtEndOfCapture == 1)
        #expect(reassembler.stats.currentConnections == 0)
        #expect(reassembler.stats.currentBufferedBytes == 0)
    }
}
