import InspectorCore
import TCPReassembly

/// Shared log the recording consumers append to (consumers are values owned by the reassembler).
final class EventLog {
    var events: [RecordedEvent] = []
    var connections: [ConnectionInfo] = []

    /// Bytes delivered for one direction of one connection, concatenated.
    func bytes(_ direction: StreamDirection, connection: Int = 0) -> [UInt8] {
        var result: [UInt8] = []
        for case .received(let c, let d, let bytes, _) in events where c == connection && d == direction {
            result += bytes
        }
        return result
    }

    /// Gap lengths reported for one direction of one connection, in order.
    func gaps(_ direction: StreamDirection, connection: Int = 0) -> [Int] {
        var result: [Int] = []
        for case .gap(let c, let d, let length, _) in events where c == connection && d == direction {
            result.append(length)
        }
        return result
    }

    /// Close reasons in order, by connection.
    var closes: [(connection: Int, end: StreamEnd)] {
        var result: [(Int, StreamEnd)] = []
        for case .closed(let c, let end, _) in events { result.append((c, end)) }
        return result
    }
}

/// Logs every call it gets, tagged with the connection's number (order of creation).
struct RecordingConsumer: TCPStreamConsumer {
    let connection: Int
    let log: EventLog

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) {
        log.events.append(.opened(connection: connection, direction, midstream: midstream, at: time.wholeSeconds))
    }

    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        var copy: [UInt8] = []
        copy.reserveCapacity(bytes.count)
        for index in bytes.indices { copy.append(bytes[index]) }
        log.events.append(.received(connection: connection, direction, copy, at: time.wholeSeconds))
    }

    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        log.events.append(.gap(connection: connection, direction, length: length, at: time.wholeSeconds))
    }

    mutating func closed(_ end: StreamEnd, time: CaptureTime) {
        log.events.append(.closed(connection: connection, end, at: time.wholeSeconds))
    }
}

struct RecordingFactory: TCPStreamConsumerFactory {
    let log = EventLog()

    mutating func makeConsumer(for connection: ConnectionInfo) -> RecordingConsumer {
        log.connections.append(connection)
        return RecordingConsumer(connection: log.connections.count - 1, log: log)
    }
}

/// Counts calls without keeping bytes: for the large flow-table tests.
struct CountingConsumer: TCPStreamConsumer {
    let tally: Tally

    final class Tally {
        var opened = 0
        var closed: [StreamEnd: Int] = [:]
        var bytes = 0
    }

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) { tally.opened += 1 }
    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        tally.bytes += bytes.count
    }
    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {}
    mutating func closed(_ end: StreamEnd, time: CaptureTime) { tally.closed[end, default: 0] += 1 }
}

struct CountingFactory: TCPStreamConsumerFactory {
    let tally = CountingConsumer.Tally()
    var made = 0

    mutating func makeConsumer(for connection: ConnectionInfo) -> CountingConsumer {
        made += 1
        return CountingConsumer(tally: tally)
    }
}
