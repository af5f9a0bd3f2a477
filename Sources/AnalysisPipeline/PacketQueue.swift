import InspectorCore

/// The bounded hand-off between the capture thread and the analysis: the capture thread copies each packet in
/// and never waits for the analysis; when the queue is full the packet is dropped and counted.
///
/// Packets are copied into one growing byte buffer plus a header per packet; the consumer takes everything at
/// once by swapping in its emptied buffers, so neither side allocates once the buffers have grown. The lock is
/// held for one copy (producer) or one swap (consumer). Bounded by `maxPackets` and `maxBytes`.
public final class PacketQueue: Sendable {
    /// Where one queued packet's bytes are in a batch's `bytes`, and what the capture said about it.
    public struct Header: Sendable, Equatable {
        public var nanosecondsSinceEpoch: Int64
        public var linkType: Int32
        public var originalLength: Int
        public var offset: Int
        public var length: Int
    }

    /// What the consumer takes in one go. Reuse one across `drain` calls: its buffers go back to the producer.
    public struct Batch: Sendable {
        public var headers: [Header] = []
        public var bytes: [UInt8] = []

        public init() {}

        public var isEmpty: Bool { headers.isEmpty }
    }

    public struct Counters: Sendable, Equatable {
        public var queued: UInt64 = 0
        public var dropped: UInt64 = 0
        public var waiting: Int = 0
        public var peakWaiting: Int = 0
    }

    public let maxPackets: Int
    public let maxBytes: Int
    private let state: Locked<Storage>

    struct Storage: Sendable {
        var batch = Batch()
        var counters = Counters()
        var finished = false
    }

    public init(maxPackets: Int, maxBytes: Int) {
        self.maxPackets = max(1, maxPackets)
        self.maxBytes = max(1, maxBytes)
        self.state = Locked(Storage())
    }

    /// Copies one packet in, or drops it when the queue is full. Returns whether it was queued. Never waits on
    /// the consumer beyond the lock, which the consumer holds only for a swap.
    @discardableResult
    public func push(nanosecondsSinceEpoch: Int64, linkType: Int32, originalLength: Int, bytes: UnsafeRawBufferPointer) -> Bool {
        state.withLock { storage in
            guard storage.batch.headers.count < maxPackets, storage.batch.bytes.count + bytes.count <= maxBytes else {
                storage.counters.dropped += 1
                return false
            }
            storage.batch.headers.append(
                Header(
                    nanosecondsSinceEpoch: nanosecondsSinceEpoch, linkType: linkType, originalLength: originalLength,
                    offset: storage.batch.bytes.count, length: bytes.count))
            storage.batch.bytes.append(contentsOf: bytes)
            storage.counters.queued += 1
            storage.counters.waiting = storage.batch.headers.count
            storage.counters.peakWaiting = max(storage.counters.peakWaiting, storage.counters.waiting)
            return true
        }
    }

    /// Takes every queued packet into `batch` (whose previous contents are discarded and whose buffers are handed
    /// back to the producer). Returns `false` once the producer has finished and nothing is left.
    public func drain(into batch: inout Batch) -> Bool {
        batch.headers.removeAll(keepingCapacity: true)
        batch.bytes.removeAll(keepingCapacity: true)
        return state.withLock { storage in
            swap(&storage.batch, &batch)
            storage.counters.waiting = 0
            return !(storage.finished && batch.isEmpty)
        }
    }

    /// The producer will push no more.
    public func finish() {
        state.withLock { $0.finished = true }
    }

    public var counters: Counters { state.withLock { $0.counters } }
}
