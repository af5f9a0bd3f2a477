package import Correlation
package import InspectorCore
package import PacketCapture
package import TCPReassembly

/// The synchronous hot path, packet by packet: link/IP/TCP → reassembly → Dubbo frames → bodies → correlation.
/// Capture time drives everything time-based (idle flushing, request timeouts), so a replay gives the same answer.
package struct PacketPipeline {
    package let context: AnalysisContext
    private var stage: ReassemblyStage<ConnectionConsumerFactory>

    /// `configure` adjusts the context before any packet reaches it.
    package init(
        limits: Limits, plan: DecodePlan, configure: (AnalysisContext) -> Void = { _ in },
        emit: @escaping Correlator.Emit
    ) {
        context = AnalysisContext(limits: limits, plan: plan, emit: emit)
        configure(context)
        stage = ReassemblyStage(
            factory: ConnectionConsumerFactory(context: context, maxBodyLength: limits.maxBodyLength), limits: limits)
    }

    package mutating func process(_ packet: CapturedPacket) {
        context.advanceClock(to: packet.time)
        if let now = stage.process(packet) { context.expire(now: now) }
    }

    /// Live capture with no packet for a while: let time move on to `now` (the wall clock, which live capture
    /// times follow) so idle connections are flushed and requests time out. Ignored unless `now` is later.
    package mutating func advance(to now: CaptureTime) {
        if let now = stage.advance(to: now) { context.expire(now: now) }
    }

    /// End of input: close every connection (incomplete frames are reported), then report what is still pending.
    package mutating func finish() {
        context.finish(at: stage.finish())
    }

    package var reassemblyStats: ReassemblyStats { stage.reassemblyStats }

    /// The run summary of everything this pipeline did, with the capture's own counters and the records emitted
    /// (files are the caller's to add).
    package func summary(capture: CaptureStats, records: Int) -> RunSummary {
        RunSummary(
            capture: capture, network: stage.networkStats, reassembly: stage.reassemblyStats, contexts: [context],
            records: records)
    }
}
