import AnalysisPipeline
import Synchronization
import Testing

@Suite("PacketQueue")
struct PacketQueueTests {
    static func push(_ queue: PacketQueue, _ bytes: [UInt8], time: Int64 = 1) -> Bool {
        bytes.withUnsafeBytes { queue.push(nanosecondsSinceEpoch: time, linkType: 1, originalLength: bytes.count, bytes: $0) }
    }

    @Test("packets come out in order with their bytes; a full queue drops and counts instead of waiting")
    func dropsWhenFull() {
        let queue = PacketQueue(maxPackets: 3, maxBytes: 1_000)
        #expect(Self.push(queue, [1, 2], time: 10))
        #expect(Self.push(queue, [3], time: 11))
        #expect(Self.push(queue, [4, 5, 6], time: 12))
        #expect(!Self.push(queue, [7], time: 13))
        #expect(queue.counters.dropped == 1)
        #expect(queue.counters.waiting == 3)
        var batch = PacketQueue.Batch()
        #expect(queue.drain(into: &batch))
        #expect(batch.headers.map(\.nanosecondsSinceEpoch) == [10, 11, 12])
        #expect(batch.headers.map { Array(batch.bytes[$0.offset..<$0.offset + $0.length]) } == [[1, 2], [3], [4, 5, 6]])
        #expect(queue.counters.waiting == 0)
        #expect(Self.push(queue, [8], time: 14))
        #expect(queue.counters.queued == 4)
    }

    @Test("the byte cap drops a packet that would overflow it")
    func byteCap() {
        let queue = PacketQueue(maxPackets: 100, maxBytes: 10)
        #expect(Self.push(queue, Array(repeating: 0, count: 8)))
        #expect(!Self.push(queue, Array(repeating: 0, count: 3)))
        #expect(Self.push(queue, Array(repeating: 0, count: 2)))
        #expect(queue.counters.dropped == 1)
    }

    @Test("drain reports the end only once the producer finished and everything was taken")
    func endAfterFinishAndEmpty() {
        let queue = PacketQueue(maxPackets: 10, maxBytes: 100)
        _ = Self.push(queue, [1])
        queue.finish()
        var batch = PacketQueue.Batch()
        #expect(queue.drain(into: &batch))
        #expect(batch.headers.count == 1)
        #expect(!queue.drain(into: &batch))
        #expect(batch.isEmpty)
    }

    @Test("a producer thread never blocks on a consumer that does not drain: 100 000 pushes finish, most dropped")
    func producerNeverWaits() async throws {
        let queue = PacketQueue(maxPackets: 1_000, maxBytes: 1 << 20)
        let payload = [UInt8](repeating: 0xAB, count: 100)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<100_000 { _ = Self.push(queue, payload, time: Int64(index)) }
        }
        #expect(queue.counters.queued == 1_000)
        #expect(queue.counters.dropped == 99_000)
        #expect(elapsed < .seconds(5))
    }
}
