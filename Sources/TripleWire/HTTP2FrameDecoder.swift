public import InspectorCore

/// Finds HTTP/2 frames in one direction of a TCP stream, however TCP split or merged them.
///
/// `receive` in-order bytes, `gap` for bytes that will never come, `finish` at the end. Frames complete inside one
/// delivery are handed over in place; only a frame spanning deliveries is copied into the buffer. A payload over
/// `maxPayload` is never buffered: the frame is reported and its payload skipped. After a gap the decoder skips
/// exactly the rest of the frame it hit when that frame's length is known; otherwise (or when picked up mid-way)
/// it scans for two consecutive plausible frame headers.
public struct HTTP2FrameDecoder: Sendable {
    public typealias FrameHandler = (HTTP2Frame, Span<UInt8>) -> Void

    enum Mode: Sendable, Equatable {
        /// Matching the client preface; `matched` bytes of it seen.
        case preface(matched: Int)
        case header
        case resync
        /// Passing over `remaining` payload bytes of a frame that is reported without its payload.
        case skipping(HTTP2Frame, remaining: Int)
    }

    /// Largest payload buffered and handed over; longer frames are skipped (their header is still reported).
    public let maxPayload: Int
    public private(set) var stats = HTTP2StreamStats()
    private(set) var mode: Mode
    private var buffer: [UInt8] = []
    private static let keptBufferCapacity = 4 << 10
    /// Capture time of the delivery that brought `buffer[offset...]`, ascending by offset.
    private var bufferTimes: [TimedOffset] = []
    private var followsLoss: Bool
    public private(set) var hasSeenFrame = false

    /// - Parameters:
    ///   - expectsPreface: the client direction of a connection seen from its start: the preface comes first.
    ///   - midstream: picked up after the start; the first byte may be inside a frame.
    public init(maxPayload: Int, expectsPreface: Bool, midstream: Bool) {
        self.maxPayload = min(max(maxPayload, 0), HTTP2FrameHeader.largestPayload)
        self.mode = midstream ? .resync : expectsPreface ? .preface(matched: 0) : .header
        self.followsLoss = midstream
    }

    /// Where in `buffer` a delivery's bytes begin, and its capture time.
    private struct TimedOffset {
        var offset: Int
        var time: CaptureTime
    }

    /// Bytes held for a frame that spans deliveries.
    public var bufferedBytes: Int { buffer.count }

    // MARK: Input

    public mutating func receive(_ bytes: Span<UInt8>, time: CaptureTime, _ handler: FrameHandler) {
        guard !bytes.isEmpty else { return }
        var rest = bytes
        while !buffer.isEmpty, !rest.isEmpty {
            let take = min(rest.count, bytesWantedByBuffer() ?? rest.count)
            bufferTimes.append(TimedOffset(offset: buffer.count, time: time))
            rest.extracting(..<take).withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            rest = rest.extracting(take...)
            processBuffer(handler)
        }
        guard !rest.isEmpty else { return }
        let consumed = rest.withUnsafeBufferPointer { view in process(view, timeAt: { _ in time }, handler) }
        if consumed < rest.count {
            rest.extracting(consumed...).withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            bufferTimes.removeAll(keepingCapacity: true)  // a new array per spanning frame was an allocation
            bufferTimes.append(TimedOffset(offset: 0, time: time))
        }
    }

    /// `length` bytes of this direction are missing.
    public mutating func gap(length: Int, time: CaptureTime, _ handler: FrameHandler) {
        guard length > 0 else { return }
        stats.gapBytes += Int64(length)
        var missing = length
        switch mode {
        case .skipping(var frame, let remaining):
            if frame.payloadState == .complete { frame.payloadState = .gap }
            if missing < remaining {
                mode = .skipping(frame, remaining: remaining - missing)
                return
            }
            missing -= remaining
            emitWithoutPayload(frame, lastByteTime: time, handler)
            mode = .header
        case .header:
            let header = buffer.withUnsafeBufferPointer { HTTP2FrameHeader.parse($0, at: 0) }
            guard let header else { return loseSync() }
            // The frame's length is known: skip exactly the part of it that is missing.
            let stillMissing = HTTP2FrameHeader.size + header.length - buffer.count
            let frame = HTTP2Frame(
                header: header, firstByteTime: bufferTimes.first?.time ?? time, lastByteTime: time,
                payloadState: .gap, followsLoss: followsLoss
            )
            clearBuffer()
            if missing < stillMissing {
                mode = .skipping(frame, remaining: stillMissing - missing)
                return
            }
            missing -= stillMissing
            emitWithoutPayload(frame, lastByteTime: time, handler)
        case .preface, .resync:
            return loseSync()
        }
        // The gap ran past the end of the frame it hit: what followed is lost too.
        if missing > 0 { loseSync() }
    }

