internal import InspectorCore

/// Reassembly state of one direction of one connection: where delivery stands, the FIN, and the buffered
/// out-of-order bytes.
///
/// Fields are mutated only by this type's own extensions (spread over files by concern).
/// Invariants kept by every method: `buffer` is sorted, its entries do not overlap, and each starts after
/// `next` (anything that could be delivered has been). Every sequence number before `next` was handed to the
/// consumer, either as bytes or inside a gap.
struct DirectionState {
    enum Phase: Equatable {
        /// Nothing seen from this side yet (or only pure ACKs).
        case unopened
        /// Delivering.
        case open
        /// Every byte up to the FIN was accounted for; later data is ignored.
        case finished
    }

    let direction: StreamDirection
    var phase = Phase.unopened
    /// `true` when the direction started without a SYN.
    var midstream = false
    /// Sequence number of the SYN, when one was seen.
    var initialSequence: TCPSequence?
    /// The next sequence number to deliver.
    var next = TCPSequence(0)
    /// Sequence number the FIN occupies, once a FIN was seen.
    var fin: TCPSequence?
    var buffer: [BufferedSegment] = []
    /// Captured bytes held in `buffer` (cut-off parts take no memory).
    var bufferedBytes = 0

    init(direction: StreamDirection) {
        self.direction = direction
    }

    var hasBufferedData: Bool { !buffer.isEmpty }

    // MARK: Opening

    /// Starts the direction at a SYN: the SYN takes `sequence`, data starts one later.
    mutating func open<C: TCPStreamConsumer>(syn sequence: TCPSequence, time: CaptureTime, consumer: inout C) {
        phase = .open
        initialSequence = sequence
        next = sequence.advanced(by: 1)
        consumer.opened(direction, midstream: false, time: time)
    }

    /// Starts the direction without a SYN at the first sequence number seen; earlier bytes count as old.
    mutating func open<C: TCPStreamConsumer>(midstreamAt sequence: TCPSequence, time: CaptureTime, consumer: inout C) {
        phase = .open
        midstream = true
        next = sequence
        consumer.opened(direction, midstream: true, time: time)
    }

    // MARK: FIN

    /// Records the FIN (the first one wins), drops buffered bytes beyond it, and finishes the direction if
    /// everything before it is accounted for. A FIN before bytes already delivered contradicts the stream, and
    /// one beyond the largest window (2^30) cannot belong to it: both are ignored.
    mutating func noteFIN(at sequence: TCPSequence, stats: inout ReassemblyStats) {
        guard phase == .open else { return }
        let ahead = next.distance(to: sequence)
        if fin == nil, ahead >= 0, ahead <= 1 << 30 {
            fin = sequence
            dropBuffered(from: sequence, stats: &stats)
        }
        finishIfFINReached()
    }

    /// Removes buffered sequence numbers at or after `end` (they follow the FIN, so they are not stream data).
    private mutating func dropBuffered(from end: TCPSequence, stats: inout ReassemblyStats) {
        var rounds = buffer.count
        while let last = buffer.last, rounds > 0 {
            rounds -= 1
            let kept = last.start.distance(to: end)  // how many of its numbers come before `end`
            guard kept < last.length else { break }
            stats.bytesAfterFIN += last.length - max(0, kept)
            if kept <= 0 {
                buffer.removeLast()
                release(last.bytes.count, stats: &stats)
            } else if kept <= last.bytes.count {
                buffer[buffer.count - 1].bytes.removeLast(last.bytes.count - kept)
                buffer[buffer.count - 1].cutLength = 0
                release(last.bytes.count - kept, stats: &stats)
                break
            } else {
                buffer[buffer.count - 1].cutLength = kept - last.bytes.count
                break
            }
        }
    }

    /// Accounts for `count` captured bytes leaving the buffer.
    mutating func release(_ count: Int, stats: inout ReassemblyStats) {
        bufferedBytes -= count
        stats.buffered(-count)
    }

    /// Finishes the direction once `next` reached the FIN.
    mutating func finishIfFINReached() {
        guard phase == .open, let fin, !next.precedes(fin) else { return }
        // The FIN takes one sequence number; anything a retransmission carries up to it is old.
        next = fin.advanced(by: 1)
        phase = .finished
    }
}
