internal import InspectorCore

// MARK: - Accepting segment data

extension DirectionState {
    /// Takes the data of one segment: `length` sequence numbers from `start`, of which the first `captured`
    /// bytes are in `payload` and the rest were cut by the snap length.
    ///
    /// Bytes before `next` are trimmed (already delivered or given up: they cannot be compared). Bytes that
    /// overlap buffered ones are dropped (first copy wins) and compared. The in-order part is delivered straight
    /// from `payload` without copying; only parts ahead of a hole are copied into `buffer`. Afterwards the
    /// per-direction buffer limits are enforced by giving up holes. Cost: O(log n + overlapped entries) plus an
    /// O(n) array insert per buffered piece, n ≤ `Limits.maxBufferedSegmentsPerFlow`.
    mutating func accept<C: TCPStreamConsumer>(
        dataAt start: TCPSequence, payload: Span<UInt8>, captured capturedCount: Int, length wireLength: Int,
        time: CaptureTime, limits: Limits, consumer: inout C, stats: inout ReassemblyStats
    ) {
        guard phase != .unopened else { return }
        var length = wireLength
        if let fin {
            // Data past the FIN cannot belong to this stream.
            let allowed = max(0, start.distance(to: fin))
            if length > allowed {
                stats.bytesAfterFIN += length - allowed
                length = allowed
            }
        }
        guard length > 0 else { return }
        // Nothing legitimate lies beyond the largest window (2^30, RFC 7323 §2.3); such a segment belongs to
        // another incarnation of the connection or is garbage, and buffering it would break serial ordering.
        guard next.distance(to: start) <= 1 << 30, length <= 1 << 30 else {
            stats.segmentsOutOfWindow += 1
            return
        }
        let captured = max(0, min(capturedCount, length, payload.count))

        let skip = max(0, start.distance(to: next))
        guard skip < length else {
            stats.retransmissions += 1
            return
        }

        // Walk the buffered entries the segment overlaps. The uncovered pieces are new: the one at `next` is
        // delivered from the borrowed payload below, the others are copied into the buffer right here.
        var cursor = skip
        var inOrder: Range<Int>?
        var newCount = 0
        var overlapped = skip > 0
        var differing = 0
        var index = firstEntry(endingAfter: start.advanced(by: cursor))
        while cursor < length, index < buffer.count {
            let entry = buffer[index]
            let entryOffset = start.distance(to: entry.start)
            guard entryOffset < length else { break }
            if cursor < entryOffset {
                if inOrder == nil, start.advanced(by: cursor) == next {
                    inOrder = cursor..<entryOffset
                } else {
                    insert(
                        at: index, start: start, range: cursor..<entryOffset, payload: payload, captured: captured,
                        time: time, stats: &stats)
                    index += 1
                }
                newCount += entryOffset - cursor
                cursor = entryOffset
            }
            let overlapEnd = min(length, entryOffset + entry.length)
            if cursor < overlapEnd {
                overlapped = true
                differing += Self.differences(
                    payload, captured: captured, entry: entry, entryOffset: entryOffset,
                    range: cursor..<overlapEnd)
                cursor = overlapEnd
            }
            index += 1
        }
        if cursor < length {
            if inOrder == nil, start.advanced(by: cursor) == next {
                inOrder = cursor..<length
            } else {
                insert(
                    at: index, start: start, range: cursor..<length, payload: payload, captured: captured,
                    time: time, stats: &stats)
            }
            newCount += length - cursor
        }

        if newCount == 0 {
            stats.retransmissions += 1
        } else if overlapped {
            stats.overlapsTrimmed += 1
        }
        if differing > 0 {
            stats.inconsistentRetransmissions += 1
            stats.inconsistentBytes += differing
        }
        if let inOrder {
            deliver(
                start: start, range: inOrder, payload: payload, captured: captured, time: time,
                consumer: &consumer, stats: &stats)
            deliverContiguous(consumer: &consumer, stats: &stats)
        } else if newCount > 0 {
            stats.outOfOrderSegments += 1
        }
        enforceLimits(limits, time: time, consumer: &consumer, stats: &stats)
        finishIfFINReached()
    }

    /// Index of the first buffered entry that ends after `sequence` (binary search; entries are sorted and
    /// all lie within a window after `next`, so distances from `next` order them).
    private func firstEntry(endingAfter sequence: TCPSequence) -> Int {
        let target = next.distance(to: sequence)
        var low = 0
        var high = buffer.count
        while low < high {
            let middle = (low + high) / 2
            if next.distance(to: buffer[middle].end) > target {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }

    /// Copies `range` (offsets into the segment) into the buffer at `index`.
    private mutating func insert(
        at index: Int, start: TCPSequence, range: Range<Int>, payload: Span<UInt8>, captured: Int,
        time: CaptureTime, stats: inout ReassemblyStats
    ) {
        let capturedEnd = max(range.lowerBound, min(range.upperBound, captured))
        let bytes = payload.copyBytes(at: range.lowerBound, count: capturedEnd - range.lowerBound) ?? []
        let entry = BufferedSegment(
            start: start.advanced(by: range.lowerBound), bytes: bytes,
            cutLength: range.count - bytes.count, time: time)
        buffer.insert(entry, at: index)
        bufferedBytes += bytes.count
        stats.buffered(bytes.count)
    }

    /// Bytes in `range` (offsets into the segment) that differ from the buffered copy; cut-off parts on either
    /// side cannot be compared.
    private static func differences(
        _ payload: Span<UInt8>, captured: Int, entry: BufferedSegment, entryOffset: Int, range: Range<Int>
    ) -> Int {
        var count = 0
        let end = min(range.upperBound, captured, entryOffset + entry.bytes.count)
        var offset = range.lowerBound
        while offset < end {
            if payload[offset] != entry.bytes[offset - entryOffset] { count += 1 }
            offset += 1
        }
        return count
    }

    /// Hands `range` of the segment (starting at `next`) to the consumer: the captured bytes borrowed, then the
    /// cut-off rest as a gap.
    private mutating func deliver<C: TCPStreamConsumer>(
        start: TCPSequence, range: Range<Int>, payload: Span<UInt8>, captured: Int, time: CaptureTime,
        consumer: inout C, stats: inout ReassemblyStats
    ) {
        let capturedEnd = max(range.lowerBound, min(range.upperBound, captured))
        if capturedEnd > range.lowerBound {
            consumer.received(payload.extracting(range.lowerBound..<capturedEnd), direction: direction, time: time)
            stats.bytesDelivered += capturedEnd - range.lowerBound
        }
        let cut = range.upperBound - capturedEnd
        if cut > 0 {
            consumer.gap(length: cut, direction: direction, time: time)
            stats.recordGap(cut)
        }
        next = start.advanced(by: range.upperBound)
    }
}
