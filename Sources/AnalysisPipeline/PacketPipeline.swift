package import Correlation
package import DubboWire
package import InspectorCore
package import NetworkLayers
package import PacketCapture
package import TCPReassembly

/// The synchronous hot path, packet by packet: link/IP/TCP → reassembly → Dubbo frames → bodies → correlation.
/// Capture time drives everything time-based (idle flushing, request timeouts), so a replay gives the same answer.
package struct PacketPipeline {
    package let context: AnalysisContext
    private var dissector = PacketDissector()
    private var reassembler: TCPReassembler<ConnectionConsumerFactory>
    private var nextHousekeeping: CaptureTime?
    package private(set) var lastTime: CaptureTime = .zero
    package private(set) var packets = 0

    /// How often (capture time) idle connections are flushed and timed-out requests expired.
    private static let housekeepingInterval: Int64 = 1_000_000_000

    package init(limits: Limits, depth: DubboBodyDecoder.Depth, emit: @escaping Correlator.Emit) {
        context = AnalysisContext(limits: limits, depth: depth, emit: emit)
        reassembler = TCPReassembler(
            factory: ConnectionConsumerFactory(context: context, maxBodyLength: limits.maxBodyLength), limits: limits)
    }

    package mutating func process(_ packet: CapturedPacket) {
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
    package mutating func advance(to now: CaptureTime) {
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
    package mutating func finish() {
        reassembler.finish(time: lastTime)
        let emit = context.emit
        context.correlator.finish(at: lastTime, emit)
    }

    package var networkStats: NetworkLayerStats { dissector.stats }
    package var reassemblyStats: ReassemblyStats { reassembler.stats }

    /// The run summary of everything this pipeline did, with the capture's own counters and the records emitted:
    /// the one place a summary is filled in (files are the caller's to add).
    package func summary(capture: CaptureStats, records: Int) -> RunSummary {
        var summary = RunSummary()
        summary.capture = capture
        summary.network = networkStats
        summary.reassembly = reassemblyStats
        summary.streams = context.streamStats
        summary.correlation = context.correlator.stats
        // The per-kind counts cover Triple records too; the rest of the correlation line is dubbo's own.
        let triple = context.tripleKinds
        summary.correlation.calls += triple.calls
        summary.correlation.heartbeats += triple.heartbeats
        summary.correlation.orphanResponses += triple.orphanResponses
        summary.correlation.noResponse += triple.noResponse
        summary.dubboConnections = context.dubboConnections
        summary.nonDubboConnections = context.nonDubboConnections
        summary.tripleConnections = context.tripleConnections
        summary.triple = context.tripleStats
        summary.undecodedBodies = context.undecodedReasons.total
        summary.undecodedReasons = context.undecodedReasons
        summary.records = records
        return summary
    }
}
