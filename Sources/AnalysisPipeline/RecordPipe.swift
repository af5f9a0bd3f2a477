package import Correlation
import InspectorCore

/// Carries finished call records from the analysis thread to a second thread that renders, aggregates or exports
/// them, so decoding and output run on two cores at once.
///
/// Records travel in batches (one lock round per `batchSize` records); at most `maxBatches` wait, so memory is
/// bounded and a slow consumer slows the producer down instead of piling records up — offline there is no packet to
/// drop, only a file to read later. Order is kept: one producer, one consumer, first in first out. `finish()`
/// returns once the consumer has handled every record, so whatever the sink wrote is complete afterwards.
package final class RecordPipe: @unchecked Sendable {
    // @unchecked: `queue` is a lock; `pending` belongs to the producer and `sink` to the consumer thread (handed
    // over before it starts, never touched by the producer again).
    package static let batchSize = 256
    package static let maxBatches = 8

    private struct Queue {
        var batches: [[CallRecord]] = []
        var finished = false
    }

    private let queue = WaitableState(Queue())
    private var pending: [CallRecord] = []
    private var consumer: PosixThread?

    /// `sink` gets each record in place in its batch (so it may finish decoding it) without copying it.
    package init(sink: @escaping (inout CallRecord) -> Void) {
        pending.reserveCapacity(Self.batchSize)
        let handoff = Handoff(sink)
        consumer = PosixThread { [self] in
            guard let sink = handoff.take() else { return }
            self.consume(sink)
        }
    }

    /// Producer side: queues one record (sent when a batch is full).
    package func send(_ record: consuming CallRecord) {
        pending.append(record)
        if pending.count >= Self.batchSize { flush() }
    }

    /// Producer side: sends what is left, then waits until the consumer has handled everything and stopped.
    package func finish() {
        flush()
        queue.update { $0.finished = true }
        consumer?.join()
        consumer = nil
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        var batch: [CallRecord] = []
        batch.reserveCapacity(Self.batchSize)
        swap(&batch, &pending)
        // Moved (swapped in), not shared: the consumer works on the records in place, which would copy a batch
        // still referenced here.
        queue.wait(until: nil, ready: { $0.batches.count < Self.maxBatches }) { queue in
            queue.batches.append([])
            swap(&queue.batches[queue.batches.count - 1], &batch)
        }
    }

    /// Consumer thread: takes every waiting batch at once and hands its records to `sink`, until finished.
    private func consume(_ sink: (inout CallRecord) -> Void) {
        var taken: [[CallRecord]] = []
        while true {
            let done = queue.wait(until: nil, ready: { !$0.batches.isEmpty || $0.finished }) { queue in
                let done = queue.batches.isEmpty && queue.finished
                swap(&taken, &queue.batches)
                return done
            }
            if done { return }
            // In place: iterating would copy each record, retaining every string it holds.
            for batchIndex in taken.indices {
                for index in taken[batchIndex].indices { sink(&taken[batchIndex][index]) }
            }
            taken.removeAll(keepingCapacity: true)
        }
    }
}
