import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import PacketCapture
import TCPReassembly

/// `PacketPipeline` on several threads: link/IP/TCP and reassembly on the caller's; decoding and correlation on
/// decoding threads of their own, fed the connections' events through bounded `BatchPipe`s.
///
/// One decoding thread replays exactly the events the single-threaded pipeline's consumers get, in the same order
/// (housekeeping and the end of input included), so the records, their order and the summary are the same; the
/// price is one copy of each payload.
///
/// Several decoding threads are shards: each has its own context (correlator, decoders) and the connections whose
/// slot falls to it; housekeeping and the end of input reach every shard. A connection's records come only from its
/// shard, and the shards' records are put back into the single-threaded order by `RecordMerge`, by the ordinal of
/// the event that produced each one (and, for requests given up on at one moment, their place in request order —
/// shards number requests by event ordinal). Unchanged output has two conditions: every event is stamped with the
/// run's clock, so how long an unanswered request is known to have waited does not depend on which connections a
/// shard sees; and the limits that bound the whole run's memory are split between the shards (`AnalysisContext`),
/// so once one is reached (the summary counts it) which state is given up can differ.
final class ThreadedPacketPipeline {
    /// Enough batches in flight to ride out a burst of slow decoding, few enough to bound memory (a few MiB).
    static let maxBatches = 6

    private var stage: ReassemblyStage<ForwardingConsumerFactory>
    private let writer: StreamEventWriter
    private let pipes: [BatchPipe<StreamEventBatch>]
    private let shards: [DecodingStage]
    private let merge: RecordMerge?

    /// One decoding thread. `configure` adjusts the context before any event reaches it; `emit` is called on the
    /// decoding thread.
    convenience init(
        limits: Limits, plan: DecodePlan, configure: (AnalysisContext) -> Void,
        emit: @escaping Correlator.Emit
    ) {
        self.init(limits: limits, plan: plan, shards: 1, records: .emitted(emit), configure: configure)
    }

    /// `shards` decoding threads (two or more), their records merged in order and delivered on a thread of its own.
    /// `configure` adjusts each shard's context before any event reaches it; with `rendering` each shard renders its
    /// own records (and frees them unless `rendering.keepsRecords`).
    convenience init(
        limits: Limits, plan: DecodePlan, shards: Int, configure: (AnalysisContext) -> Void,
        rendering: OfflineAnalysis.ShardRendering?, sink: @escaping (inout CallRecord) -> Void
    ) {
        precondition(shards >= 2)
        let merge = RecordMerge(shards: shards, delivery: .init(sink: sink, write: rendering?.write))
        self.init(
            limits: limits, plan: plan, shards: shards, records: .merged(merge, rendering), configure: configure)
    }

    /// Where the decoding threads' records go.
    private enum Records {
        /// Straight to `emit`, on the one decoding thread.
        case emitted(Correlator.Emit)
        /// Keyed (and rendered, with a rendering), to the merge (`ShardOutput`).
        case merged(RecordMerge, OfflineAnalysis.ShardRendering?)
    }

    private init(
        limits: Limits, plan: DecodePlan, shards count: Int, records: Records,
        configure: (AnalysisContext) -> Void
    ) {
        var shards: [DecodingStage] = []
        for index in 0..<count {
            let output: ShardOutput?
            let emit: Correlator.Emit
            switch records {
            case .emitted(let direct):
                (output, emit) = (nil, direct)
            case .merged(let merge, let rendering):
                let keyed = ShardOutput(
                    merge: merge, shard: index, render: rendering?.makeRenderer(),
                    keepsRecords: rendering?.keepsRecords ?? true)
                (output, emit) = (keyed, { keyed.append($0) })
            }
            let context = AnalysisContext(limits: limits, plan: plan, shares: count, emit: emit)
            configure(context)
            shards.append(
                DecodingStage(context: context, maxBodyLength: limits.maxBodyLength, shards: count, output: output))
        }
        // Shards share the one decoding thread's allowance of batches in flight (two each at least): every round
        // reaches every shard, so more per shard would only hold more memory.
        let batchesPerShard = max(2, Self.maxBatches / count)
        pipes = shards.map { shard in BatchPipe(maxBatches: batchesPerShard) { shard.replay(&$0) } }
        self.shards = shards
        if case .merged(let merge, _) = records { self.merge = merge } else { merge = nil }
        writer = StreamEventWriter(pipes: pipes)
        stage = ReassemblyStage(factory: ForwardingConsumerFactory(writer: writer), limits: limits)
    }

