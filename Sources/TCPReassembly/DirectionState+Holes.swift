internal import InspectorCore

// MARK: - Draining the buffer and giving up holes

extension DirectionState {
    /// Delivers buffered entries from `next` on until the next hole, each with the time of its own packet.
    /// A snap-length cut inside an entry becomes a gap at its place.
    mutating func deliverContiguous<C: TCPStreamConsumer>(consumer: inout C, stats: inout ReassemblyStats) {
        var consumed = 0
        var releasedBytes = 0
        while consumed < buffer.count {
            let entry = buffer[consumed]
            let offset = entry.start.distance(to: next)
            guard offset >= 0 else { break }  // a hole before this entry
            if offset < entry.length {
                // Entries normally start exactly at `next`; an offset only trims what a give-up already covered.
                if offset < entry.bytes.count {
                    consumer.received(
                        entry.bytes.span.extracting(offset..<entry.bytes.count), direction: direction, time: entry.time)
                    stats.bytesDelivered += entry.bytes.count - offset
                }
                let cut = entry.length - max(offset, entry.bytes.count)
                if cut > 0 {
                    consumer.gap(length: cut, direction: direction, time: entry.time)
                    stats.recordGap(cut)
                }
                next = entry.end
            }
            releasedBytes += entry.bytes.count
            consumed += 1
        }
        guard consumed > 0 else { return }
        buffer.removeFirst(consumed)
        release(releasedBytes, stats: &stats)
    }

    /// The peer acknowledged everything before `ack`, which proves those bytes were sent: any still missing were
    /// lost before the capture. Reports each such hole as a gap and delivers the buffered bytes behind it.
    ///
    /// Acknowledgments that do not move past `next`, or that jump further than the largest TCP window (2^30,
    /// RFC 7323), are ignored: they prove nothing about this stream.
    mutating func acknowledge<C: TCPStreamConsumer>(
        _ ack: TCPSequence, time: CaptureTime, consumer: inout C, stats: inout ReassemblyStats
    ) {
        guard phase == .open else { return }
        var limit = ack
        // The FIN's own number is not data; the ACK of a FIN is one past it.
        if let fin, fin.precedes(limit) { limit = fin }
        let span = next.distance(to: limit)
        guard span > 0, span <= 1 << 30 else { return }
        var rounds = buffer.count + 1  // each round consumes at least one entry or ends the loop
        while next.precedes(limit), rounds > 0 {
            rounds -= 1
            var holeEnd = limit
            if let first = buffer.first, first.start.precedes(limit) { holeEnd = first.start }
            let hole = next.distance(to: holeEnd)
            if hole > 0 {
                consumer.gap(length: hole, direction: direction, time: time)
                stats.recordGap(hole)
                stats.holesSkippedOnACK += 1
                next = holeEnd
            }
            deliverContiguous(consumer: &consumer, stats: &stats)
        }
        finishIfFINReached()
    }

    /// Gives up the first hole: reports it as a gap and delivers the buffered run after it.
    /// Returns `false` when nothing is buffered.
    @discardableResult
    mutating func giveUpFirstHole<C: TCPStreamConsumer>(
        time: CaptureTime, consumer: inout C, stats: inout ReassemblyStats
    ) -> Bool {
        guard let first = buffer.first else { return false }
        let hole = next.distance(to: first.start)
        if hole > 0 {
            consumer.gap(length: hole, direction: direction, time: time)
            stats.recordGap(hole)
            next = first.start
        }
        deliverContiguous(consumer: &consumer, stats: &stats)
        finishIfFINReached()
        return true
    }

    /// While the buffer holds more bytes or entries than the per-direction limits allow, gives up holes.
    mutating func enforceLimits<C: TCPStreamConsumer>(
        _ limits: Limits, time: CaptureTime, consumer: inout C, stats: inout ReassemblyStats
    ) {
        var rounds = buffer.count  // each give-up removes at least one entry
        while bufferedBytes > limits.maxBufferedBytesPerFlow || buffer.count > limits.maxBufferedSegmentsPerFlow,
            rounds > 0
        {
            rounds -= 1
            guard giveUpFirstHole(time: time, consumer: &consumer, stats: &stats) else { break }
            stats.bufferEvictions += 1
        }
    }

    /// The connection is ending: gives up every hole, delivers everything buffered, and reports the bytes
    /// between the last delivered one and a FIN (sent, as the FIN proves, but never captured) as a final gap.
    mutating func giveUpAll<C: TCPStreamConsumer>(time: CaptureTime, consumer: inout C, stats: inout ReassemblyStats) {
        guard phase == .open else {
            // A finished direction holds nothing (bytes past the FIN are dropped when it is seen); stay safe anyway.
            release(bufferedBytes, stats: &stats)
            buffer.removeAll()
            return
        }
        var rounds = buffer.count
        while let first = buffer.first, rounds > 0 {
            rounds -= 1
            if next.precedes(first.start) { stats.holesSkippedAtClose += 1 }
            giveUpFirstHole(time: time, consumer: &consumer, stats: &stats)
        }
        guard phase == .open, let fin else { return }
        let missing = next.distance(to: fin)
        if missing > 0 {
            consumer.gap(length: missing, direction: direction, time: time)
            stats.recordGap(missing)
            stats.holesSkippedAtClose += 1
            next = fin
        }
        finishIfFINReached()
    }
}
