import InspectorCore
import NetworkLayers
import TCPReassembly
import TestSupport
import Testing

@Suite("TCPReassembler robustness")
struct ReassemblerRobustnessTests {
    /// Random segments between a few endpoints: random flags, sequence numbers near a per-sender base (and
    /// sometimes anywhere), snap-length cuts, tight limits, idle flushes.
    static func randomRun(seed: UInt64) -> TCPReassembler<RecordingFactory> {
        var generator = SeededRandom(seed: seed)
        let server = Peers.server
        let clients = (1...3).map { Endpoint(address: IPAddress(10, 0, 2, UInt8($0)), port: UInt16(40_000 + $0)) }
        let bases: [UInt32] = [0xFFFF_FF00, 7, 0x8000_0000]
        var limits = Limits()
        limits.maxFlows = 2
        limits.maxBufferedBytesPerFlow = 300
        limits.maxBufferedSegmentsPerFlow = 5
        limits.maxBufferedBytesTotal = 500
        limits.flowIdleTimeoutSeconds = 20
        var reassembler = TCPReassembler(factory: RecordingFactory(), limits: limits)
        var time: Int64 = 1
        for _ in 0..<3_000 {
            let which = Int.random(in: 0..<3, using: &generator)
            let toServer = Bool.random(using: &generator)
            let (source, destination) = toServer ? (clients[which], server) : (server, clients[which])
            var flags: TCPFlags = []
            for (flag, odds) in [(TCPFlags.syn, 30), (.fin, 30), (.rst, 80), (.ack, 2)]
            where
                Int.random(in: 0..<odds, using: &generator) == 0
            {
                flags.insert(flag)
            }
            let base = bases[which] &+ (toServer ? 0 : 0x1000_0000)
            let sequence =
                Int.random(in: 0..<50, using: &generator) == 0
                ? UInt32.random(in: 0...UInt32.max, using: &generator)
                : base &+ UInt32.random(in: 0..<4_000, using: &generator)
            let acknowledgment =
                (toServer ? bases[which] &+ 0x1000_0000 : base)
                &+ UInt32.random(
                    in: 0..<4_000, using: &generator)
            let payloadCount = Int.random(in: 0...120, using: &generator)
            let payload = (0..<payloadCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let cut = Int.random(in: 0..<10, using: &generator) == 0 ? Int.random(in: 1...200, using: &generator) : 0
            let segment = TCPSegment(
                source: source, destination: destination, sequence: sequence, acknowledgment: acknowledgment,
                flags: flags, window: 1_000, payloadOffset: 0, capturedPayloadLength: payload.count,
                payloadLength: payload.count + cut)
            time += Int64.random(in: 0...3, using: &generator)
            reassembler.process(segment, payload: payload.span, time: .at(time))
            reassembler.flushIdle(now: .at(time))
        }
        reassembler.finish(time: .at(time + 1))
        return reassembler
    }

    @Test(
        "random segments never trap; every connection gets opened-before-data and exactly one final close",
        arguments: [1, 2, 3, 4] as [UInt64])
    func randomSegmentsKeepTheContract(seed: UInt64) {
        let reassembler = Self.randomRun(seed: seed)
        let log = reassembler.factory.log
        var opened: Set<[Int]> = []
        var closed: Set<Int> = []
        var violations: [String] = []
        var delivered = 0
        var gapBytes = 0
        for event in log.events {
            switch event {
            case .opened(let c, let d, _, _):
                if opened.contains([c, d.hashValue]) || closed.contains(c) { violations.append("\(event)") }
                opened.insert([c, d.hashValue])
            case .received(let c, let d, let bytes, _):
                if !opened.contains([c, d.hashValue]) || closed.contains(c) || bytes.isEmpty {
                    violations.append("\(event)")
                }
                delivered += bytes.count
            case .gap(let c, let d, let length, _):
                if !opened.contains([c, d.hashValue]) || closed.contains(c) || length <= 0 {
                    violations.append("\(event)")
                }
                gapBytes += length
            case .closed(let c, _, _):
                if closed.contains(c) { violations.append("\(event)") }
                closed.insert(c)
            }
        }
        #expect(violations.isEmpty)
        #expect(closed.count == log.connections.count)
        #expect(delivered == reassembler.stats.bytesDelivered)
        #expect(gapBytes == reassembler.stats.gapBytes)
        #expect(reassembler.stats.currentBufferedBytes == 0)
        #expect(reassembler.stats.currentConnections == 0)
        #expect(reassembler.stats.peakConnections <= 2)
        #expect(reassembler.stats.peakBufferedBytes <= 500 + 120)
        let closes = StreamEnd.allCases.map { reassembler.stats.connectionsClosed(by: $0) }.reduce(0, +)
        #expect(closes == reassembler.stats.connectionsOpened)
        #expect(reassembler.stats.segments == 3_000)
    }
}