    func process(_ packet: CapturedPacket) {
        if packet.time > writer.clock { writer.clock = packet.time }
        if let now = stage.process(packet) { writer.append(.housekeeping, time: now) }
    }

    /// End of input: closes every connection, then waits for the decoding threads (and the merge) to have handled
    /// everything.
    func finish() {
        writer.append(.finish, time: stage.finish())
        writer.flush()
        for pipe in pipes { pipe.finish() }
        merge?.finish()
    }

    /// The summary, as `PacketPipeline.summary`; only after `finish`.
    func summary(capture: CaptureStats, records: Int) -> RunSummary {
        var summary = RunSummary(
            capture: capture, network: stage.networkStats, reassembly: stage.reassemblyStats,
            contexts: shards.map(\.context), records: records)
        // The shards' peaks need not fall at the same moment: the merge followed their sum.
        if let merge { summary.correlation.peakPending = merge.peakPending }
        return summary
    }
}

/// A decoding thread's side: the real consumer of each of its connections, by slot, and the context they feed.
/// Touched only by that thread until its pipe has finished.
final class DecodingStage: @unchecked Sendable {
    // @unchecked: handed to the decoding thread before the first batch; read by the caller only after `finish`,
    // which joins that thread.
    let context: AnalysisContext
    private var factory: ConnectionConsumerFactory
    private var consumers: [ConnectionConsumer?] = []
    private let shards: Int
    /// Where the context's records go in a sharded run (nil: straight to the run's `emit`).
    private let output: ShardOutput?

    init(context: AnalysisContext, maxBodyLength: Int, shards: Int = 1, output: ShardOutput? = nil) {
        self.context = context
        self.shards = shards
        self.output = output
        factory = ConnectionConsumerFactory(context: context, maxBodyLength: maxBodyLength)
    }

    func replay(_ batch: inout StreamEventBatch) {
        batch.bytes.withUnsafeBufferPointer { bytes in
            for event in batch.events {
                context.advanceClock(to: event.clock)
                var pendingBefore = 0
                if let output {
                    output.begin(event.ordinal, everyShard: event.slot < 0)
                    context.correlator.advanceSequence(to: RecordMerge.firstRequestOrder(of: event.ordinal))
                    context.correlator.markPeak()
                    pendingBefore = context.correlator.pendingCount
                }
                // This shard's connections have slots shard, shard + shards, …: index by slot / shards.
                let index = Int(event.slot) / shards
                switch event.kind {
                case .connection(let info):
                    while consumers.count <= index { consumers.append(nil) }
                    consumers[index] = factory.makeConsumer(for: info)
                case .opened(let direction, let midstream):
                    consumers[index]?.opened(direction, midstream: midstream, time: event.time)
                case .received(let direction, let start, let count):
                    let span = UnsafeBufferPointer(rebasing: bytes[start..<start + count]).span
                    consumers[index]?.received(span, direction: direction, time: event.time)
                case .gap(let direction, let length):
                    consumers[index]?.gap(length: length, direction: direction, time: event.time)
                case .closed(let end):
                    consumers[index]?.closed(end, time: event.time)
                    consumers[index] = nil
                case .housekeeping:
                    context.expire(now: event.time)
                case .finish:
                    context.finish(at: event.time)
                }
                output?.endEvent(
                    pendingBefore: pendingBefore, after: context.correlator.pendingCount,
                    peak: context.correlator.peakSinceMark)
            }
        }
        output?.endRound()
    }
}
