import InspectorCore
import NetworkLayers
import PacketCapture
import TCPReassembly

/// The first half of the hot path, packet by packet: link/IP/TCP → reassembly, each connection's ordered bytes
/// handed to a consumer `Factory` makes. Capture time drives idle flushing, so a replay gives the same answer;
/// what else waits on time (requests timing out) is the caller's, told by the housekeeping times returned.
struct ReassemblyStage<Factory: TCPStreamConsumerFactory> {
    private var dissector = PacketDissector()
    private var reassembler: TCPReassembler<Factory>
    private var nextHousekeeping: CaptureTime?
    private(set) var lastTime: CaptureTime = .zero

    /// How often (capture time) idle connections are flushed and timed-out requests expired.
    private static var housekeepingInterval: Int64 { 1_000_000_000 }

    init(factory: Factory, limits: Limits) {
        reassembler = TCPReassembler(factory: factory, limits: limits)
    }

    /// Feeds one packet. Returns the capture time at which housekeeping ran after it (idle connections closed),
    /// or nil: the caller then expires what waits on time, at that point of the event order.
    mutating func process(_ packet: CapturedPacket) -> CaptureTime? {
        let time = packet.time
        if time > lastTime { lastTime = time }
        packet.withSpan { bytes in
            guard case .tcp(let segment) = dissector.dissect(bytes, linkType: packet.linkType, originalLength: packet.originalLength)
            else { return }
            let payloadEnd = segment.payloadOffset + segment.capturedPayloadLength
            guard segment.payloadOffset >= 0, payloadEnd <= bytes.count else { return }
            reassembler.process(segment, payload: bytes.extracting(segment.payloadOffset..<payloadEnd), time: time)
        }
        return housekeepingIfDue()
    }

    /// Live capture with no packet for a while: lets time move on to `now` (the wall clock, which live capture
    /// times follow). Ignored unless `now` is later. Returns the housekeeping time as `process` does.
    mutating func advance(to now: CaptureTime) -> CaptureTime? {
        guard now > lastTime else { return nil }
        lastTime = now
        return housekeepingIfDue()
    }

    private mutating func housekeepingIfDue() -> CaptureTime? {
        if let due = nextHousekeeping, lastTime < due { return nil }
        nextHousekeeping = lastTime.adding(nanoseconds: Self.housekeepingInterval)
        reassembler.flushIdle(now: lastTime)
        return lastTime
    }

    /// End of input: closes every connection (incomplete frames are reported). Returns the capture's last time.
    mutating func finish() -> CaptureTime {
        reassembler.finish(time: lastTime)
        return lastTime
    }

    var networkStats: NetworkLayerStats { dissector.stats }
    var reassemblyStats: ReassemblyStats { reassembler.stats }
}
