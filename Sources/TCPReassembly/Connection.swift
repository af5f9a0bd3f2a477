internal import InspectorCore
internal import NetworkLayers

/// One tracked connection: its roles, its consumer, and the state of both directions.
struct Connection<Consumer: TCPStreamConsumer> {
    /// What processing a segment means for the connection's life.
    enum Verdict: Equatable {
        case open
        /// Both directions reached their FIN.
        case finished
        /// A RST was seen.
        case reset
    }

    let key: ConnectionKey
    let info: ConnectionInfo
    var consumer: Consumer
    var lastActivity: CaptureTime
    private(set) var initiatorSide = DirectionState(direction: .initiatorToResponder)
    private(set) var responderSide = DirectionState(direction: .responderToInitiator)

    init(key: ConnectionKey, info: ConnectionInfo, consumer: Consumer) {
        self.key = key
        self.info = info
        self.consumer = consumer
        self.lastActivity = info.firstSeen
    }

    var hasBufferedData: Bool { initiatorSide.hasBufferedData || responderSide.hasBufferedData }

    /// `true` once either side sent a FIN.
    var isClosing: Bool { initiatorSide.fin != nil || responderSide.fin != nil }

    func direction(from source: Endpoint) -> StreamDirection {
        source == info.initiator ? .initiatorToResponder : .responderToInitiator
    }

    // MARK: Roles

    /// Decides who is the client for a connection whose first packet is `segment`: the sender of a SYN, the
    /// receiver of a SYN+ACK; otherwise the side with the higher port (servers listen on low ports such as
    /// 20880), and on equal ports the sender.
    static func roles(for segment: TCPSegment) -> (initiator: Endpoint, responder: Endpoint, handshakeSeen: Bool) {
        let flags = segment.flags
        if flags.contains(.syn) {
            return flags.contains(.ack)
                ? (segment.destination, segment.source, true) : (segment.source, segment.destination, true)
        }
        if segment.source.port < segment.destination.port {
            return (segment.destination, segment.source, false)
        }
        return (segment.source, segment.destination, false)
    }

    /// Whether a SYN from `segment.source` belongs to a new connection on the same endpoints (port reuse)
    /// rather than to this one: its side already started with another ISN or without a SYN, or it is a fresh
    /// SYN while the other side already sent data without a handshake.
    func isSupersededBy(syn segment: TCPSegment) -> Bool {
        let isInitiator = direction(from: segment.source) == .initiatorToResponder
        let own = isInitiator ? initiatorSide : responderSide
        let peer = isInitiator ? responderSide : initiatorSide
        if own.phase != .unopened {
            return own.midstream || own.initialSequence != TCPSequence(segment.sequence)
        }
        return !segment.flags.contains(.ack) && peer.phase != .unopened && peer.midstream
    }

    // MARK: Segments

    /// Applies one segment: the acknowledgment first (so a hole it proves in the other direction is reported
    /// before this packet's own bytes, keeping requests ahead of their responses), then RST, SYN, data and FIN.
    mutating func handle(
        _ segment: TCPSegment, payload: Span<UInt8>, time: CaptureTime, limits: Limits, stats: inout ReassemblyStats
    ) -> Verdict {
        lastActivity = time
        switch direction(from: segment.source) {
        case .initiatorToResponder:
            return Self.handle(
                segment, payload: payload, time: time, limits: limits,
                own: &initiatorSide, peer: &responderSide, consumer: &consumer, stats: &stats)
        case .responderToInitiator:
            return Self.handle(
                segment, payload: payload, time: time, limits: limits,
                own: &responderSide, peer: &initiatorSide, consumer: &consumer, stats: &stats)
        }
    }

    private static func handle(
        _ segment: TCPSegment, payload: Span<UInt8>, time: CaptureTime, limits: Limits,
        own: inout DirectionState, peer: inout DirectionState, consumer: inout Consumer,
        stats: inout ReassemblyStats
    ) -> Verdict {
        let flags = segment.flags
        if flags.contains(.ack) {
            peer.acknowledge(TCPSequence(segment.acknowledgment), time: time, consumer: &consumer, stats: &stats)
        }
        if flags.contains(.rst) { return .reset }

        let wireLength = max(0, segment.payloadLength)
        let captured = max(0, min(payload.count, segment.capturedPayloadLength, wireLength))
        var dataStart = TCPSequence(segment.sequence)
        if flags.contains(.syn) {
            if own.phase == .unopened {
                own.open(syn: dataStart, time: time, consumer: &consumer)
            } else if wireLength == 0 {
                stats.retransmissions += 1  // a repeated SYN with the known ISN
            }
            dataStart = dataStart.advanced(by: 1)
        } else if own.phase == .unopened {
            // A pure ACK does not open a direction: keep-alives sit one number before the real stream.
            guard wireLength > 0 || flags.contains(.fin) else { return .open }
            own.open(midstreamAt: dataStart, time: time, consumer: &consumer)
        }
        if wireLength > 0 {
            own.accept(
                dataAt: dataStart, payload: payload, captured: captured, length: wireLength,
                time: time, limits: limits, consumer: &consumer, stats: &stats)
        }
        if flags.contains(.fin) {
            own.noteFIN(at: dataStart.advanced(by: wireLength), stats: &stats)
        }
        return own.phase == .finished && peer.phase == .finished ? .finished : .open
    }

    // MARK: Limits and endings

    /// Gives up holes, one at a time and initiator side first, while `isOver()` says memory is over a limit.
    mutating func releaseBuffers(
        time: CaptureTime, stats: inout ReassemblyStats, while isOver: (ReassemblyStats) -> Bool
    ) -> Verdict {
        var rounds = initiatorSide.buffer.count + responderSide.buffer.count
        while isOver(stats), rounds > 0 {
            rounds -= 1
            if initiatorSide.giveUpFirstHole(time: time, consumer: &consumer, stats: &stats)
                || responderSide.giveUpFirstHole(time: time, consumer: &consumer, stats: &stats)
            {
                stats.bufferEvictions += 1
            } else {
                break
            }
        }
        return initiatorSide.phase == .finished && responderSide.phase == .finished ? .finished : .open
    }

    /// Ends the connection: every remaining hole becomes a gap, buffered bytes are delivered, then `closed`.
    mutating func close(_ end: StreamEnd, time: CaptureTime, stats: inout ReassemblyStats) {
        initiatorSide.giveUpAll(time: time, consumer: &consumer, stats: &stats)
        responderSide.giveUpAll(time: time, consumer: &consumer, stats: &stats)
        consumer.closed(end, time: time)
        stats.recordClose(end)
    }
}