    /// The stream is over: a frame cut short is reported as truncated.
    public mutating func finish(time: CaptureTime, _ handler: FrameHandler) {
        switch mode {
        case .skipping(var frame, _):
            if frame.payloadState == .complete || frame.payloadState == .tooLarge { frame.payloadState = .truncated }
            emitWithoutPayload(frame, lastByteTime: time, handler)
        case .header:
            if let header = buffer.withUnsafeBufferPointer({ HTTP2FrameHeader.parse($0, at: 0) }) {
                let frame = HTTP2Frame(
                    header: header, firstByteTime: bufferTimes.first?.time ?? time,
                    lastByteTime: bufferTimes.last?.time ?? time, payloadState: .truncated, followsLoss: followsLoss
                )
                emitWithoutPayload(frame, lastByteTime: frame.lastByteTime, handler)
            }
        case .preface, .resync:
            stats.skippedBytes += Int64(buffer.count)
        }
        clearBuffer()
        mode = .resync
    }

    /// Gives up a frame being collected (memory pressure): it is passed over like a too-large one.
    public mutating func evictBufferedFrame() -> Int {
        let held = buffer.count
        guard case .header = mode, let header = buffer.withUnsafeBufferPointer({ HTTP2FrameHeader.parse($0, at: 0) })
        else {
            clearBuffer()
            if held > 0 { loseSync() }
            return held
        }
        let frame = HTTP2Frame(
            header: header, firstByteTime: bufferTimes.first?.time ?? .zero, lastByteTime: bufferTimes.last?.time ?? .zero,
            payloadState: .tooLarge, followsLoss: followsLoss
        )
        mode = .skipping(frame, remaining: HTTP2FrameHeader.size + header.length - held)
        clearBuffer()
        return held
    }

    // MARK: Decoding

    private func bytesWantedByBuffer() -> Int? {
        switch mode {
        case .preface(let matched): return HTTP2FrameHeader.clientPreface.count - matched
        case .header:
            guard let header = buffer.withUnsafeBufferPointer({ HTTP2FrameHeader.parse($0, at: 0) }) else {
                return HTTP2FrameHeader.size - buffer.count
            }
            guard header.length <= maxPayload else { return 1 }
            return max(1, HTTP2FrameHeader.size + header.length - buffer.count)
        case .resync, .skipping: return nil
        }
    }

    private mutating func processBuffer(_ handler: FrameHandler) {
        let consumed: Int
        do {
            // A copy for the time lookups, let go before the times are shifted below (else that would copy them).
            let times = bufferTimes
            consumed = buffer.withUnsafeBufferPointer { view in
                process(view, timeAt: { offset in Self.time(at: offset, in: times) }, handler)
            }
        }
        guard consumed > 0 else { return }
        if consumed >= buffer.count {
            clearBuffer()
        } else {
            buffer.removeFirst(consumed)
            // Shifted in place: the entry covering the new start moves to 0, later ones down by `consumed`.
            var kept = 0
            for index in bufferTimes.indices {
                let entry = bufferTimes[index]
                if entry.offset <= consumed {
                    bufferTimes[0] = TimedOffset(offset: 0, time: entry.time)
                    kept = 1
                } else {
                    bufferTimes[kept] = TimedOffset(offset: entry.offset - consumed, time: entry.time)
                    kept += 1
                }
            }
            bufferTimes.removeLast(bufferTimes.count - kept)
        }
    }

    private static func time(at offset: Int, in times: [TimedOffset]) -> CaptureTime {
        var result = times.first?.time ?? .zero
        for entry in times where entry.offset <= offset { result = entry.time }
        return result
    }

