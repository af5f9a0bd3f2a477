package import Correlation
import InspectorCore

/// Carries finished call records from the analysis thread to a second thread that renders, aggregates or exports
/// them, so decoding and output run on two cores at once.
///
/// Records travel in batches of `batchSize` through a `BatchPipe` (at most `maxBatches` wait). Order is kept: one
/// producer, one consumer, first in first out. `finish()` returns once the consumer has handled every record, so
/// whatever the sink wrote is complete afterwards.
package final class RecordPipe: @unchecked Sendable {
    // @unchecked: `pending` belongs to the producer; the pipe is itself safe to share.
    package static let batchSize = 256
    package static let maxBatches = 8
    /// Batches waiting that mean the record thread is behind.
    package static let behindBatches = 4
    /// Body bytes a batch holds (`CallRecord.bodyFootprint`) before it is sent, however few its records: with
    /// `maxBatches` waiting and as many taken by the record thread, the bodies on their way hold about 64 MiB at
    /// most (plus one record's).
    package static let maxBatchBodyBytes = 4 << 20

    /// Whether the record thread was behind when the last batch was sent: the analysis thread then takes on work it
    /// would otherwise leave to it (`AnalysisContext.recordPipe`). Producer side only.
    package private(set) var isBehind = false

    private var pending = RecordBatch()
    private var pendingBodyBytes = 0
    private let pipe: BatchPipe<RecordBatch>

    /// `sink` gets each record in place in its batch (so it may finish decoding it) without copying it.
    package init(sink: @escaping (inout CallRecord) -> Void) {
        pipe = BatchPipe(maxBatches: Self.maxBatches) { batch in
            // In place: iterating would copy each record, retaining every string it holds.
            for index in batch.records.indices { sink(&batch.records[index]) }
        }
    }

    /// Producer side: queues one record (sent when a batch is full).
    package func send(_ record: consuming CallRecord) {
        if pending.records.capacity == 0 { pending.records.reserveCapacity(Self.batchSize) }
        pendingBodyBytes += record.bodyFootprint
        pending.records.append(record)
        if pending.records.count >= Self.batchSize || pendingBodyBytes >= Self.maxBatchBodyBytes {
            isBehind = pipe.send(&pending) >= Self.behindBatches
            pendingBodyBytes = 0
        }
    }

    /// Producer side: sends what is left, then waits until the consumer has handled everything and stopped.
    package func finish() {
        pipe.send(&pending)
        pipe.finish()
    }
}

/// Records on their way to the record thread.
struct RecordBatch: RecyclableBatch {
    var records: [CallRecord] = []

    var isEmpty: Bool { records.isEmpty }

    mutating func recycle() {
        // Frees each record now, while the batch is in cache, and keeps the array for the next batch.
        records.removeAll(keepingCapacity: true)
    }
}
