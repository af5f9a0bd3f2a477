import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import PacketCapture
import TCPReassembly

/// The synchronous hot path, packet by packet: link/IP/TCP → reassembly → Dubbo frames → bodies → correlation.
/// Capture time drives everything time-based (idle flushing, request timeouts), so a replay gives the same answer.
struct PacketPipeline {
    let context: AnalysisContext
    private var dissector = PacketDissector()
    private var reassembler: TCPReassembler<DubboConnectionFactory>
    private var nextHousekeeping: CaptureTime?
    private(set) var lastTime: CaptureTime = .zero
    private(set) var packets = 0

    /// How often (capture time) idle connections are flushed and timed-out requests expired.
    private static let housekeepingInterval: Int64 = 1_000_000_000

    init(limits: Limits, depth: DubboBodyDecoder.Depth, emit: @escaping Correlator.Emit) {
        context = AnalysisContext(limits: limits, depth: depth, emit: emit)
        reassembler = TCPReassembler(
            factory: DubboConnectionFactory(context: context, maxBodyLength: limits.maxBodyLength), limits: limits)
    }

    mutating func process(_ packet: CapturedPacket) {
        packets += 1
        let time = packet.time
        if time > lastTime { lastTime = time }
        packet.withSpan { bytes in
            guard case .tcp(let segment) = dissector.dissect(bytes, linkType: packet.linkType, originalLength: packet.originalLength)
            else { return }
            let payloadEnd = segment.payloadOffset + segment.capturedPayloadLength
            guard segment.payloadOffset >= 0, payloadEnd <= bytes.count else { return }
            reassembler.process(segment, payload: bytes.extracting(segment.payloadOffset..<payloadEnd), time: time)
        }
        if let due = nextHousekeeping, lastTime < due { return }
        housekeeping(now: lastTime)
    }

    /// Live capture with no packet for a while: let time move on to `now` (the wall clock, which live capture
    /// times follow) so idle connections are flushed and requests time out. Ignored unless `now` is later.
    mutating func advance(to now: CaptureTime) {
        guard now > lastTime else { return }
        lastTime = now
        if let due = nextHousekeeping, now < due { return }
        housekeeping(now: now)
    }

    private mutating func housekeeping(now: CaptureTime) {
        nextHousekeeping = now.adding(nanoseconds: Self.housekeepingInterval)
        reassembler.flushIdle(now: now)
        let emit = context.emit
        context.correlator.expire(now: now, emit)
    }

    /// End of input: close every connection (incomplete frames are reported), then report what is still pending.
    mutating func finish() {
        reassembler.finish(time: lastTime)
        let emit = context.emit
        context.correlator.finish(emit)
    }

    var networkStats: NetworkLayerStats { dissector.stats }
    var reassemblyStats: ReassemblyStats { reassembler.stats }
}
