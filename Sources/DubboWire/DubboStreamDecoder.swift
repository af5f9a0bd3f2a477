public import InspectorCore

/// Finds Dubbo frames in one direction of a TCP stream, however TCP split or merged them.
///
/// Feed it what reassembly delivers: `receive` for in-order bytes, `gap` for bytes that will never come,
/// `finish` at the end. Frames are handed to a closure together with their body, lent for the duration of the
/// call. Complete frames inside one delivery are decoded in place (no copy); only a frame that spans deliveries
/// is copied into the decoder's buffer. A body longer than `Limits.maxBodyLength` is never buffered: its header is
/// reported and the body skipped. After a gap the decoder skips exactly the missing part of the current frame
/// when it knows the frame's length; otherwise (or when the stream starts mid-way, or bytes are not Dubbo)
/// it scans for the magic and accepts only a plausible header.
///
/// A frame whose body will not complete (gap, end of stream, too large, evicted) is handed over with the captured
/// head of its body — its first bytes, up to `partialHeadLength`, as far as they arrived without a gap — so the
/// names at its start can still be decoded (`bodyState` says the body is not complete). Only such frames pay for
/// the copy; complete frames are lent in place as before.
public struct DubboStreamDecoder: Sendable {
    public typealias FrameHandler = (DubboFrameInfo, Span<UInt8>) -> Void

    /// Most bytes kept from the head of a body that will not complete: room for the dubbo version, service,
    /// version, method, descriptor and short arguments (the names of a typical request sit in its first 200 bytes).
    public static let partialHeadLength = 4_096

    /// A frame whose header was read but whose body is being passed over.
    struct PendingFrame: Sendable, Equatable {
        var info: DubboFrameInfo
        /// The captured first bytes of the body (at most `partialHeadLength`).
        var head: [UInt8] = []
        /// Whether the bytes being passed over still continue the head (no gap since the body started).
        var headContinues = true

        /// Adds the next body bytes being passed over to the head while it continues and has room.
        mutating func extendHead(_ bytes: Span<UInt8>) {
            guard headContinues, head.count < DubboStreamDecoder.partialHeadLength, !bytes.isEmpty else { return }
            let take = min(bytes.count, DubboStreamDecoder.partialHeadLength - head.count)
            bytes.extracting(..<take).withUnsafeBufferPointer { head.append(contentsOf: $0) }
        }
    }

    enum Mode: Sendable, Equatable {
        /// The next byte starts a header.
        case header
        /// Place lost: scanning for a plausible header.
        case resync
        /// Passing over `remaining` body bytes of a frame that will be reported without its body.
        case skipping(PendingFrame, remaining: Int64)
    }

    public let maxBodyLength: Int
    public private(set) var stats = DubboStreamStats()
    private(set) var mode: Mode

    /// Bytes not yet consumed; `buffer[0]` is at stream offset `bufferStreamOffset`.
    private var buffer: [UInt8] = []
    private var bufferStreamOffset: Int64 = 0
    /// Capture time of the delivery that brought `buffer[offset...]`, ascending by offset.
    private var bufferTimes: [(offset: Int, time: CaptureTime)] = []
    /// Stream offset of the next byte to arrive.
    private var streamOffset: Int64 = 0
    private var lastTime: CaptureTime = .zero
    private var nextFrameFoundByResync = false
    private let startedMidstream: Bool
    /// Bytes went missing: a frame found by scanning after that follows a real loss, even before any frame.
    private var lostBytes = false
    /// Whether any frame was ever found: bytes skipped before the first frame are non-Dubbo data, not a lost place.
    public private(set) var hasSeenFrame = false

    /// - Parameter midstream: the stream was picked up after its start, so the first bytes may be inside a frame.
    public init(maxBodyLength: Int, midstream: Bool) {
        self.maxBodyLength = maxBodyLength
        self.mode = midstream ? .resync : .header
        self.nextFrameFoundByResync = midstream
        self.startedMidstream = midstream
    }

    // MARK: Input

