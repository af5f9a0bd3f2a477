@testable import AnalysisPipeline
import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import TCPReassembly
import Testing
import TripleWire

/// Where a connection's protocol is chosen: by the client's first bytes after a seen SYN.
@Suite("ConnectionConsumer")
struct ConnectionConsumerTests {
    /// RFC 9113 §3.4, written out here rather than taken from the code under test.
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// An HTTP/2 SETTINGS frame with no settings (RFC 9113 §6.5): what a client sends right after the preface.
    static let emptySettings: [UInt8] = [0, 0, 0, 0x04, 0, 0, 0, 0, 0]

    /// A Dubbo heartbeat request (flags 0xe2: request, two-way, event, Hessian2) with id 7 and a Hessian null body,
    /// and its response (flags 0x22, status 20), as PROTOCOL.md §8 shows heartbeats.
    static let heartbeatRequest: [UInt8] = [0xda, 0xbb, 0xe2, 0x00, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0x4e]
    static let heartbeatResponse: [UInt8] = [0xda, 0xbb, 0x22, 0x14, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0x4e]

    final class Run {
        var records: [CallRecord] = []
        var context: AnalysisContext!
        var consumer: ConnectionConsumer!

        init(midstream: Bool = false) {
            context = AnalysisContext(limits: .default, plan: .full) { [unowned self] record in
                self.records.append(record)
            }
            let info = ConnectionInfo(
                initiator: Endpoint(address: IPAddress(10, 0, 0, 1), port: 40_000),
                responder: Endpoint(address: IPAddress(10, 0, 0, 2), port: 20_880), handshakeSeen: !midstream,
                firstSeen: CaptureTime(seconds: 1_700_000_000, nanoseconds: 0))
            consumer = ConnectionConsumer(id: 1, info: info, context: context, maxBodyLength: 8 << 20)
            consumer.opened(.initiatorToResponder, midstream: midstream, time: time(0))
            consumer.opened(.responderToInitiator, midstream: midstream, time: time(0))
        }

        func time(_ microseconds: Int64) -> CaptureTime {
            CaptureTime(seconds: 1_700_000_000, nanoseconds: microseconds * 1_000)
        }

        func send(_ bytes: [UInt8], _ direction: StreamDirection = .initiatorToResponder, at microseconds: Int64 = 1) {
            bytes.withUnsafeBufferPointer { consumer.received($0.span, direction: direction, time: time(microseconds)) }
        }

        func close() {
            consumer.closed(.fin, time: time(1_000))
            context.correlator.finish { self.records.append($0) }
        }
    }

    @Test("an HTTP/2 client preface makes the connection Triple, decoded by TripleConnection (not non-Dubbo bytes)")
    func prefaceInOneSegment() {
        let run = Run()
        run.send(Self.preface + Self.emptySettings)
        run.send(Self.emptySettings, .responderToInitiator)
        #expect(run.consumer.wire == .triple)
        run.close()
        #expect(run.records.isEmpty)
        #expect(run.context.tripleConnections == 1)
        #expect(run.context.tripleStats.framing.frames == 2)
        #expect(run.context.nonDubboConnections == 0)
        #expect(run.context.dubboConnections == 0)
        #expect(run.context.streamStats.skippedBytes == 0)
        #expect(run.context.streamStats.frames == 0)
    }

    @Test("a preface split over several segments is still recognised, and no byte is counted twice")
    func prefaceSplit() {
        let run = Run()
        run.send(Array(Self.preface[0..<1]))
        #expect(run.consumer.wire == .undetermined)
        run.send(Array(Self.preface[1..<10]))
        #expect(run.consumer.wire == .undetermined)
        run.send(Array(Self.preface[10...]) + Self.emptySettings)
        #expect(run.consumer.wire == .triple)
        run.close()
        #expect(run.context.streamStats.skippedBytes == 0)
        #expect(run.context.tripleConnections == 1 && run.context.nonDubboConnections == 0)
        // The held prefix was replayed to the Triple decoder: the preface matched and the SETTINGS frame was found.
        #expect(run.context.tripleStats.framing.frames == 1 && run.context.tripleStats.framing.skippedBytes == 0)
    }

    @Test("bytes that start like the preface but differ go to the Dubbo decoder, held bytes first")
    func almostPreface() {
        let run = Run()
        let text = Array("PRI * HTTP/1.1\r\n".utf8)
        run.send(Array(text[0..<3]))
        run.send(Array(text[3...]))
        #expect(run.consumer.wire == .dubbo)
        run.close()
        // The Dubbo decoder scanned all of it for a header: every byte is skipped once, none lost, none twice.
        #expect(run.context.streamStats.skippedBytes + run.context.streamStats.trailingBytes == Int64(text.count))
        #expect(run.context.nonDubboConnections == 1)
    }

    @Test("Dubbo frames after a SYN go straight to the Dubbo decoder and give their record")
    func dubbo() {
        let run = Run()
        run.send(Self.heartbeatRequest, at: 10)
        #expect(run.consumer.wire == .dubbo)
        run.send(Self.heartbeatResponse, .responderToInitiator, at: 60)
        run.close()
        #expect(run.records.count == 1)
        #expect(run.records.first?.kind == .heartbeat)
        #expect(run.records.first?.requestID == 7)
        #expect(run.context.dubboConnections == 1)
        #expect(run.context.streamStats.frames == 2)
    }

