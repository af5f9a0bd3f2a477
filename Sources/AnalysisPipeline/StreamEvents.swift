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

    var slot: Int32
    var time: CaptureTime
    var kind: Kind
}

/// Events on their way to the decoding thread, with the bytes they carry copied into one buffer.
struct StreamEventBatch: RecyclableBatch {
    var events: [StreamEvent] = []
    var bytes: [UInt8] = []

    var isEmpty: Bool { events.isEmpty }

    mutating func recycle() {
        events.removeAll(keepingCapacity: true)
        // A delivery larger than a batch (a hole filled late) grew this one: let that memory go.
        if bytes.capacity > 4 * StreamEventWriter.maxBytes { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    }
}

/// Collects the events of every connection on the reassembly thread into batches and sends each through the pipe
/// when it is full. Also numbers the connections with slots, reused once a connection has closed (the decoding
/// thread keeps its consumers in an array by slot, so a lookup is an index, not a hash).
final class StreamEventWriter {
    /// A batch is sent at this many events or bytes (whichever comes first): few enough to stay in cache, many
    /// enough that the lock is taken rarely.
    static let maxEvents = 2_048
    static let maxBytes = 256 * 1_024

    private var batch = StreamEventBatch()
    private let pipe: BatchPipe<StreamEventBatch>
    private var freeSlots: [Int32] = []
    private var nextSlot: Int32 = 0

    init(pipe: BatchPipe<StreamEventBatch>) {
        self.pipe = pipe
    }

    func append(_ kind: StreamEvent.Kind, slot: Int32 = -1, time: CaptureTime) {
        batch.events.append(StreamEvent(slot: slot, time: time, kind: kind))
        if batch.events.count >= Self.maxEvents { flush() }
    }

    func appendReceived(_ bytes: Span<UInt8>, direction: StreamDirection, slot: Int32, time: CaptureTime) {
        if batch.bytes.count + bytes.count > Self.maxBytes { flush() }
        let start = batch.bytes.count
        bytes.withUnsafeBufferPointer { batch.bytes.append(contentsOf: $0) }
        append(.received(direction, start: start, count: bytes.count), slot: slot, time: time)
    }

    /// Sends what has been collected.
    func flush() {
        pipe.send(&batch)
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
