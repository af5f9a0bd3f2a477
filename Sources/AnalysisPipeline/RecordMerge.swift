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

/// The records of a sharded run's shards (or their renderings), put back into the order one thread emits them in,
/// and delivered on a thread of its own (the run's record thread).
///
/// Every shard answers every round of events (`StreamEventWriter` sends each shard a batch per round) with one
/// chunk of its records, in key order. A round's records all come from that round's events, so the merge takes
/// round after round, one chunk from every shard, and merges the chunks by key. Bounded: at most `maxChunks`
/// chunks wait per shard, and a shard that runs ahead waits for the others.
final class RecordMerge: @unchecked Sendable {
    // @unchecked: `queues` is a lock; the delivery belongs to the merging thread (handed over before it starts);
    // `peakPending` is written by that thread and read after `finish` joins it.
    static let maxChunks = 4

    /// One shard's records of one round, in key order: their keys, their renderings one after another (when the
    /// shards render them) and the records themselves (unless the renderings are all that is wanted).
    struct Chunk {
        struct Entry {
            var key: MergeKey
            /// Where the record's rendering ends in `rendered` (it starts where the previous one ends).
            var renderedEnd: Int
        }

        /// How many requests waited on this shard after an event, and at most during it, for the events that
        /// changed it: the run's peak is worked out from every shard's, in event order (`RecordMerge.peakPending`).
        struct PendingChange {
            var ordinal: UInt64
            var peak: Int
            var after: Int
        }

        var entries: [Entry] = []
        var pendingChanges: [PendingChange] = []
        var rendered = JSONWriter(reservingCapacity: 0)
        /// Empty, or one record per entry.
        var records: [CallRecord] = []

        mutating func removeAll() {
            entries.removeAll(keepingCapacity: true)
            pendingChanges.removeAll(keepingCapacity: true)
            rendered.removeAll(keepingCapacity: true)
            records.removeAll(keepingCapacity: true)
        }
    }

    /// What the merging thread does with each record, in order.
    struct Delivery {
        /// Gets each record in place (when the shards keep them).
        var sink: (inout CallRecord) -> Void
        /// Gets each record's rendering (when the shards render them).
        var write: ((UnsafeRawBufferPointer) -> Void)?
    }

    private struct Queues {
        /// Per shard, its chunks first in first out.
        var chunks: [[Chunk]]
        var finished = false
    }

    private let queues: WaitableState<Queues>
    private var thread: PosixThread?
    /// The most requests pending at once in the whole run, as one thread counts it; read after `finish`.
    private(set) var peakPending = 0