    @Test("not from the start: Dubbo bytes stay Dubbo; HTTP/2 is recognised by plausible frame headers")
    func notFromTheStart() {
        let serverFirst = Run()
        serverFirst.send(Self.heartbeatResponse, .responderToInitiator)
        #expect(serverFirst.consumer.wire == .dubbo)

        let serverSettingsFirst = Run()
        serverSettingsFirst.send(Self.emptySettings, .responderToInitiator)
        #expect(serverSettingsFirst.consumer.wire == .triple)

        // Frames that chain are HTTP/2, but which side is the client waits for a header block; at the close the
        // port guess stands.
        let midstream = Run(midstream: true)
        midstream.send(Self.emptySettings + Self.emptySettings)
        #expect(midstream.consumer.wire == .undetermined)
        midstream.close()
        #expect(midstream.consumer.wire == .triple)
        #expect(midstream.context.tripleConnections == 1 && midstream.context.nonDubboConnections == 0)

        // Mid-stream one delivery proves nothing: it is held, and goes to the dubbo decoder at the end.
        let midstreamText = Run(midstream: true)
        midstreamText.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(midstreamText.consumer.wire == .undetermined)
        midstreamText.close()
        #expect(midstreamText.consumer.wire == .dubbo)
        #expect(midstreamText.context.nonDubboConnections == 1)
    }

    @Test("mid-stream Triple whose first deliveries prove nothing (a frame's tail, a lone PING) is still Triple")
    func midstreamTripleOverSeveralDeliveries() {
        let ping: [UInt8] = [0, 0, 8, 0x06, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
        let run = Run(midstream: true)
        run.send(Array(repeating: 0x61, count: 300), at: 1)  // the tail of a DATA frame cut by the capture's start
        run.send(ping, .responderToInitiator, at: 2)
        #expect(run.consumer.wire == .undetermined)
        run.send(ping, at: 3)
        run.send(ping + Self.emptySettings, .responderToInitiator, at: 4)
        #expect(run.consumer.wire == .undetermined, "HTTP/2 now, but no header block has named the client yet")
        run.close()
        #expect(run.consumer.wire == .triple)
        #expect(run.context.tripleConnections == 1 && run.context.nonDubboConnections == 0)
    }

    /// A request's header block (static-index `:method POST`, `:scheme http`, `:path` as a literal with an indexed
    /// name, RFC 7541 Appendix A) and a response's (`:status 200`), then a trailer block; written out by hand.
    static func headers(_ block: [UInt8], stream: UInt8, endStream: Bool = false) -> [UInt8] {
        [0, 0, UInt8(block.count), 0x01, endStream ? 0x05 : 0x04, 0, 0, 0, stream] + block
    }
    static let requestBlock: [UInt8] = [0x83, 0x86, 0x04, 12] + Array("/demo.S/call".utf8)
    static let trailerBlock: [UInt8] = [0x00, 11] + Array("grpc-status".utf8) + [1, 0x30]

    @Test("mid-stream with the client on the lower port: the request header block names it, whatever the ports said")
    func midstreamRolesFromHeaders() throws {
        // Ports say the initiator (40000) is the client; here the responder (20880) sends the request.
        let run = Run(midstream: true)
        run.send(Self.emptySettings + Self.emptySettings, at: 1)
        // The request: HEADERS, then DATA ending the stream with an empty gRPC message (5-byte prefix only).
        let data: [UInt8] = [0, 0, 5, 0x00, 0x01, 0, 0, 0, 3, 0, 0, 0, 0, 0]
        run.send(Self.headers(Self.requestBlock, stream: 3) + data, .responderToInitiator, at: 2)
        #expect(run.consumer.wire == .triple)
        run.send(Self.headers([0x88], stream: 3) + Self.headers(Self.trailerBlock, stream: 3, endStream: true), at: 5)
        run.close()
        let call = try #require(run.records.first { $0.kind == .call })
        #expect(call.client.port == 20_880 && call.server.port == 40_000)
        #expect(call.serviceName == "demo.S" && call.methodName == "call")
        #expect(call.status == nil && call.latencyMicroseconds == 3)
    }

    @Test("mid-stream Dubbo cut inside a frame: held bytes and the next frames reach the Dubbo decoder in order")
    func midstreamDubboAfterPartialFrame() {
        let run = Run(midstream: true)
        run.send(Array(Self.heartbeatRequest[5...]), at: 1)
        run.send(Self.heartbeatRequest, at: 2)
        #expect(run.consumer.wire == .dubbo)
        run.send(Self.heartbeatResponse, .responderToInitiator, at: 3)
        run.close()
        #expect(run.context.dubboConnections == 1)
        #expect(run.context.streamStats.skippedBytes == 12, "the cut frame's 12 bytes are skipped, once")
        #expect(run.records.count == 1)
    }

    @Test("a gap before the protocol is known hands the connection to the Dubbo decoder, held bytes first")
    func gapWhileUndetermined() {
        let run = Run()
        run.send(Array(Self.preface[0..<5]))
        run.consumer.gap(length: 100, direction: .initiatorToResponder, time: run.time(5))
        #expect(run.consumer.wire == .dubbo)
        run.close()
        #expect(run.context.streamStats.gapBytes == 100)
    }
}
