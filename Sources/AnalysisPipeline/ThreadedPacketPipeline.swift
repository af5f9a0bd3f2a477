import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import PacketCapture
import TCPReassembly

/// `PacketPipeline` on two threads: link/IP/TCP and reassembly on the caller's, decoding and correlation on one of
/// its own, fed the connections' events through a bounded `BatchPipe`. The decoding thread replays exactly the
/// events the single-threaded pipeline's consumers get, in the same order (housekeeping and the end of input
/// included), so the records, their order and the summary are the same; the price is one copy of each payload.
final class ThreadedPacketPipeline {
    /// Enough batches in flight to ride out a burst of slow decoding, few enough to bound memory (a few MiB).
    static let maxBatches = 6

    private var stage: ReassemblyStage<ForwardingConsumerFactory>
    private let writer: StreamEventWriter
    private let pipe: BatchPipe<StreamEventBatch>
    private let decoding: DecodingStage

    /// `configure` adjusts the context before any event reaches it; `emit` is called on the decoding thread.
    init(
        limits: Limits, depth: DubboBodyDecoder.Depth, configure: (AnalysisContext) -> Void,
        emit: @escaping Correlator.Emit
    ) {
        let context = AnalysisContext(limits: limits, depth: depth, emit: emit)
        configure(context)
        let decoding = DecodingStage(context: context, maxBodyLength: limits.maxBodyLength)
        pipe = BatchPipe(maxBatches: Self.maxBatches) { decoding.replay($0) }
        self.decoding = decoding
        writer = StreamEventWriter(pipe: pipe)
        stage = ReassemblyStage(factory: ForwardingConsumerFactory(writer: writer), limits: limits)
    }

    func process(_ packet: CapturedPacket) {
        if let now = stage.process(packet) { writer.append(.housekeeping, time: now) }
    }

    /// End of input: closes every connection, then waits for the decoding thread to have handled everything.
    func finish() {
        writer.append(.finish, time: stage.finish())
        writer.flush()
        pipe.finish()
    }

    /// The summary, as `PacketPipeline.summary`; only after `finish`.
    func summary(capture: CaptureStats, records: Int) -> RunSummary {
        RunSummary(
            capture: capture, network: stage.networkStats, reassembly: stage.reassemblyStats,
            context: decoding.context, records: records)
    }
}

/// The decoding thread's side: the real consumer of each connection, by slot, and the context they feed.
/// Touched only by that thread until the pipe has finished.
final class DecodingStage: @unchecked Sendable {
    // @unchecked: handed to the decoding thread before the first batch; read by the caller only after `finish`,
    // which joins that thread.
    let context: AnalysisContext
    private var factory: ConnectionConsumerFactory
    private var consumers: [ConnectionConsumer?] = []

    init(context: AnalysisContext, maxBodyLength: Int) {
        self.context = context
        factory = ConnectionConsumerFactory(context: context, maxBodyLength: maxBodyLength)
    }

    func replay(_ batch: StreamEventBatch) {
        batch.bytes.withUnsafeBufferPointer { bytes in
            for event in batch.events {
                let slot = Int(event.slot)
                switch event.kind {
                case .connection(let info):
                    while consumers.count <= slot { consumers.append(nil) }
                    consumers[slot] = factory.makeConsumer(for: info)
                case .opened(let direction, let midstream):
                    consumers[slot]?.opened(direction, midstream: midstream, time: event.time)
                case .received(let direction, let start, let count):
                    let span = UnsafeBufferPointer(rebasing: bytes[start..<start + count]).span
                    consumers[slot]?.received(span, direction: direction, time: event.time)
                case .gap(let direction, let length):
                    consumers[slot]?.gap(length: length, direction: direction, time: event.time)
                case .closed(let end):
                    consumers[slot]?.closed(end, time: event.time)
                    consumers[slot] = nil
                case .housekeeping:
                    context.expire(now: event.time)
                case .finish:
                    context.finish(at: event.time)
                }
            }
        }
    }
}