    /// In-order bytes of this direction, carried by a packet captured at `time`.
    public mutating func receive(_ bytes: Span<UInt8>, time: CaptureTime, _ handler: FrameHandler) {
        guard !bytes.isEmpty else { return }
        lastTime = time
        var rest = bytes
        // A frame spans deliveries: give it only the bytes it still needs, so what follows it is decoded in place.
        // Every round moves at least one byte from `rest` into the buffer.
        while !buffer.isEmpty, !rest.isEmpty {
            let take = min(rest.count, bytesWantedByBuffer() ?? rest.count)
            bufferTimes.append((buffer.count, time))
            rest.extracting(..<take).withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            streamOffset += Int64(take)
            rest = rest.extracting(take...)
            processBuffer(handler)
        }
        guard !rest.isEmpty else { return }
        // Fast path: decode straight from the delivery; keep only an incomplete tail.
        let start = streamOffset
        let consumed = process(rest, viewStreamOffset: start, timeOf: { _ in time }, handler)
        streamOffset += Int64(rest.count)
        if consumed < rest.count {
            rest.extracting(consumed...).withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            bufferStreamOffset = start + Int64(consumed)
            bufferTimes = [(0, time)]
        }
    }

    /// How many more bytes the buffered frame needs before it can be decoded (its header first); `nil` when that
    /// is not known (looking for a header after lost sync).
    private func bytesWantedByBuffer() -> Int? {
        guard case .header = mode else { return nil }
        guard buffer.count >= DubboFrameHeader.size else { return DubboFrameHeader.size - buffer.count }
        let parsed = buffer.withUnsafeBufferPointer { DubboFrameHeader.parse($0.span, at: 0) }
        guard let (magic, header) = parsed, magic == DubboFrameHeader.magic, header.bodyLength >= 0,
              Int(header.bodyLength) <= maxBodyLength
        else { return nil }
        return max(1, DubboFrameHeader.size + Int(header.bodyLength) - buffer.count)
    }

    /// `length` bytes of this direction are missing from the capture.
    public mutating func gap(length: Int, time: CaptureTime, _ handler: FrameHandler) {
        guard length > 0 else { return }
        lastTime = time
        lostBytes = true
        stats.gapBytes += Int64(length)
        streamOffset += Int64(length)
        var missing = Int64(length)
        switch mode {
        case .skipping(var pending, let remaining):
            if pending.info.bodyState == .complete { pending.info.bodyState = .gap }
            pending.headContinues = false
            if missing < remaining {
                mode = .skipping(pending, remaining: remaining - missing)
                return
            }
            missing -= remaining
            emitWithoutBody(pending, lastByteTime: time, handler)
            mode = .header
        case .header:
            if buffer.count >= DubboFrameHeader.size, var pending = pendingFromBufferedHeader(state: .gap) {
                pending.headContinues = false
                // The frame's length is known: skip exactly the part of it that is missing.
                let frameLength = Int64(DubboFrameHeader.size) + Int64(pending.info.header.bodyLength)
                let stillMissing = frameLength - Int64(buffer.count)
                clearBuffer()
                if missing < stillMissing {
                    mode = .skipping(pending, remaining: stillMissing - missing)
                    return
                }
                missing -= stillMissing
                emitWithoutBody(pending, lastByteTime: time, handler)
                mode = .header
            } else {
                // A header (or the start of one) fell into the gap: its length is unknown.
                stats.skippedBytes += Int64(buffer.count)
                clearBuffer()
                loseSync()
                return
            }
        case .resync:
            stats.skippedBytes += Int64(buffer.count)
            clearBuffer()
            return
        }
        // The gap ran past the end of the frame it hit: whatever followed it is lost too.
        if missing > 0 {
            loseSync()
        }
    }

    /// The stream ended (FIN, RST, idle, end of capture): report a frame left incomplete.
    public mutating func finish(time: CaptureTime, _ handler: FrameHandler) {
        switch mode {
        case .skipping(var pending, _):
            if pending.info.bodyState == .complete { pending.info.bodyState = .truncated }
            if pending.info.bodyState != .tooLarge, pending.info.bodyState != .evicted { stats.framesTruncated += 1 }
            emitWithoutBody(pending, lastByteTime: lastTime, handler)
            mode = .header
        case .header:
            if buffer.count >= DubboFrameHeader.size, let pending = pendingFromBufferedHeader(state: .truncated) {
                stats.framesTruncated += 1
                emitWithoutBody(pending, lastByteTime: lastTime, handler)
            } else {
                stats.trailingBytes += Int64(buffer.count)
            }
        case .resync:
            stats.skippedBytes += Int64(buffer.count)
        }
        clearBuffer()
    }

    // MARK: Memory

    /// Memory held for an incomplete frame that spans deliveries: its bytes so far and one time mark per delivery,
    /// or the head kept of a body being passed over.
    public var bufferedBytes: Int {
        var held = buffer.count + bufferTimes.count * MemoryLayout<(offset: Int, time: CaptureTime)>.stride
        if case .skipping(let pending, _) = mode { held += pending.head.count }
        return held
    }