    init(shards: Int, delivery: Delivery) {
        queues = WaitableState(Queues(chunks: Array(repeating: [], count: shards)))
        let handoff = Handoff(delivery)
        thread = PosixThread { [self] in
            guard let delivery = handoff.take() else { return }
            self.run(shards: shards, delivery)
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
    func send(_ chunk: inout Chunk, shard: Int) {
        var taken = Chunk()
        swap(&taken, &chunk)
        queues.wait(until: nil, ready: { $0.chunks[shard].count < Self.maxChunks }) { queues in
            queues.chunks[shard].append(taken)
        }
    }

    /// After every shard has sent its last chunk: waits until every record has been delivered.
    func finish() {
        queues.update { $0.finished = true }
        thread?.join()
        thread = nil
    }

    private func run(shards: Int, _ delivery: Delivery) {
        var round = Array(repeating: Chunk(), count: shards)
        var pending = PendingTotal(shards: shards)
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
            guard more else {
                peakPending = pending.peak
                return
            }
            pending.add(round)
            Self.merge(&round, delivery)
            for shard in round.indices { round[shard].removeAll() }
        }
    }

    /// Delivers the records of one round's chunks (each in key order) in key order.
    static func merge(_ chunks: inout [Chunk], _ delivery: Delivery) {
        mergeInOrder(
            counts: chunks.map(\.entries.count),
            precedes: { shard, index, other, otherIndex in
                chunks[shard].entries[index].key < chunks[other].entries[otherIndex].key
            },
            visit: { shard, index in
                if let write = delivery.write {
                    let start = index == 0 ? 0 : chunks[shard].entries[index - 1].renderedEnd
                    let end = chunks[shard].entries[index].renderedEnd
                    chunks[shard].rendered.bytes.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                }
                if index < chunks[shard].records.count { delivery.sink(&chunks[shard].records[index]) }
            })
    }
}

/// Walks several lists, each already in order, as one ordered sequence: each step takes the list whose next item
/// comes first (`precedes(list, index, otherList, otherIndex)`) and hands `visit` that list and index. Made for a few
/// lists (one per shard): a linear choice per step.
func mergeInOrder(counts: [Int], precedes: (Int, Int, Int, Int) -> Bool, visit: (Int, Int) -> Void) {
    var next = Array(repeating: 0, count: counts.count)
    while true {
        var chosen = -1
        for list in counts.indices where next[list] < counts[list] {
            if chosen < 0 || precedes(list, next[list], chosen, next[chosen]) { chosen = list }
        }
        guard chosen >= 0 else { return }
        visit(chosen, next[chosen])
        next[chosen] += 1
    }
}

/// The requests pending in the whole run, followed through the shards' changes in event order: its peak is the
/// one a single correlator would have seen (one event changes one shard, so the peak during it is that shard's
/// peak plus every other shard's count).
struct PendingTotal {
    private var counts: [Int]
    private var total = 0
    private(set) var peak = 0

    init(shards: Int) {
        counts = Array(repeating: 0, count: shards)
    }

    mutating func add(_ round: [RecordMerge.Chunk]) {
        mergeInOrder(
            counts: round.map(\.pendingChanges.count),
            precedes: { shard, index, other, otherIndex in
                round[shard].pendingChanges[index].ordinal < round[other].pendingChanges[otherIndex].ordinal
            },
            visit: { shard, index in
                let change = round[shard].pendingChanges[index]
                peak = max(peak, total - counts[shard] + change.peak)
                total += change.after - counts[shard]
                counts[shard] = change.after
            })
    }
}

/// A shard's records on their way to the merge: keyed as its context emits them (rendered too, when the shards
/// render), sent once per round. Touched only by the shard's decoding thread.
final class ShardOutput: @unchecked Sendable {
    private let merge: RecordMerge
    private let shard: Int
    private let render: ShardRenderer?
    private let keepsRecords: Bool
    private var chunk = RecordMerge.Chunk()
    private var ordinal: UInt64 = 0
    private var everyShard = false
    private var nextRank: UInt64 = 0

    /// - Parameters:
    ///   - render: renders each record on this shard (nil: the records travel unrendered).
    ///   - keepsRecords: the records travel to the merge; otherwise (only with `render`) each is freed here.
    init(merge: RecordMerge, shard: Int, render: ShardRenderer? = nil, keepsRecords: Bool = true) {
        self.merge = merge
        self.shard = shard
        self.render = render
        self.keepsRecords = keepsRecords || render == nil
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
        render?(record, &chunk.rendered)
        chunk.entries.append(.init(key: MergeKey(ordinal: ordinal, rank: rank), renderedEnd: chunk.rendered.bytes.count))
        if keepsRecords { chunk.records.append(record) }
    }

    /// The event begun last is replayed: it found `pendingBefore` requests pending on this shard and left `after`,
    /// at most `peak` during it. Only a change is noted.
    func endEvent(pendingBefore: Int, after: Int, peak: Int) {
        guard after != pendingBefore || peak > pendingBefore else { return }
        chunk.pendingChanges.append(.init(ordinal: ordinal, peak: peak, after: after))
    }

    /// The round's events are replayed: its records go to the merge.
    func endRound() {
        merge.send(&chunk, shard: shard)
    }
}
