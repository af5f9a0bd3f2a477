import InspectorCore
import NetworkLayers
import TCPReassembly
import Testing

@Suite("TCPReassembler connections")
struct ReassemblerConnectionTests {
    typealias Reassembler = TCPReassembler<RecordingFactory>
    let client = Peers.client
    let server = Peers.server

    func makeReassembler(_ configure: (inout Limits) -> Void = { _ in }) -> Reassembler {
        var limits = Limits()
        configure(&limits)
        return TCPReassembler(factory: RecordingFactory(), limits: limits)
    }

    // MARK: Roles and midstream

    @Test("without a handshake the lower port is guessed to be the server, and directions open midstream")
    func midstreamGuessesServerByLowPort() {
        var reassembler = makeReassembler()
        reassembler.feed(server, client, seq: 77_000, ack: 123, bytes("response"), at: 3)
        reassembler.feed(client, server, seq: 123, ack: 77_008, bytes("request"), at: 4)

        let log = reassembler.factory.log
        #expect(
            log.connections == [
                ConnectionInfo(initiator: client, responder: server, handshakeSeen: false, firstSeen: .at(3))
            ])
        #expect(
            log.events == [
                .opened(connection: 0, .responderToInitiator, midstream: true, at: 3),
                .received(connection: 0, .responderToInitiator, bytes("response"), at: 3),
                .opened(connection: 0, .initiatorToResponder, midstream: true, at: 4),
                .received(connection: 0, .initiatorToResponder, bytes("request"), at: 4),
            ])
        #expect(reassembler.stats.connectionsWithoutHandshake == 1)
    }

    @Test("without a handshake and with equal ports, the first sender is the initiator")
    func midstreamEqualPortsFirstSender() {
        var reassembler = makeReassembler()
        let a = Endpoint(address: IPAddress(192, 168, 1, 9), port: 5_000)
        let b = Endpoint(address: IPAddress(192, 168, 1, 2), port: 5_000)
        reassembler.feed(a, b, seq: 1, bytes("x"), at: 3)
        #expect(reassembler.factory.log.connections.first?.initiator == a)
        #expect(reassembler.factory.log.connections.first?.responder == b)
    }

    @Test("a SYN+ACK decides the roles even against the port guess: its receiver is the initiator")
    func synAckDecidesRoles() {
        var reassembler = makeReassembler()
        let lowPortClient = Endpoint(address: IPAddress(10, 0, 0, 7), port: 700)
        let highPortServer = Endpoint(address: IPAddress(10, 0, 0, 8), port: 30_000)
        reassembler.feed(highPortServer, lowPortClient, seq: 9_000, ack: 401, flags: .syn, at: 3)
        reassembler.feed(lowPortClient, highPortServer, seq: 401, ack: 9_001, bytes("hi"), at: 4)

        let log = reassembler.factory.log
        #expect(
            log.connections == [
                ConnectionInfo(
                    initiator: lowPortClient, responder: highPortServer, handshakeSeen: true, firstSeen: .at(3))
            ])
        #expect(
            log.events == [
                .opened(connection: 0, .responderToInitiator, midstream: false, at: 3),
                .opened(connection: 0, .initiatorToResponder, midstream: true, at: 4),
                .received(connection: 0, .initiatorToResponder, bytes("hi"), at: 4),
            ])
    }

    @Test("a pure ACK for an unknown connection starts nothing")
    func pureAckStartsNothing() {
        var reassembler = makeReassembler()
        reassembler.feed(client, server, seq: 1, ack: 2, at: 3)
        reassembler.feed(client, server, seq: 1, ack: 2, flags: .fin, at: 4)
        reassembler.feed(client, server, seq: 1, flags: .rst, at: 5)
        #expect(reassembler.factory.log.connections.isEmpty)
        #expect(reassembler.stats.segmentsWithoutConnection == 3)
        #expect(reassembler.stats.currentConnections == 0)
    }

    // MARK: FIN and RST

    @Test("FIN from both sides closes once all bytes before each FIN are delivered; the connection is forgotten")
    func finCloses() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, ack: 5_001, bytes("bye"), at: 3)
        reassembler.feed(client, server, seq: 104, ack: 5_001, flags: .fin, at: 4)
        reassembler.feed(server, client, seq: 5_001, ack: 105, bytes("ok"), at: 5)
        #expect(reassembler.factory.log.closes.isEmpty)
        reassembler.feed(server, client, seq: 5_003, ack: 105, flags: .fin, at: 6)

        #expect(reassembler.factory.log.events.last == .closed(connection: 0, .fin, at: 6))
        #expect(reassembler.stats.connectionsClosedByFIN == 1)
        #expect(reassembler.stats.currentConnections == 0)
        // The last ACK and a late retransmission do not start a phantom connection.
        reassembler.feed(client, server, seq: 105, ack: 5_004, at: 7)
        reassembler.feed(server, client, seq: 5_001, ack: 105, bytes("ok"), at: 8)
        #expect(reassembler.factory.log.connections.count == 1)
        #expect(reassembler.stats.segmentsAfterClose == 2)
    }

    @Test("a FIN behind a hole waits; the peer's ACK of the FIN gives the hole up and finishes the direction")
    func finBehindHole() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 111, ack: 5_001, bytes("tail"), at: 3)  // 101...110 lost
        reassembler.feed(client, server, seq: 115, ack: 5_001, flags: .fin, at: 4)
        reassembler.feed(server, client, seq: 5_001, ack: 116, flags: .fin, at: 5)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .gap(connection: 0, .initiatorToResponder, length: 10, at: 5),
                .received(connection: 0, .initiatorToResponder, bytes("tail"), at: 3),
                .closed(connection: 0, .fin, at: 5),
            ])
    }

    @Test("RST gives up holes, closes with .reset, and data after it is ignored")
    func resetCloses() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, bytes("ab"), at: 3)
        reassembler.feed(client, server, seq: 105, bytes("ef"), at: 4)  // 103...104 missing
        reassembler.feed(server, client, seq: 5_001, flags: .rst, at: 5)
        reassembler.feed(client, server, seq: 107, bytes("after"), at: 6)

        let events = Array(reassembler.factory.log.events.dropFirst(2))
        #expect(
            events == [
                .received(connection: 0, .initiatorToResponder, bytes("ab"), at: 3),
                .gap(connection: 0, .initiatorToResponder, length: 2, at: 5),
                .received(connection: 0, .initiatorToResponder, bytes("ef"), at: 4),
                .closed(connection: 0, .reset, at: 5),
            ])
        #expect(reassembler.stats.connectionsClosedByReset == 1)
        #expect(reassembler.stats.segmentsAfterClose == 1)
        #expect(reassembler.factory.log.connections.count == 1)
    }

    @Test("a new SYN after a close starts a new connection on the same endpoints (port reuse)")
    func portReuseAfterClose() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, flags: .rst, at: 3)
        reassembler.feed(client, server, seq: 90_000, flags: .syn, at: 4)
        reassembler.feed(client, server, seq: 90_001, bytes("again"), at: 5)

        let log = reassembler.factory.log
        #expect(log.connections.count == 2)
        #expect(log.bytes(.initiatorToResponder, connection: 1) == bytes("again"))
        #expect(reassembler.stats.connectionsReplaced == 0)
    }

    @Test("a SYN with a new ISN on a closing connection ends it (.fin) and starts a new one")
    func portReuseWhileClosing() {
        var reassembler = makeReassembler()
        reassembler.handshake()
        reassembler.feed(client, server, seq: 101, ack: 5_001, bytes("x"), at: 3)
        reassembler.feed(client, server, seq: 102, ack: 5_001, flags: .fin, at: 4)  // server FIN never seen
        reassembler.feed(client, server, seq: 70_000, flags: .syn, at: 5)
        reassembler.feed(client, server, seq: 70_001, bytes("y"), at: 6)

        let log = reassembler.factory.log
        #expect(log.closes.map(\.end) == [.fin])
        #expect(log.connections.count == 2)
        #expect(log.bytes(.initiatorToResponder, connection: 1) == bytes("y"))
        #expect(reassembler.stats.connectionsReplaced == 1)
        #expect(reassembler.stats.currentConnections == 1)
    }

    // MARK: Idle and flow table

    @Test("flushIdle closes only connections idle longer than the timeout, by capture time")
    func idleFlush() {
        var reassembler = makeReassembler { $0.flowIdleTimeoutSeconds = 60 }
        let otherClient = Endpoint(address: IPAddress(10, 0, 0, 3), port: 40_001)
        reassembler.feed(client, server, seq: 1, bytes("old"), at: 100)
        reassembler.feed(otherClient, server, seq: 1, bytes("new"), at: 150)
        reassembler.flushIdle(now: .at(160))  // idle 60 s: not longer than the timeout
        #expect(reassembler.factory.log.closes.isEmpty)
        reassembler.flushIdle(now: .at(161))

        #expect(reassembler.factory.log.closes.map(\.connection) == [0])
        #expect(reassembler.factory.log.events.last == .closed(connection: 0, .idleTimeout, at: 161))
        #expect(reassembler.stats.connectionsClosedByIdleTimeout == 1)
        #expect(reassembler.stats.currentConnections == 1)
    }

    @Test("activity keeps a connection alive: the least recently active one is flushed")
    func idleFlushFollowsActivity() {
        var reassembler = makeReassembler { $0.flowIdleTimeoutSeconds = 10 }
        let otherClient = Endpoint(address: IPAddress(10, 0, 0, 3), port: 40_001)
        reassembler.feed(client, server, seq: 1, bytes("a"), at: 100)
        reassembler.feed(otherClient, server, seq: 1, bytes("b"), at: 101)
        reassembler.feed(client, server, seq: 2, bytes("c"), at: 109)
        reassembler.flushIdle(now: .at(115))
        #expect(reassembler.factory.log.closes.map(\.connection) == [1])
    }

    @Test("beyond maxFlows the least recently active connection is evicted and counted")
    func maxFlowsEvictsLeastRecentlyActive() {
        var reassembler = makeReassembler { $0.maxFlows = 2 }
        let clients = (1...3).map { Endpoint(address: IPAddress(10, 0, 1, UInt8($0)), port: 40_000) }
        reassembler.feed(clients[0], server, seq: 1, bytes("a"), at: 1)
        reassembler.feed(clients[1], server, seq: 1, bytes("b"), at: 2)
        reassembler.feed(clients[0], server, seq: 2, bytes("c"), at: 3)  // client 1 is now the least recent
        reassembler.feed(clients[2], server, seq: 1, bytes("d"), at: 4)

        #expect(reassembler.factory.log.closes.map(\.connection) == [1])
        #expect(reassembler.factory.log.closes.map(\.end) == [.evicted])
        #expect(reassembler.stats.flowEvictions == 1)
        #expect(reassembler.stats.currentConnections == 2)
        #expect(reassembler.stats.peakConnections == 2)
    }

    @Test("a million one-SYN flows with maxFlows 1000: every flow opened, all but 1000 evicted, counts exact")
    func millionSynFlows() {
        var limits = Limits()
        limits.maxFlows = 1_000
        var reassembler = TCPReassembler(factory: CountingFactory(), limits: limits)
        let flows = 1_000_000
        var segment = TCPSegment(
            source: server, destination: server, sequence: 1, acknowledgment: 0, flags: .syn, window: 0,
            payloadOffset: 0, capturedPayloadLength: 0, payloadLength: 0)
        let empty: [UInt8] = []
        for index in 0..<flows {
            segment.source = Endpoint(
                address: .v4(0x0A00_0000 | UInt32(index >> 8)), port: UInt16(30_000 + (index & 0xFF)))
            reassembler.process(segment, payload: empty.span, time: CaptureTime(nanosecondsSinceEpoch: Int64(index)))
        }
        #expect(reassembler.factory.made == flows)
        #expect(reassembler.stats.connectionsOpened == flows)
        #expect(reassembler.stats.flowEvictions == flows - 1_000)
        #expect(reassembler.stats.currentConnections == 1_000)
        #expect(reassembler.stats.peakConnections == 1_000)
        #expect(reassembler.factory.tally.closed[.evicted] == flows - 1_000)
        reassembler.finish(time: .at(1))
        #expect(reassembler.factory.tally.closed[.endOfCapture] == 1_000)
        #expect(reassembler.factory.tally.opened == flows)
        #expect(reassembler.stats.currentConnections == 0)
    }
}
