import FuzzSupport
import InspectorCore
import TripleWire

/// A Triple connection (HTTP/2 framing + HPACK + gRPC messages + wrappers) fed both directions in random chunks,
/// with random gaps.
///
/// Input: byte 0 = options (bit 0 picked up mid-stream, bit 1 small limits, bit 2 no gaps, bit 3 values left for
/// the record thread, bit 4 a report's depth: requests kept for their arguments), then a program of
/// operations, each a control byte `c` and its data: bit 0 of `c` = the side (0 client, 1 server);
/// `c >= 0xF0` (only without bit 2): a gap of `next byte + 1` bytes on that side; otherwise deliver
/// `(c >> 1) % 64 + 1` × (1 + `(c >> 1) / 64`) bytes from that side. The connection then finishes.
///
/// Invariants besides "no trap, no hang": one record per stream (never two for the same stream id), the stats
/// count what was emitted, nothing is held once finished, and what is held on the way stays within the limits;
/// bytes kept with a call stay within the message limit, and what was left for later decodes (no call still waits);
/// header blocks remembered from this input or earlier ones (`HeaderBlockMemory`, shared like a thread's connections
/// share it) give every call the same header fields as decoding every block afresh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTriple(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let options = input.byte()
    var limits = TripleLimits(Limits.fuzzing(options >> 1 & 1))
    if options & 2 != 0 {
        limits.maxHeaderBlockLength = 512
        limits.maxContinuationFrames = 3
        limits.maxConcurrentStreams = 4
        limits.maxBufferedMessageBytes = 4_096
        limits.decompressionFloor = 1_024
        limits.maxDecompressionRatio = 4
    }
    if options & 8 != 0 { limits.defersValues = true }
    if options & 16 != 0 {
        limits.decodesValues = false
        limits.keepsRequestsForLater = true
    }
    let allowGaps = options & 4 == 0
    let program = input
    var decoder = TripleConnectionDecoder(limits: limits, midstream: options & 1 != 0, headerMemory: rememberedBlocks)
    let calls = replay(program, into: &decoder, allowGaps: allowGaps)
    // The same bytes with nothing remembered: remembered header blocks never change what a call says.
    var unaided = TripleConnectionDecoder(limits: limits, midstream: options & 1 != 0, headerMemory: HeaderBlockMemory(budget: 0))
    let unaidedCalls = replay(program, into: &unaided, allowGaps: allowGaps)
    invariant(calls.map(headerView) == unaidedCalls.map(headerView), "a remembered header block changed a call")

    let streams = calls.filter { $0.kind != .ping }
    invariant(Int64(streams.count) == decoder.stats.calls, "\(streams.count) streams emitted, stats say \(decoder.stats.calls)")
    invariant(Int64(calls.count - streams.count) == decoder.stats.pings, "pings miscounted")
    invariant(Set(streams.map(\.streamID)).count == streams.count, "a stream was reported twice")
    invariant(streams.allSatisfy { $0.streamID != 0 }, "a call on stream 0")
    var later = TripleDeferredDecoder(limits: limits)
    for var call in streams {
        invariant(call.requestMessages >= 0 && call.responseMessages >= 0, "negative message count")
        for message in [call.request, call.response] {
            let kept = message?.keptByteCount ?? 0
            invariant(kept <= limits.maxMessageLength, "\(kept) bytes kept with a call, limit \(limits.maxMessageLength)")
        }
        if let request = call.request { _ = later.arguments(of: request) }
        _ = later.decodeDeferred(in: &call)
        invariant(!call.awaitsDecoding, "a call still waits for its values after decoding")
        if let start = call.requestTime, let end = call.responseEndTime { invariant(end >= start, "ends before it starts") }
    }
    return 0
}

/// Header blocks remembered over every input, as an analysis thread remembers them over its connections.
nonisolated(unsafe) private let rememberedBlocks = HeaderBlockMemory(budget: 256 << 10)

/// Runs the input's program (see above) through `decoder`, then finishes the connection; the calls it emitted.
private func replay(_ program: FuzzInput, into decoder: inout TripleConnectionDecoder, allowGaps: Bool) -> [TripleCall] {
    var input = program
    var calls: [TripleCall] = []
    var time = CaptureTime(nanosecondsSinceEpoch: 1)
    let limits = decoder.limits
    let bound = 2 * (HTTP2FrameHeader.size + limits.maxFramePayload) + 2 * limits.maxHeaderBlockLength
        + limits.maxBufferedMessageBytes + 2 * limits.maxMessageLength
    while !input.isEmpty {
        let control = input.byte()
        let side: TripleSide = control & 1 == 0 ? .client : .server
        time = time.adding(nanoseconds: 1_000)
        if control >= 0xF0, allowGaps {
            decoder.gap(length: Int(input.byte()) + 1, from: side, time: time) { calls.append($0.call) }
        } else {
            let units = Int(control >> 1)
            let chunk = input.take((units % 64 + 1) * (1 + units / 64))
            chunk.withUnsafeBufferPointer { decoder.receive($0.span, from: side, time: time) { calls.append($0.call) } }
        }
        invariant(decoder.bufferedBytes <= bound, "holding \(decoder.bufferedBytes) bytes, bound \(bound)")
    }
    decoder.finish(time: time) { calls.append($0.call) }
    return calls
}

/// What a call's header blocks told.
private func headerView(_ call: TripleCall) -> String {
    let fields: [Any?] = [
        call.kind, call.streamID, call.path, call.service, call.method, call.version, call.group, call.application,
        call.contentType, call.timeoutMicroseconds, call.attachments.map { "\($0.name)=\($0.value)" }, call.httpStatus,
        call.grpcStatus, call.grpcMessage, call.exceptionCode, call.responseAttachments.map { "\($0.name)=\($0.value)" },
        call.requestTime, call.responseTime, call.quality.rawValue,
    ]
    return fields.map { $0.map { "\($0)" } ?? "nil" }.joined(separator: "|")
}