    /// Gives up the incomplete frame being collected, for a memory limit over all connections. When its header is
    /// known the rest of the frame is passed over and it is reported without a body (`.evicted`); a partial header
    /// is skipped and the decoder looks for the next one. Returns the bytes released (`bufferedBytes` before).
    public mutating func evictBufferedFrame() -> Int {
        if case .skipping(var pending, let remaining) = mode, !pending.head.isEmpty {
            // Only the kept head is held: give it up, the frame goes on being passed over.
            let released = pending.head.count
            pending.head = []
            pending.headContinues = false
            mode = .skipping(pending, remaining: remaining)
            return released
        }
        guard case .header = mode, !buffer.isEmpty else { return 0 }
        let released = bufferedBytes
        stats.framesEvicted += 1
        if buffer.count >= DubboFrameHeader.size, var pending = pendingFromBufferedHeader(state: .evicted) {
            // Given up for memory: nothing of it is kept.
            pending.head = []
            pending.headContinues = false
            let frameLength = Int64(DubboFrameHeader.size) + Int64(pending.info.header.bodyLength)
            mode = .skipping(pending, remaining: max(0, frameLength - Int64(buffer.count)))
        } else {
            stats.skippedBytes += Int64(buffer.count)
            lostBytes = true
            loseSync()
        }
        clearBuffer()
        return released
    }

    // MARK: Decoding

    private mutating func processBuffer(_ handler: FrameHandler) {
        var pending = buffer
        buffer = []
        let times = bufferTimes
        let consumed = pending.withUnsafeBufferPointer { pointer in
            process(pointer.span, viewStreamOffset: bufferStreamOffset, timeOf: { Self.time(at: $0, in: times) }, handler)
        }
        guard consumed > 0 else {
            buffer = pending
            return
        }
        bufferStreamOffset += Int64(consumed)
        if consumed == pending.count {
            // Let the memory go: an idle connection must not keep the capacity of the largest frame it carried.
            buffer = []
            bufferTimes = []
        } else {
            pending.removeFirst(consumed)
            buffer = pending
            // Keep the mark covering the new first byte, shifted.
            let firstKept = bufferTimes.lastIndex { $0.offset <= consumed } ?? 0
            bufferTimes.removeFirst(firstKept)
            for index in bufferTimes.indices {
                bufferTimes[index].offset = max(0, bufferTimes[index].offset - consumed)
            }
        }
    }

    /// Consumes frames from `view`; returns how many bytes were used. Stops when it needs more bytes.
    private mutating func process(
        _ view: Span<UInt8>, viewStreamOffset: Int64, timeOf: (Int) -> CaptureTime, _ handler: FrameHandler
    ) -> Int {
        var position = 0
        while true {
            switch mode {
            case .skipping(var pending, let remaining):
                let available = Int64(view.count - position)
                let take = min(remaining, available)
                pending.extendHead(view.extracting(position..<(position + Int(take))))
                position += Int(take)
                if take < remaining {
                    mode = .skipping(pending, remaining: remaining - take)
                    return position
                }
                emitWithoutBody(pending, lastByteTime: position > 0 ? timeOf(position - 1) : lastTime, handler)
                mode = .header

            case .header:
                guard let (magic, header) = DubboFrameHeader.parse(view, at: position) else { return position }
                guard magic == DubboFrameHeader.magic, header.bodyLength >= 0 else {
                    loseSync()
                    continue
                }
                if Int(header.bodyLength) > maxBodyLength {
                    stats.framesTooLarge += 1
                    let info = DubboFrameInfo(
                        header: header, streamOffset: viewStreamOffset + Int64(position),
                        firstByteTime: timeOf(position), lastByteTime: timeOf(position),
                        bodyState: .tooLarge, foundByResync: nextFrameFoundByResync)
                    nextFrameFoundByResync = false
                    position += DubboFrameHeader.size
                    mode = .skipping(PendingFrame(info: info), remaining: Int64(header.bodyLength))
                    continue
                }
                let frameLength = DubboFrameHeader.size + Int(header.bodyLength)
                guard view.count - position >= frameLength else { return position }
                let info = DubboFrameInfo(
                    header: header, streamOffset: viewStreamOffset + Int64(position),
                    firstByteTime: timeOf(position), lastByteTime: timeOf(position + frameLength - 1),
                    bodyState: .complete, foundByResync: nextFrameFoundByResync)
                nextFrameFoundByResync = false
                hasSeenFrame = true
                stats.frames += 1
                stats.bytesInFrames += Int64(frameLength)
                handler(info, view.extracting((position + DubboFrameHeader.size)..<(position + frameLength)))
                position += frameLength

            case .resync:
                switch scanForHeader(view, from: position) {
                case .found(let index):
                    stats.skippedBytes += Int64(index - position)
                    stats.resyncs += 1
                    position = index
                    mode = .header
                    // Text before the first frame of a stream seen from its start is a telnet command, not a loss.
                    nextFrameFoundByResync = hasSeenFrame || startedMidstream || lostBytes
                case .needMore(let index):
                    stats.skippedBytes += Int64(index - position)
                    return index
                }
            }
        }
    }

