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

    /// Records the FIN (the first one wins) and finishes the direction if everything before it is accounted for.
    mutating func noteFIN(at sequence: TCPSequence) {
        guard phase == .open else { return }
        if fin == nil { fin = sequence }
        finishIfFINReached()
    }

    /// Finishes the direction once `next` reached the FIN.
    mutating func finishIfFINReached() {
        guard phase == .open, let fin, !next.precedes(fin) else { return }
        // The FIN takes one sequence number; anything a retransmission carries up to it is old.
        next = fin.advanced(by: 1)
        phase = .finished
    }
}
