public import InspectorCore
public import NetworkLayers

/// Turns TCP segments into ordered byte streams per connection and direction, handed to consumers made by
/// `Factory`; losses become explicit gaps of exact length.
///
/// Contract:
/// - In-order payload is lent to the consumer straight from the caller's span (no copy, no per-packet heap
///   allocation); only bytes ahead of a hole are copied, and they are delivered once the hole fills or is
///   given up (peer ACKed past it, a buffer limit, or the end of the connection).
/// - Retransmitted and overlapping bytes are trimmed: the first copy wins.
/// - Memory is bounded by `Limits`: buffered bytes per direction and in total, segments per direction, and
///   `maxFlows` connections (the least recently active is evicted). Every give-up is counted in `stats`.
/// - Time is capture time only; nothing reads the wall clock, so a replay gives the same events.
/// - Single-threaded: one reassembler per packet stream.
public struct TCPReassembler<Factory: TCPStreamConsumerFactory> {
    /// Accessible so the pipeline can read what the factory collected.
    public var factory: Factory
    public private(set) var stats = ReassemblyStats()
    private let limits: Limits
    private var table = ConnectionTable<Factory.Consumer>()
    private var recentlyClosed: ClosedConnections

    public init(factory: Factory, limits: Limits) {
        self.factory = factory
        self.limits = limits
        self.recentlyClosed = ClosedConnections(capacity: limits.maxFlows)
    }

    // MARK: Segments

    /// Feeds one segment. `payload` = the captured payload bytes of this segment (may be shorter than
    /// `segment.payloadLength`, the length on the wire); it is only borrowed for the call.
    ///
    /// Segments for an untracked connection start one only if they carry a SYN or payload (and no RST), so a
    /// stray ACK or FIN does not make a phantom connection. After a FIN or RST close, only a SYN starts a new
    /// connection on the same endpoints, for one idle timeout; anything else (data after a RST) is ignored.
    public mutating func process(_ segment: TCPSegment, payload: Span<UInt8>, time: CaptureTime) {
        stats.segments += 1
        if min(payload.count, segment.capturedPayloadLength) < segment.payloadLength {
            stats.snapLengthCuts += 1
        }
        let key = ConnectionKey(segment.source, segment.destination)
        var slot = table.slot(for: key)
        if let existing = slot, segment.flags.contains(.syn),
            table.inspect(existing, { $0.isSupersededBy(syn: segment) }) == true
        {
            // Port reuse: the old connection is over even if its end was not captured.
            let closing = table.inspect(existing, { $0.isClosing }) == true
            close(existing, closing ? .fin : .evicted, time: time)
            stats.connectionsReplaced += 1
            slot = nil
        }
        if slot == nil {
            let flags = segment.flags
            if recentlyClosed.contains(key) {
                guard flags.contains(.syn), !flags.contains(.rst) else {
                    stats.segmentsAfterClose += 1
                    return
                }
                recentlyClosed.remove(key)
            }
            let startsConnection = !flags.contains(.rst) && (flags.contains(.syn) || segment.payloadLength > 0)
            guard startsConnection else {
                stats.segmentsWithoutConnection += 1
                return
            }
            slot = open(key: key, segment: segment, time: time)
        }
        guard let slot else { return }
        table.touch(slot)
        // Worked on in its slot, with the counters passed in place: the closure may not reach into `self` while the
        // table is mutated, and copying the counters out and back cost two copies of them per packet.
        let limits = self.limits
        let verdict = table.update(slot, counting: &stats) { connection, stats in
            connection.handle(segment, payload: payload, time: time, limits: limits, stats: &stats)
        }
        if let verdict, verdict != .open, let connection = table.take(slot) {
            settle(connection, at: slot, verdict: verdict, time: time)
        }
        enforceTotalBufferLimit(startingWith: slot, time: time)
    }

    // MARK: Time and end of input

