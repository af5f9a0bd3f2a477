@testable import AnalysisPipeline
import Correlation
import DubboWire
import Glibc
import InspectorCore
import NetworkLayers
import Testing

/// `RecordMerge` and `ShardOutput`: shards' records, keyed by the event that made them, back in one order.
@Suite("RecordMerge")
struct RecordMergeTests {
    static func record(_ id: Int64, requestOrder: UInt64 = 0) -> CallRecord {
        var record = CallRecord(
            kind: .call, client: Endpoint(address: .v4(0x7F00_0001), port: 40_000),
            server: Endpoint(address: .v4(0x7F00_0001), port: 20_880), requestID: id, serialization: .hessian2,
            outcome: .noResponse)
        record.requestOrder = requestOrder
        return record
    }

    final class Seen: @unchecked Sendable {
        var ids: [Int64] = []
        var threads = Set<UInt>()
    }

    @Test("rounds from three shards come out in event order; an event every shard got orders its records by request")
    func order() {
        let seen = Seen()
        let merge = RecordMerge(shards: 3, delivery: .init(sink: { record in
            seen.ids.append(record.requestID)
            seen.threads.insert(UInt(pthread_self()))
        }))
        let outputs = (0..<3).map { ShardOutput(merge: merge, shard: $0) }
        // Round 1: events 0…5. Shard 0 has events 0 and 4 (two records from event 4), shard 1 event 2, shard 2
        // nothing; event 5 (housekeeping) reaches every shard, which give up requests numbered 7, 3 and 5.
        outputs[0].begin(0, everyShard: false)
        outputs[0].append(Self.record(1))
        outputs[0].begin(4, everyShard: false)
        outputs[0].append(Self.record(41))
        outputs[0].append(Self.record(42))
        outputs[1].begin(2, everyShard: false)
        outputs[1].append(Self.record(2))
        outputs[0].begin(5, everyShard: true)
        outputs[0].append(Self.record(57, requestOrder: 7))
        outputs[1].begin(5, everyShard: true)
        outputs[1].append(Self.record(53, requestOrder: 3))
        outputs[1].append(Self.record(58, requestOrder: 8))
        outputs[2].begin(5, everyShard: true)
        outputs[2].append(Self.record(55, requestOrder: 5))
        for output in outputs { output.endRound() }
        // Round 2: only shard 2 has records; the others answer with empty chunks.
        outputs[2].begin(9, everyShard: false)
        outputs[2].append(Self.record(9))
        for output in outputs { output.endRound() }
        merge.finish()
        #expect(seen.ids == [1, 2, 41, 42, 53, 55, 57, 58, 9])
        #expect(seen.threads.count == 1)
        #expect(!seen.threads.contains(UInt(pthread_self())))
    }

    @Test("a shard far ahead waits for the others (at most maxChunks wait), and nothing is lost or reordered")
    func boundedAndComplete() {
        let seen = Seen()
        let merge = RecordMerge(shards: 2, delivery: .init(sink: { record in
            seen.ids.append(record.requestID)
            if record.requestID % 500 == 0 { usleep(500) }  // a slow sink now and then
        }))
        let outputs = (0..<2).map { ShardOutput(merge: merge, shard: $0) }
        // Shard 1 runs on a thread of its own through 400 rounds; shard 0 here, slowly, so shard 1 gets ahead.
        let rounds = 400
        let other = PosixThread {
            for round in 0..<rounds {
                outputs[1].begin(UInt64(round * 2 + 1), everyShard: false)
                outputs[1].append(Self.record(Int64(round * 2 + 1)))
                outputs[1].endRound()
            }
        }
        for round in 0..<rounds {
            outputs[0].begin(UInt64(round * 2), everyShard: false)
            outputs[0].append(Self.record(Int64(round * 2)))
            if round % 50 == 0 { usleep(1_000) }
            outputs[0].endRound()
        }
        other.join()
        merge.finish()
        #expect(seen.ids == Array(0..<Int64(rounds * 2)))
    }

    @Test("shards that render: the renderings come in record order, and the records only when they are kept")
    func rendered() {
        for keepsRecords in [false, true] {
            final class Written: @unchecked Sendable {
                var lines: [String] = []
                var records: [Int64] = []
            }
            let written = Written()
            let merge = RecordMerge(shards: 2, delivery: .init(
                sink: { written.records.append($0.requestID) },
                write: { written.lines.append(String(decoding: $0, as: UTF8.self)) }))
            let render: ShardRenderer = { record, writer in writer.rawUTF8("call \(record.requestID)\n") }
            let outputs = (0..<2).map { ShardOutput(merge: merge, shard: $0, render: render, keepsRecords: keepsRecords) }
            outputs[1].begin(0, everyShard: false)
            outputs[1].append(Self.record(1))
            outputs[0].begin(1, everyShard: false)
            outputs[0].append(Self.record(2))
            outputs[0].append(Self.record(3))
            outputs[1].begin(2, everyShard: false)
            outputs[1].append(Self.record(4))
            for output in outputs { output.endRound() }
            merge.finish()
            #expect(written.lines == ["call 1\n", "call 2\n", "call 3\n", "call 4\n"])
            #expect(written.records == (keepsRecords ? [1, 2, 3, 4] : []))
        }
    }

    @Test("the run's peak of pending requests is followed through the shards' changes in event order")
    func pendingPeak() {
        let merge = RecordMerge(shards: 2, delivery: .init(sink: { _ in }))
        let outputs = (0..<2).map { ShardOutput(merge: merge, shard: $0) }
        // Shard 0: 3 pending after event 0; shard 1: 5 at most during event 1, 2 after; shard 0 down to 0 at
        // event 3; shard 1 up to 4 during event 4. The run's peak is 3 + 5 = 8 (event 1); adding the shards'
        // own peaks (3 and 5) would say the same here, so shard 1's later 4 (with shard 0 at 0) must not count.
        outputs[0].begin(0, everyShard: false)
        outputs[0].endEvent(pendingBefore: 0, after: 3, peak: 3)
        outputs[1].begin(1, everyShard: false)
        outputs[1].endEvent(pendingBefore: 0, after: 2, peak: 5)
        outputs[0].begin(3, everyShard: false)
        outputs[0].endEvent(pendingBefore: 3, after: 0, peak: 3)
        outputs[1].begin(4, everyShard: false)
        outputs[1].endEvent(pendingBefore: 2, after: 4, peak: 4)
        for output in outputs { output.endRound() }
        // A second round: shard 0 takes 6 while shard 1 still holds 4: 10.
        outputs[0].begin(7, everyShard: false)
        outputs[0].endEvent(pendingBefore: 0, after: 1, peak: 6)
        for output in outputs { output.endRound() }
        merge.finish()
        #expect(merge.peakPending == 10)
    }
}
