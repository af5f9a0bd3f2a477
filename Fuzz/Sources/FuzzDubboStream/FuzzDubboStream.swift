import DubboWire
import FuzzSupport
import InspectorCore

/// The Dubbo stream decoder fed in random chunks with random gaps.
///
/// Input: byte 0 = options (bit 0 midstream, bit 1 small body limit, bit 2 no gaps), then a program of
/// operations: a control byte `c` and its data. `c < 0xC0`: deliver the next `c % 64 + 1` × (1 + c / 64) bytes;
/// `c >= 0xC0`: a gap of `(c & 0x3F) << 8 | next byte` + 1 bytes (only without bit 2). The stream then finishes.
///
/// Invariants besides "no trap": frames come out in stream order and never overlap; a complete frame's body has
/// exactly its declared length and lies inside what was delivered; a frame whose body will not complete lends at
/// most the head of it (`partialHeadLength`, and only bytes delivered without a gap), an evicted one nothing; a
/// body over the limit is never lent; the stats add up; and without gaps, feeding the same bytes in one piece gives
/// the same frames (split invariance), as long as the decoder never had to resynchronise (resync looks ahead, so
/// where it lands may depend on splits).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDubboStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let options = input.byte()
    let midstream = options & 1 != 0
    let maxBody = options & 2 != 0 ? 64 : 8 << 20
    let allowGaps = options & 4 == 0

    var decoder = DubboStreamDecoder(maxBodyLength: maxBody, midstream: midstream)
    var frames: [Frame] = []
    var delivered: [UInt8] = []
    var streamLength: Int64 = 0
    var gapBytes: Int64 = 0
    /// Where the stream has gaps (stream offset and length), to map stream offsets to delivered bytes.
    var gaps: [(start: Int64, length: Int64)] = []
    var time = CaptureTime(nanosecondsSinceEpoch: 1)
    // Each round consumes at least one input byte.
    while !input.isEmpty {
        let control = input.byte()
        time = time.adding(nanoseconds: 1_000)
        if control >= 0xC0, allowGaps {
            let length = Int(control & 0x3F) << 8 | Int(input.byte()) + 1
            decoder.gap(length: length, time: time) { info, body in
                record(info, body, maxBody: maxBody, streamLength: streamLength + Int64(length), into: &frames)
            }
            gaps.append((streamLength, Int64(length)))
            streamLength += Int64(length)
            gapBytes += Int64(length)
        } else {
            let chunk = input.take(Int(control % 64 + 1) * (1 + Int(control / 64)))
            let end = streamLength + Int64(chunk.count)
            decoder.receive(chunk.span, time: time) { info, body in
                record(info, body, maxBody: maxBody, streamLength: end, into: &frames)
            }
            delivered += chunk
            streamLength = end
        }
    }
    decoder.finish(time: time) { info, body in
        record(info, body, maxBody: maxBody, streamLength: streamLength, into: &frames)
    }

    let stats = decoder.stats
    invariant(stats.frames == frames.count, "stats.frames \(stats.frames) but \(frames.count) frames emitted")
    invariant(stats.gapBytes == gapBytes, "gap bytes \(stats.gapBytes), expected \(gapBytes)")
    invariant(stats.bytesInFrames <= streamLength, "more bytes in frames than in the stream")
    invariant(stats.skippedBytes + stats.trailingBytes <= streamLength, "more bytes skipped than in the stream")
    for (previous, next) in zip(frames, frames.dropFirst()) {
        invariant(next.info.streamOffset >= previous.info.streamOffset + 16, "frames overlap or go backwards")
    }
    for frame in frames where frame.info.bodyState != .complete {
        // The head of a body that will not complete holds only bytes that were really in the stream, none from a gap.
        let start = frame.info.streamOffset + 16
        let head = deliveredBytes(from: start, count: frame.body.count, delivered: delivered, gaps: gaps)
        invariant(head == frame.body, "the head lent for an incomplete frame is not the stream's bytes")
    }
    for frame in frames where frame.info.bodyState == .complete {
        invariant(frame.body.count == Int(frame.info.header.bodyLength), "complete body of the wrong length")
        // In a stream without gaps the body must be exactly the delivered bytes after the header.
        if gapBytes == 0 {
            let start = Int(frame.info.streamOffset) + 16
            invariant(Array(delivered[start..<(start + frame.body.count)]) == frame.body, "body is not the stream's bytes")
        }
    }

    if gapBytes == 0, stats.resyncs == 0, !midstream {
        var whole = DubboStreamDecoder(maxBodyLength: maxBody, midstream: false)
        var wholeFrames: [Frame] = []
        whole.receive(delivered.span, time: time) { info, body in
            record(info, body, maxBody: maxBody, streamLength: streamLength, into: &wholeFrames)
        }
        whole.finish(time: time) { info, body in
            record(info, body, maxBody: maxBody, streamLength: streamLength, into: &wholeFrames)
        }
        let split = frames.map(\.comparable)
        let joined = wholeFrames.map(\.comparable)
        invariant(split == joined, "chunking changed the frames: \(split) vs \(joined)")
    }
    return 0
}

/// The delivered bytes at stream offsets `start..<start + count`; nil when a gap falls inside them.
private func deliveredBytes(
    from start: Int64, count: Int, delivered: [UInt8], gaps: [(start: Int64, length: Int64)]
) -> [UInt8]? {
    let end = start + Int64(count)
    var gapBytesBefore: Int64 = 0
    for gap in gaps {
        if gap.start + gap.length <= start {
            gapBytesBefore += gap.length
        } else if gap.start < end {
            return nil
        }
    }
    let index = Int(start - gapBytesBefore)
    guard index >= 0, index + count <= delivered.count else { return nil }
    return Array(delivered[index..<(index + count)])
}

private struct Frame {
    var info: DubboFrameInfo
    var body: [UInt8]

    /// What must not depend on how the stream was cut (times do).
    var comparable: String {
        "\(info.header) @\(info.streamOffset) \(info.bodyState) resync=\(info.foundByResync) body=\(body.count)"
    }
}

private func record(
    _ info: DubboFrameInfo, _ body: Span<UInt8>, maxBody: Int, streamLength: Int64, into frames: inout [Frame]
) {
    invariant(info.streamOffset >= 0 && info.streamOffset + 16 <= streamLength, "frame offset outside the stream")
    invariant(info.header.bodyLength >= 0, "a frame with a negative length was emitted")
    if info.bodyState == .complete {
        invariant(Int(info.header.bodyLength) <= maxBody, "a body over the limit was lent")
        invariant(info.streamOffset + 16 + Int64(info.header.bodyLength) <= streamLength, "body past the stream end")
    } else if info.bodyState == .evicted {
        // Given up for memory: nothing of it is kept.
        invariant(body.isEmpty, "a body was lent for an evicted frame")
    } else {
        // A body that will not complete lends at most its captured head (checked against the stream at the end).
        invariant(body.count <= min(Int(info.header.bodyLength), DubboStreamDecoder.partialHeadLength),
                  "the head lent for an incomplete frame is too long (\(body.count) bytes)")
        invariant(info.streamOffset + 16 + Int64(body.count) <= streamLength, "an incomplete frame's head past the stream end")
    }
    if info.bodyState == .tooLarge {
        invariant(Int(info.header.bodyLength) > maxBody, "a frame within the limit was reported too large")
    }
    invariant(info.firstByteTime <= info.lastByteTime, "a frame ends before it starts")
    frames.append(Frame(info: info, body: body.withUnsafeBufferPointer { Array($0) }))
}