    /// Closes (`.idleTimeout`) every connection with no packet for longer than `limits.flowIdleTimeoutSeconds`
    /// of capture time before `now`, after giving up its holes. Walks from the least recently active and stops
    /// at the first connection still active, so the cost is proportional to the connections closed. (Recency is
    /// packet order; if capture times step backwards a connection may close one call late, never early.)
    public mutating func flushIdle(now: CaptureTime) {
        let timeout = limits.flowIdleTimeoutSeconds
        guard timeout.isFinite, timeout < 9e9 else { return }
        let cutoff = now.adding(seconds: -max(0, timeout))
        recentlyClosed.expire(closedBefore: cutoff)
        var rounds = table.count
        while rounds > 0, let oldest = table.recency.first, let last = table.lastActivity(of: oldest), last < cutoff {
            rounds -= 1
            close(oldest, .idleTimeout, time: now)
        }
    }

    /// End of input: for each connection, least recently active first, delivers buffered data (holes become
    /// gaps), then `closed(.endOfCapture)`. The reassembler is empty afterwards and may be reused.
    public mutating func finish(time: CaptureTime) {
        var rounds = table.count
        while rounds > 0, let oldest = table.recency.first {
            rounds -= 1
            close(oldest, .endOfCapture, time: time)
        }
        recentlyClosed.removeAll()
    }

    // MARK: Connection life

    /// Starts tracking a connection, evicting the least recently active one first if the table is full.
    private mutating func open(key: ConnectionKey, segment: TCPSegment, time: CaptureTime) -> Int {
        if table.count >= max(1, limits.maxFlows), let victim = table.recency.first {
            close(victim, .evicted, time: time)
            stats.flowEvictions += 1
        }
        let roles = Connection<Factory.Consumer>.roles(for: segment)
        let info = ConnectionInfo(
            initiator: roles.initiator, responder: roles.responder, handshakeSeen: roles.handshakeSeen,
            firstSeen: time)
        let consumer = factory.makeConsumer(for: info)
        let slot = table.insert(Connection(key: key, info: info, consumer: consumer))
        stats.connectionsOpened += 1
        if !roles.handshakeSeen { stats.connectionsWithoutHandshake += 1 }
        stats.connectionCount(table.count)
        return slot
    }

    /// Puts a worked-on connection back, or ends it if the segment finished or reset it.
    private mutating func settle(
        _ connection: consuming Connection<Factory.Consumer>, at slot: Int,
        verdict: Connection<Factory.Consumer>.Verdict, time: CaptureTime
    ) {
        switch verdict {
        case .open:
            table.putBack(connection, at: slot)
        case .finished, .reset:
            connection.close(verdict == .reset ? .reset : .fin, time: time, stats: &stats)
            table.remove(slot, key: connection.key)
            recentlyClosed.insert(connection.key, time: time)
            stats.connectionCount(table.count)
        }
    }

    /// Ends the connection in `slot` for `end`, giving up its holes first.
    private mutating func close(_ slot: Int, _ end: StreamEnd, time: CaptureTime) {
        guard var connection = table.take(slot) else { return }
        connection.close(end, time: time, stats: &stats)
        table.remove(slot, key: connection.key)
        stats.connectionCount(table.count)
    }

    /// While buffered bytes across all connections exceed `limits.maxBufferedBytesTotal`, gives up holes: first
    /// in the connection that just grew, then in those that have been buffering longest.
    private mutating func enforceTotalBufferLimit(startingWith current: Int, time: CaptureTime) {
        let maximum = limits.maxBufferedBytesTotal
        guard stats.currentBufferedBytes > maximum else { return }
        var candidate: Int? = table.buffering.contains(current) ? current : table.buffering.first
        var rounds = table.buffering.count + 1
        while let slot = candidate, rounds > 0, stats.currentBufferedBytes > maximum {
            rounds -= 1
            if var connection = table.take(slot) {
                let verdict = connection.releaseBuffers(time: time, stats: &stats) { $0.currentBufferedBytes > maximum }
                settle(connection, at: slot, verdict: verdict, time: time)
            }
            candidate = table.buffering.first
        }
    }
}
