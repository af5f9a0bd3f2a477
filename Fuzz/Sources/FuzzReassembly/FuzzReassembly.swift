import FuzzSupport
import InspectorCore
import NetworkLayers
import TCPReassembly

/// The reassembler fed random segment sequences over four connections.
///
/// Input: byte 0 = options (bit 0 small limits, bit 1 random payload bytes instead of sequence-derived ones,
/// bit 2 sequence numbers start just below 2^32 so they wrap), then 8 bytes per segment: flags; connection
/// (bits 0-1), direction (bit 2), time step (bits 3-7); sequence and acknowledgment as signed 16-bit offsets
/// from each direction's initial number; payload length; bytes cut by the snap length.
///
/// Invariants besides "no trap": the consumer contract (each direction opened once before its data, `closed`
/// exactly once and last); with sequence-derived payload (byte = low 8 bits of its sequence number) every
/// delivered byte is the right one for its place, gaps included, so no byte is lost, duplicated or moved;
/// buffered bytes and connections stay within the limits; nothing is left after `finish`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReassembly(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let options = input.byte()
    let limits = Limits.fuzzing(options)
    let derivedPayload = options & 2 == 0
    let baseSequence: UInt32 = options & 4 != 0 ? 0xFFFF_FF00 : 1_000

    let log = EventLog(checksContent: derivedPayload)
    var reassembler = TCPReassembler(factory: LoggingFactory(log: log), limits: limits)
    let server = Endpoint(address: .v4(0x0A00_0001), port: 20880)
    var time = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)

    while input.remaining >= 8 {
        let flags = TCPFlags(rawValue: input.byte())
        let routing = input.byte()
        let sequenceOffset = Int16(bitPattern: input.uint16())
        let ackOffset = Int16(bitPattern: input.uint16())
        let length = Int(input.byte())
        let cut = min(length, Int(input.byte()))
        let connection = Int(routing & 3)
        let fromClient = routing & 4 == 0
        time = time.adding(nanoseconds: Int64(routing >> 3) * 250_000_000)

        let client = Endpoint(address: .v4(0x0A00_0002), port: 40_000 + UInt16(connection))
        let ownBase = baseSequence &+ UInt32(connection) &* 0x1000 &+ (fromClient ? 0 : 0x8000_0000)
        let peerBase = baseSequence &+ UInt32(connection) &* 0x1000 &+ (fromClient ? 0x8000_0000 : 0)
        let sequence = ownBase &+ UInt32(bitPattern: Int32(sequenceOffset))
        let acknowledgment = peerBase &+ UInt32(bitPattern: Int32(ackOffset))
        let captured = length - cut
        // The first payload byte sits one number after a SYN.
        let firstDataSequence = flags.contains(.syn) ? sequence &+ 1 : sequence
        let payload: [UInt8] =
            derivedPayload
            ? (0..<captured).map { UInt8(truncatingIfNeeded: firstDataSequence &+ UInt32($0)) }
            : input.take(captured) + [UInt8](repeating: 0, count: max(0, captured - input.remaining))

        let segment = TCPSegment(
            source: fromClient ? client : server, destination: fromClient ? server : client,
            sequence: sequence, acknowledgment: acknowledgment, flags: flags, window: 65_535,
            payloadOffset: 0, capturedPayloadLength: payload.count, payloadLength: length)
        reassembler.process(segment, payload: payload.span, time: time)

        let stats = reassembler.stats
        invariant(stats.currentBufferedBytes >= 0, "negative buffered bytes")
        invariant(stats.currentBufferedBytes <= limits.maxBufferedBytesTotal, "total buffer limit exceeded")
        invariant(stats.currentConnections <= max(1, limits.maxFlows), "flow limit exceeded")
        if routing & 0xF8 == 0xF8 {
            reassembler.flushIdle(now: time)
        }
    }
    reassembler.finish(time: time)
    let stats = reassembler.stats
    invariant(stats.currentBufferedBytes == 0, "\(stats.currentBufferedBytes) bytes still buffered after finish")
    invariant(stats.currentConnections == 0, "connections left after finish")
    log.checkAllClosed()
    return 0
}

/// Everything consumers saw, checked as it happens.
final class EventLog {
    struct Direction {
        var opened = false
        /// Low 8 bits of the sequence number the next delivered byte must carry (unknown until the first byte).
        var expected: UInt8?
    }

    let checksContent: Bool
    var directions: [[StreamDirection: Direction]] = []
    var closed: [Bool] = []

    init(checksContent: Bool) {
        self.checksContent = checksContent
    }

    func newConsumer() -> Int {
        directions.append([:])
        closed.append(false)
        return closed.count - 1
    }

    func opened(_ id: Int, _ direction: StreamDirection) {
        invariant(!closed[id], "opened after closed")
        invariant(directions[id][direction]?.opened != true, "\(direction) opened twice")
        directions[id][direction, default: Direction()].opened = true
    }

    func received(_ id: Int, _ direction: StreamDirection, _ bytes: Span<UInt8>) {
        invariant(!closed[id], "data after closed")
        invariant(directions[id][direction]?.opened == true, "data before opened")
        invariant(!bytes.isEmpty, "an empty delivery")
        guard checksContent else { return }
        var expected = directions[id][direction]?.expected ?? bytes[0]
        for index in bytes.indices {
            invariant(bytes[index] == expected, "byte \(bytes[index]) delivered where \(expected) belongs")
            expected &+= 1
        }
        directions[id][direction]?.expected = expected
    }

    func gap(_ id: Int, _ direction: StreamDirection, _ length: Int) {
        invariant(!closed[id], "gap after closed")
        invariant(directions[id][direction]?.opened == true, "gap before opened")
        invariant(length > 0, "a gap of \(length) bytes")
        if let expected = directions[id][direction]?.expected {
            directions[id][direction]?.expected = expected &+ UInt8(truncatingIfNeeded: length)
        }
    }

    func closed(_ id: Int) {
        invariant(!closed[id], "closed twice")
        closed[id] = true
    }

    func checkAllClosed() {
        invariant(closed.allSatisfy { $0 }, "a connection was never closed")
    }
}

struct LoggingConsumer: TCPStreamConsumer {
    let id: Int
    let log: EventLog

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) {
        log.opened(id, direction)
    }

    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        log.received(id, direction, bytes)
    }

    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        log.gap(id, direction, length)
    }

    mutating func closed(_ end: StreamEnd, time: CaptureTime) {
        log.closed(id)
    }
}

struct LoggingFactory: TCPStreamConsumerFactory {
    let log: EventLog

    mutating func makeConsumer(for connection: ConnectionInfo) -> LoggingConsumer {
        LoggingConsumer(id: log.newConsumer(), log: log)
    }
}
