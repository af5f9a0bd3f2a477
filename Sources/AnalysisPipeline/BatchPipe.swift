import InspectorCore

/// A batch a `BatchPipe` carries: emptied by the consumer and handed back to the producer to be filled again, so
/// once the first batches have grown neither side allocates.
package protocol RecyclableBatch {
    init()
    var isEmpty: Bool { get }
    /// Drops the contents and keeps the capacity.
    mutating func recycle()
}

/// Carries batches from one producer thread to one consumer thread, first in first out. At most `maxBatches`
/// wait, so memory is bounded and a slow consumer slows the producer down instead of piling work up (offline there
/// is nothing to drop, only a file to read later). The lock is taken once per batch sent and once per round of
/// batches taken. `finish()` returns once the consumer has handled every batch, so what it did is complete after.
package final class BatchPipe<Batch: RecyclableBatch>: @unchecked Sendable {
    // @unchecked: `queue` is a lock; `sink` belongs to the consumer thread (handed over before it starts, never
    // touched by the producer again), `consumer` to the producer.
    private struct Queue {
        var full: [Batch] = []
        var empty: [Batch] = []
        var finished = false
    }

    private let maxBatches: Int
    private let queue = WaitableState(Queue())
    private var consumer: PosixThread?

    /// `sink` gets each batch in place (so it may work on its contents without copying them), on its own thread.
    package init(maxBatches: Int, sink: @escaping (inout Batch) -> Void) {
        self.maxBatches = max(1, maxBatches)
        let handoff = Handoff(sink)
        consumer = PosixThread { [self] in
            guard let sink = handoff.take() else { return }
            self.consume(sink)
        }
    }

    /// Producer side: hands `batch` over (waiting while `maxBatches` are queued) and leaves an empty one in its place,
    /// recycled when the consumer has one back. An empty batch is not sent. Returns how many batches wait for the
    /// consumer, this one included (0 when nothing was sent).
    @discardableResult
    package func send(_ batch: inout Batch) -> Int {
        guard !batch.isEmpty else { return 0 }
        // Moved (swapped in), not shared: the consumer works on the batch in place, which would copy one still
        // referenced here.
        return queue.wait(until: nil, ready: { $0.full.count < self.maxBatches }) { queue in
            queue.full.append(Batch())
            swap(&queue.full[queue.full.count - 1], &batch)
            if let recycled = queue.empty.popLast() { batch = recycled }
            return queue.full.count
        }
    }

    /// Producer side: waits until the consumer has handled every batch sent and stopped.
    package func finish() {
        queue.update { $0.finished = true }
        consumer?.join()
        consumer = nil
    }

    /// Consumer thread: takes every waiting batch at once and hands each to `sink`, until finished; the emptied
    /// batches go back with the next round.
    private func consume(_ sink: (inout Batch) -> Void) {
        var taken: [Batch] = []
        while true {
            let done = queue.wait(until: nil, ready: { !$0.full.isEmpty || $0.finished }) { queue in
                if queue.empty.count < maxBatches { queue.empty.append(contentsOf: taken.prefix(maxBatches - queue.empty.count)) }
                taken.removeAll(keepingCapacity: true)
                let done = queue.full.isEmpty && queue.finished
                swap(&taken, &queue.full)
                return done
            }
            if done { return }
            for index in taken.indices {
                sink(&taken[index])
                taken[index].recycle()
            }
        }
    }
}