    /// Decodes what `view` holds; returns how many bytes were used (the rest waits for more).
    private mutating func process(
        _ view: UnsafeBufferPointer<UInt8>, timeAt: (Int) -> CaptureTime, _ handler: FrameHandler
    ) -> Int {
        var position = 0
        while position < view.count {
            switch mode {
            case .preface(let matched):
                let preface = HTTP2FrameHeader.clientPreface
                var seen = matched
                while seen < preface.count, position < view.count, view[position] == preface[seen] {
                    seen += 1
                    position += 1
                }
                if seen == preface.count {
                    mode = .header
                } else if position < view.count {
                    // Not HTTP/2 after all (or cut): look for frames.
                    stats.skippedBytes += Int64(seen)
                    loseSync()
                } else {
                    mode = .preface(matched: seen)
                }
            case .skipping(let frame, let remaining):
                let take = min(remaining, view.count - position)
                position += take
                if take == remaining {
                    emitWithoutPayload(frame, lastByteTime: timeAt(position - 1), handler)
                    mode = .header
                } else {
                    mode = .skipping(frame, remaining: remaining - take)
                }
            case .header:
                guard let header = HTTP2FrameHeader.parse(view, at: position) else { return position }
                let first = timeAt(position)
                if header.length > maxPayload {
                    stats.oversizedFrames += 1
                    let frame = HTTP2Frame(
                        header: header, firstByteTime: first, lastByteTime: first, payloadState: .tooLarge,
                        followsLoss: followsLoss
                    )
                    position += HTTP2FrameHeader.size
                    mode = .skipping(frame, remaining: header.length)
                    continue
                }
                let end = position + HTTP2FrameHeader.size + header.length
                guard end <= view.count else { return position }
                let frame = HTTP2Frame(
                    header: header, firstByteTime: first, lastByteTime: timeAt(end - 1), payloadState: .complete,
                    followsLoss: followsLoss
                )
                emit(frame, payload: UnsafeBufferPointer(rebasing: view[(position + HTTP2FrameHeader.size)..<end]), handler)
                position = end
            case .resync:
                guard let found = findFrameHeader(view, from: position) else {
                    // Keep the last bytes: a header may start there.
                    let keep = min(view.count - position, 2 * HTTP2FrameHeader.size + HTTP2FrameHeader.defaultMaxPayload)
                    let skip = view.count - position - keep
                    stats.skippedBytes += Int64(skip)
                    return position + skip
                }
                stats.skippedBytes += Int64(found.offset - position)
                if found.confirmed {
                    stats.resyncs += 1
                    position = found.offset
                    mode = .header
                } else {
                    return found.offset  // wait for the bytes that confirm it
                }
            }
        }
        return position
    }

    /// The first offset holding a plausible frame header followed by another plausible one (`confirmed`), or
    /// one whose follower has not arrived yet (not confirmed: wait).
    private func findFrameHeader(_ view: UnsafeBufferPointer<UInt8>, from start: Int) -> (offset: Int, confirmed: Bool)? {
        let limit = min(maxPayload, HTTP2FrameHeader.defaultMaxPayload)
        var offset = start
        while let header = HTTP2FrameHeader.parse(view, at: offset) {
            if header.isPlausible(maxPayload: limit) {
                let next = offset + HTTP2FrameHeader.size + header.length
                if let follower = HTTP2FrameHeader.parse(view, at: next) {
                    if follower.isPlausible(maxPayload: limit) { return (offset, true) }
                } else {
                    return (offset, false)
                }
            }
            offset += 1
        }
        return nil
    }

    private mutating func emit(_ frame: HTTP2Frame, payload: UnsafeBufferPointer<UInt8>, _ handler: FrameHandler) {
        count(frame)
        handler(frame, payload.span)
        followsLoss = false
    }

    private mutating func emitWithoutPayload(_ frame: HTTP2Frame, lastByteTime: CaptureTime, _ handler: FrameHandler) {
        var frame = frame
        frame.lastByteTime = lastByteTime
        count(frame)
        let empty: [UInt8] = []
        empty.withUnsafeBufferPointer { handler(frame, $0.span) }
        followsLoss = false
    }

    private mutating func count(_ frame: HTTP2Frame) {
        stats.frames += 1
        hasSeenFrame = true
        if frame.header.type.rawValue > FrameType.continuation.rawValue {
            stats.unknownFrames += 1
        } else if !frame.header.isPlausible(maxPayload: HTTP2FrameHeader.largestPayload) {
            stats.malformedFrames += 1
        }
    }

    private mutating func loseSync() {
        stats.skippedBytes += Int64(buffer.count)
        clearBuffer()
        mode = .resync
        followsLoss = true
    }

    /// A small buffer is kept for the next frame that spans deliveries; a large one is freed: kept, one DATA frame
    /// spanning segments left each idle connection holding up to 64 KiB (28 KB per connection measured with
    /// 10 000 connections), where a new allocation per large frame costs little beside copying it.
    private mutating func clearBuffer() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.keptBufferCapacity)
        bufferTimes.removeAll(keepingCapacity: true)
    }
}
