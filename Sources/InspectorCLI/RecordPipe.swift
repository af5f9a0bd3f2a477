import Correlation
import Glibc

/// Carries finished call records from the analysis thread to a second thread that renders, aggregates or exports
/// them, so decoding and output run on two cores at once.
///
/// Records travel in batches (one lock round per `batchSize` records); at most `maxBatches` wait, so memory is
/// bounded and a slow consumer slows the producer down instead of piling records up — offline there is no packet to
/// drop, only a file to read later. Order is kept: one producer, one consumer, first in first out. `finish()`
/// returns once the consumer has handled every record, so whatever the sink wrote is complete afterwards.
final class RecordPipe: @unchecked Sendable {
    // @unchecked: `batches` and `finished` are only touched with `mutex` held; `pending` belongs to the producer
    // and `sink` to the consumer thread (handed over before it starts, never touched by the producer again).
    static let batchSize = 256
    static let maxBatches = 8

    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var batches: [[CallRecord]] = []
    private var finished = false
    private var pending: [CallRecord] = []
    private var consumer: LiveThread?

    /// `sink` gets each record in place in its batch (so it may finish decoding it) without copying it.
    init(sink: @escaping (inout CallRecord) -> Void) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        pending.reserveCapacity(Self.batchSize)
        let handoff = Handoff(sink)
        consumer = LiveThread { [self] in
            guard let sink = handoff.take() else { return }
            self.consume(sink)
        }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// Producer side: queues one record (sent when a batch is full).
    func send(_ record: consuming CallRecord) {
        pending.append(record)
        if pending.count >= Self.batchSize { flush() }
    }

    /// Producer side: sends what is left, then waits until the consumer has handled everything and stopped.
    func finish() {
        flush()
        pthread_mutex_lock(&mutex)
        finished = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        consumer?.join()
        consumer = nil
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        var batch: [CallRecord] = []
        batch.reserveCapacity(Self.batchSize)
        swap(&batch, &pending)
        pthread_mutex_lock(&mutex)
        while batches.count >= Self.maxBatches {
            pthread_cond_wait(&changed, &mutex)
        }
        // Moved, not shared: the consumer works on the records in place, which would copy a batch still referenced
        // here.
        batches.append(consume batch)
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
    }

    /// Consumer thread: takes every waiting batch at once and hands its records to `sink`, until finished.
    private func consume(_ sink: (inout CallRecord) -> Void) {
        var taken: [[CallRecord]] = []
        while true {
            pthread_mutex_lock(&mutex)
            while batches.isEmpty, !finished {
                pthread_cond_wait(&changed, &mutex)
            }
            let done = batches.isEmpty && finished
            swap(&taken, &batches)
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
            if done { return }
            // In place: iterating would copy each record, retaining every string it holds.
            for batchIndex in taken.indices {
                for index in taken[batchIndex].indices { sink(&taken[batchIndex][index]) }
            }
            taken.removeAll(keepingCapacity: true)
        }
    }
}
