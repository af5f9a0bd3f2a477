import Correlation
import InspectorCore

/// Where a record falls in the single-threaded order: the ordinal of the event that produced it, then its rank
/// among that event's records.
struct MergeKey: Comparable {
    var ordinal: UInt64
    var rank: UInt64

    static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        lhs.ordinal != rhs.ordinal ? lhs.ordinal < rhs.ordinal : lhs.rank < rhs.rank
    }
}

/// The records of a sharded run's shards, put back into the order one thread emits them in, and handed to `sink`
/// on a thread of its own (the run's record thread).
///
/// Every shard answers every round of events (`StreamEventWriter` sends each shard a batch per round) with one
/// chunk of its records, in key order. A round's records all come from that round's events, so the merge takes
/// round after round, one chunk from every shard, and merges the chunks by key. Bounded: at most `maxChunks`
/// chunks wait per shard, and a shard that runs ahead waits for the others.
final class RecordMerge: @unchecked Sendable {
    // @unchecked: `queues` is a lock; `sink` belongs to the merging thread (handed over before it starts).
    static let maxChunks = 8

    struct Keyed {
        var key: MergeKey
        var record: CallRecord
    }

    private struct Queues {
        /// Per shard, its chunks first in first out.
        var chunks: [[[Keyed]]]
        var finished = false
    }

    private let queues: WaitableState<Queues>
    private var thread: PosixThread?

    /// `sink` gets each record in place, in order.
    init(shards: Int, sink: @escaping (inout CallRecord) -> Void) {
        queues = WaitableState(Queues(chunks: Array(repeating: [], count: shards)))
        let handoff = Handoff(sink)
        thread = PosixThread { [self] in
            guard let sink = handoff.take() else { return }
            self.run(shards: shards, sink)
        }
    }

    /// Requests a shard sees at event `ordinal` are numbered from this on (`Correlator.advanceSequence`), so the
    /// run's request order is event order, then order within the event, whichever shard saw the request. 2^24
    /// requests fit in one event: one delivery of bytes is bounded by the per-connection reassembly buffer (4 MiB
    /// by default; a Dubbo frame takes 16 bytes at least). Past that the numbers stay unique and in order within a
    /// shard; only their order against other shards' requests could be off.
    static func firstRequestOrder(of ordinal: UInt64) -> UInt64 {
        ordinal << 24
    }

    /// A shard's side: hands over its chunk for the round (waiting while `maxChunks` of its chunks wait) and is
    /// left an empty one.
    func send(_ chunk: inout [Keyed], shard: Int) {
        var taken: [Keyed] = []
        swap(&taken, &chunk)
        queues.wait(until: nil, ready: { $0.chunks[shard].count < Self.maxChunks }) { queues in
            queues.chunks[shard].append(taken)
        }
    }

    /// After every shard has sent its last chunk: waits until every record has been handed to the sink.
    func finish() {
        queues.update { $0.finished = true }
        thread?.join()
        thread = nil
    }

    private func run(shards: Int, _ sink: (inout CallRecord) -> Void) {
        var round = Array(repeating: [Keyed](), count: shards)
        while true {
            let more = queues.wait(
                until: nil, ready: { $0.finished || $0.chunks.allSatisfy { !$0.isEmpty } }
            ) { queues in
                // Finished: whatever is left (every shard answers every round, so normally nothing).
                guard queues.chunks.contains(where: { !$0.isEmpty }) else { return false }
                for shard in 0..<shards where !queues.chunks[shard].isEmpty {
                    swap(&round[shard], &queues.chunks[shard][0])
                    queues.chunks[shard].removeFirst()
                }
                return true
            }
            guard more else { return }
            Self.merge(&round, sink)
            for shard in round.indices { round[shard].removeAll() }
        }
    }

    /// Hands the records of one round's chunks (each in key order) to `sink` in key order.
    static func merge(_ chunks: inout [[Keyed]], _ sink: (inout CallRecord) -> Void) {
        var next = Array(repeating: 0, count: chunks.count)
        while true {
            var chosen = -1
            for shard in chunks.indices where next[shard] < chunks[shard].count {
                if chosen < 0 || chunks[shard][next[shard]].key < chunks[chosen][next[chosen]].key { chosen = shard }
            }
            guard chosen >= 0 else { return }
            sink(&chunks[chosen][next[chosen]].record)
            next[chosen] += 1
        }
    }
}

/// A shard's records on their way to the merge: keyed as its context emits them, sent once per round. Touched
/// only by the shard's decoding thread.
final class ShardOutput: @unchecked Sendable {
    private let merge: RecordMerge
    private let shard: Int
    private var chunk: [RecordMerge.Keyed] = []
    private var ordinal: UInt64 = 0
    private var everyShard = false
    private var nextRank: UInt64 = 0

    init(merge: RecordMerge, shard: Int) {
        self.merge = merge
        self.shard = shard
    }

    /// The event with `ordinal` is replayed next. An event every shard gets (housekeeping, the end of input) gives
    /// up waiting requests in request order, so its records are ranked by it; another event's come from one
    /// connection, one shard, and are ranked as they come.
    func begin(_ ordinal: UInt64, everyShard: Bool) {
        self.ordinal = ordinal
        self.everyShard = everyShard
        nextRank = 0
    }

    func append(_ record: consuming CallRecord) {
        let rank: UInt64
        if everyShard {
            rank = record.requestOrder
        } else {
            rank = nextRank
            nextRank += 1
        }
        chunk.append(RecordMerge.Keyed(key: MergeKey(ordinal: ordinal, rank: rank), record: record))
    }

    /// The round's events are replayed: its records go to the merge.
    func endRound() {
        merge.send(&chunk, shard: shard)
    }
}
