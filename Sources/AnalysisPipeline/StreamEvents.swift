import InspectorCore
import TCPReassembly

/// One thing reassembly told a connection's consumer, or the passing of capture time, recorded to be replayed on
/// the decoding thread in the same order (`ThreadedPacketPipeline`).
struct StreamEvent {
    enum Kind {
        /// A connection starts; `slot` names it until its `closed`.
        case connection(ConnectionInfo)
        case opened(StreamDirection, midstream: Bool)
        /// In-order bytes, at `start..<start + count` of the batch's `bytes`.
        case received(StreamDirection, start: Int, count: Int)
        case gap(StreamDirection, length: Int)
        case closed(StreamEnd)
        /// Housekeeping ran at `time`, after the connections it closed: requests waiting too long time out.
        case housekeeping
        /// End of input at `time`, after every connection closed.
        case finish
    }

    /// The connection's slot; -1 for an event every shard gets (housekeeping, the end of input).
    var slot: Int32
    /// The time of the packet that caused the event.
    var time: CaptureTime
    /// How far the capture had run when the event happened (the latest packet time, any connection's).
    var clock: CaptureTime
    /// The event's place in the run's order of events, counted over every shard.
    var ordinal: UInt64
    var kind: Kind
}

/// Events on their way to a decoding thread, with the bytes they carry copied into one buffer.
struct StreamEventBatch: RecyclableBatch {
    var events: [StreamEvent] = []
    var bytes: [UInt8] = []
    /// Sent even without events: with several shards every round reaches every shard, so each answers every round
    /// (`RecordMerge` merges the shards' records round by round).
    var endsRound = false

    var isEmpty: Bool { events.isEmpty && !endsRound }

    mutating func recycle() {
        endsRound = false
        events.removeAll(keepingCapacity: true)
        // A delivery larger than a batch (a hole filled late) grew this one: let that memory go.
        if bytes.capacity > 4 * StreamEventWriter.maxBytes { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    }
}

/// Collects the events of every connection on the reassembly thread into batches, one per decoding shard (a
/// connection's shard is its slot modulo the shards; housekeeping and the end of input go to every shard), and
/// sends them when one is full: all shards' batches at once, a round. Also numbers the connections with slots,
/// reused once a connection has closed (a shard keeps its consumers in an array by slot, so a lookup is an index,
/// not a hash), and the events with ordinals, so the shards' records can be put back into one order.
final class StreamEventWriter {
    /// A round is sent at this many events or bytes in one batch (whichever comes first): few enough to stay in
    /// cache, many enough that the lock is taken rarely.
    static let maxEvents = 2_048
    static let maxBytes = 256 * 1_024

    private var batches: [StreamEventBatch]
    private let pipes: [BatchPipe<StreamEventBatch>]
    private var eventsInRound = 0
    private var nextOrdinal: UInt64 = 0
    private var freeSlots: [Int32] = []
    private var nextSlot: Int32 = 0
    /// The latest packet time so far, stamped on every event (`StreamEvent.clock`).
    var clock: CaptureTime = .zero

    /// One pipe per decoding shard.
    init(pipes: [BatchPipe<StreamEventBatch>]) {
        precondition(!pipes.isEmpty)
        self.pipes = pipes
        batches = Array(repeating: StreamEventBatch(), count: pipes.count)
    }

    /// A slot's shard: a connection stays on one shard from its first event to its last.
    static func shard(of slot: Int32, shards: Int) -> Int {
        shards == 1 ? 0 : Int(slot) % shards
    }

    func append(_ kind: StreamEvent.Kind, slot: Int32 = -1, time: CaptureTime) {
        let event = StreamEvent(slot: slot, time: time, clock: clock, ordinal: nextOrdinal, kind: kind)
        nextOrdinal += 1
        if slot >= 0 {
            batches[Self.shard(of: slot, shards: pipes.count)].events.append(event)
        } else {
            for index in batches.indices { batches[index].events.append(event) }
        }
        eventsInRound += 1
        if eventsInRound >= Self.maxEvents { flush() }
    }

    func appendReceived(_ bytes: Span<UInt8>, direction: StreamDirection, slot: Int32, time: CaptureTime) {
        let shard = Self.shard(of: slot, shards: pipes.count)
        if batches[shard].bytes.count + bytes.count > Self.maxBytes { flush() }
        let start = batches[shard].bytes.count
        bytes.withUnsafeBufferPointer { batches[shard].bytes.append(contentsOf: $0) }
        append(.received(direction, start: start, count: bytes.count), slot: slot, time: time)
    }

    /// Sends what has been collected: with one shard its batch if not empty; with several, every shard's batch,
    /// empty or not (a round).
    func flush() {
        eventsInRound = 0
        if pipes.count == 1 {
            pipes[0].send(&batches[0])
            return
        }
        for index in pipes.indices {
            batches[index].endsRound = true
            pipes[index].send(&batches[index])
        }
    }

    func openSlot() -> Int32 {
        if let slot = freeSlots.popLast() { return slot }
        defer { nextSlot += 1 }
        return nextSlot
    }

    func closeSlot(_ slot: Int32) {
        freeSlots.append(slot)
    }
}

/// Reassembly's consumer on the reassembly thread: records each event for the connection's real consumer, which
/// lives on the decoding thread.
struct ForwardingConsumer: TCPStreamConsumer {
    let slot: Int32
    let writer: StreamEventWriter

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) {
        writer.append(.opened(direction, midstream: midstream), slot: slot, time: time)
    }

    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        writer.appendReceived(bytes, direction: direction, slot: slot, time: time)
    }

    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        writer.append(.gap(direction, length: length), slot: slot, time: time)
    }

    mutating func closed(_ end: StreamEnd, time: CaptureTime) {
        writer.append(.closed(end), slot: slot, time: time)
        writer.closeSlot(slot)
    }
}

struct ForwardingConsumerFactory: TCPStreamConsumerFactory {
    let writer: StreamEventWriter

    mutating func makeConsumer(for connection: ConnectionInfo) -> ForwardingConsumer {
        let slot = writer.openSlot()
        writer.append(.connection(connection), slot: slot, time: connection.firstSeen)
        return ForwardingConsumer(slot: slot, writer: writer)
    }
}