    private enum ScanResult { case found(Int), needMore(Int) }

    /// Looks for `da bb` followed by a plausible header. `needMore(i)`: nothing before `i` can start a frame.
    private func scanForHeader(_ view: Span<UInt8>, from start: Int) -> ScanResult {
        var index = start
        while index + 1 < view.count {
            if view[index] == 0xDA, view[index + 1] == 0xBB {
                guard let (_, header) = DubboFrameHeader.parse(view, at: index) else { return .needMore(index) }
                if header.isPlausibleAfterResync(maxBodyLength: maxBodyLength),
                   Self.bodyStartIsPlausible(header, view, bodyAt: index + DubboFrameHeader.size) {
                    return .found(index)
                }
            }
            index += 1
        }
        // A final 0xDA may be the first half of a magic.
        if index < view.count, view[index] == 0xDA { return .needMore(index) }
        return .needMore(view.count)
    }

    /// For Hessian2 the first body byte is predictable; checking it makes a false match inside a body rare.
    static func bodyStartIsPlausible(_ header: DubboFrameHeader, _ view: Span<UInt8>, bodyAt offset: Int) -> Bool {
        guard header.serialization == .hessian2, offset < view.count else { return true }
        let first = view[offset]
        let isString = first <= 0x1F || (0x30...0x33).contains(first) || first == 0x52 || first == 0x53
        if header.isEvent { return first == 0x4E || isString }
        if header.isRequest { return isString || first == 0x4E }
        if header.status == StatusCode.ok.rawValue { return (0x90...0x95).contains(first) }
        return isString || first == 0x4E
    }

    // MARK: Helpers

    private mutating func loseSync() {
        if hasSeenFrame { stats.syncLosses += 1 }
        mode = .resync
    }

    /// The frame whose header starts the buffer, with the body bytes buffered after it as its head.
    private func pendingFromBufferedHeader(state: DubboFrameInfo.BodyState) -> PendingFrame? {
        buffer.withUnsafeBufferPointer { pointer -> PendingFrame? in
            guard let (magic, header) = DubboFrameHeader.parse(pointer.span, at: 0),
                  magic == DubboFrameHeader.magic, header.bodyLength >= 0
            else { return nil }
            let first = Self.time(at: 0, in: bufferTimes)
            var pending = PendingFrame(info: DubboFrameInfo(
                header: header, streamOffset: bufferStreamOffset, firstByteTime: first, lastByteTime: lastTime,
                bodyState: state, foundByResync: nextFrameFoundByResync))
            let bodyEnd = min(pointer.count, DubboFrameHeader.size + Int(header.bodyLength))
            pending.extendHead(pointer.span.extracting(DubboFrameHeader.size..<bodyEnd))
            return pending
        }
    }

    /// Hands over a frame whose body did not complete, lending the captured head of its body (often empty).
    private mutating func emitWithoutBody(_ pending: PendingFrame, lastByteTime: CaptureTime, _ handler: FrameHandler) {
        var info = pending.info
        info.lastByteTime = lastByteTime
        nextFrameFoundByResync = false
        hasSeenFrame = true
        stats.frames += 1
        if info.bodyState == .gap { stats.framesWithGaps += 1 }
        pending.head.withUnsafeBufferPointer { handler(info, $0.span) }
    }

    private mutating func clearBuffer() {
        buffer.removeAll(keepingCapacity: false)
        bufferTimes.removeAll()
    }

    private static func time(at offset: Int, in marks: [(offset: Int, time: CaptureTime)]) -> CaptureTime {
        // Binary search for the last mark at or before `offset`.
        var low = 0
        var high = marks.count - 1
        var found = marks.first?.time ?? .zero
        while low <= high {
            let middle = (low + high) / 2
            if marks[middle].offset <= offset {
                found = marks[middle].time
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }
}
