public import InspectorCore
import Hessian2

/// Which peer of an HTTP/2 connection sent some bytes.
public enum TripleSide: Sendable, Equatable {
    /// The side that sent the client preface and opens streams with odd ids.
    case client
    case server

    var opposite: TripleSide { self == .client ? .server : .client }
}

/// Turns both directions of one Triple (HTTP/2) connection into calls: one `TripleCall` per stream, handed over
/// when the server ends the stream, either side resets it, or the connection ends; PINGs with their acks.
///
/// Pure state machine: bytes and gaps in, calls out; no I/O. Every allocation is bounded by `TripleLimits`.
public struct TripleConnectionDecoder: Sendable {
    /// Gets each call as it ends, boxed; the box is the handler's alone.
    public typealias CallHandler = (TripleCallBox) -> Void

    struct Stream: Sendable {
        /// The call, boxed: storing a stream in the table and taking it out moves a pointer, not the call.
        private var box: TripleCallBox
        var requestReader: GRPCMessageReader
        var responseReader: GRPCMessageReader
        var requestEncoding: String?
        var responseEncoding: String?
        /// The request's content-type, classified once for every message of the stream.
        var content = TripleContentType(nil)
        var clientEnded = false

        init(call: consuming TripleCall, requestReader: GRPCMessageReader, responseReader: GRPCMessageReader) {
            box = TripleCallBox(call)
            self.requestReader = requestReader
            self.responseReader = responseReader
        }

        /// Read in place; changed in place once the stream holds the only reference to its box (a copy of the
        /// decoder shares boxes until one side changes a call).
        var call: TripleCall {
            _read { yield box.call }
            _modify {
                if !isKnownUniquelyReferenced(&box) { box = TripleCallBox(box.call) }
                yield &box.call
            }
        }

        /// The boxed call, to be handed over: the stream is gone after.
        consuming func takeCall() -> TripleCallBox { box }
    }

    /// A header block: what its first frame said, and — while it waits for its CONTINUATION frames — its bytes
    /// so far (a block in one frame is decoded in place and never copied here).
    struct PendingBlock: Sendable {
        var streamID: UInt32
        var bytes: [UInt8]
        var endStream: Bool
        var firstByteTime: CaptureTime
        var continuations = 0
        var isPushPromise: Bool
    }

    /// Each direction's framing, beside what the frames change (`Session`): separate fields, so a frame decoder
    /// hands its frames to the session while it runs, with nothing moved out and back and nothing behind a pointer.
    private var clientFrames: HTTP2FrameDecoder
    private var serverFrames: HTTP2FrameDecoder
    private var session: Session

    /// What the frames of a connection change: the open streams, each direction's HPACK decoder and pending header
    /// block, unanswered PINGs, the counters.
    struct Session: Sendable {
        let limits: TripleLimits
        /// `limits.defersValues`, changeable between deliveries (`TripleConnectionDecoder.defersValues`).
        var defersValues: Bool
        let clientIsInitiator: Bool
        /// The client's bytes were lost at an unknown place (a gap it could not skip, or a mid-stream start): the
        /// calls it opens after are flagged `midstream`.
        var clientLostPlace = false
        /// Decoders of the blocks each side sends.
        var clientBlocks: HeaderBlockDecoder
        var serverBlocks: HeaderBlockDecoder
        var clientPending: PendingBlock?
        var serverPending: PendingBlock?
        var streams = StreamTable<Stream>()
        var highestClientStream: UInt32 = 0
        /// Unacknowledged PINGs by sender and opaque data.
        var pings: [TripleSide: [UInt64: CaptureTime]] = [:]
        var payloads: TriplePayloadDecoder
        /// Bytes the message readers of all streams hold (kept current as DATA is fed).
        var bufferedMessageBytes = 0
        var stats = TripleConnectionStats()

        init(limits: TripleLimits, clientIsInitiator: Bool, headerMemory: HeaderBlockMemory) {
            self.limits = limits
            self.defersValues = limits.defersValues
            self.clientIsInitiator = clientIsInitiator
            self.clientBlocks = HeaderBlockDecoder(limits: limits, memory: headerMemory)
            self.serverBlocks = HeaderBlockDecoder(limits: limits, memory: headerMemory)
            self.payloads = TriplePayloadDecoder(limits: limits)
        }
    }

    public var limits: TripleLimits { session.limits }
    /// Whether message values from now on are left as bytes for another thread (`TripleLimits.defersValues`, where
    /// it starts): the caller may change it between deliveries, as that thread keeps up or falls behind. A stream
    /// whose messages end up some kept and some decoded has them all decoded at once (`joined`).
    public var defersValues: Bool {
        get { session.defersValues }
        set { session.defersValues = newValue }
    }
    public var stats: TripleConnectionStats { session.stats }

    /// - Parameters:
    ///   - clientIsInitiator: the TCP initiator is the HTTP/2 client (true unless detection said otherwise).
    ///   - midstream: the connection was picked up after its start.
    ///   - headerMemory: header blocks decoded before, shared by the connections one thread decodes (by default
    ///     this connection's own).
    public init(
        limits: TripleLimits, clientIsInitiator: Bool = true, midstream: Bool,
        headerMemory: HeaderBlockMemory = HeaderBlockMemory(budget: 64 << 10)
    ) {
        clientFrames = HTTP2FrameDecoder(maxPayload: limits.maxFramePayload, expectsPreface: !midstream, midstream: midstream)
        serverFrames = HTTP2FrameDecoder(maxPayload: limits.maxFramePayload, expectsPreface: false, midstream: midstream)
        session = Session(limits: limits, clientIsInitiator: clientIsInitiator, headerMemory: headerMemory)
    }

    /// Memory held for frames spanning packets and messages spanning frames.
    public var bufferedBytes: Int {
        clientFrames.bufferedBytes + serverFrames.bufferedBytes + (session.clientPending?.bytes.count ?? 0)
            + (session.serverPending?.bytes.count ?? 0)
            + session.streams.reduce(0) { $0 + $1.requestReader.bufferedBytes + $1.responseReader.bufferedBytes }
    }

    /// Whether any HTTP/2 frame was found.
    public var hasSeenFrame: Bool { clientFrames.hasSeenFrame || serverFrames.hasSeenFrame }

    // MARK: Input
    // Written out per direction: a helper choosing the direction's decoder, taking the work as a closure, made the
    // handler escape (allocated per delivery).

    public mutating func receive(_ bytes: Span<UInt8>, from side: TripleSide, time: CaptureTime, _ emit: CallHandler) {
        if side == .client {
            let before = clientFrames.stats
            clientFrames.receive(bytes, time: time) { frame, payload in session.handle(frame, payload, from: .client, emit) }
            session.stats.framing.add(clientFrames.stats.subtracting(before))
        } else {
            let before = serverFrames.stats
            serverFrames.receive(bytes, time: time) { frame, payload in session.handle(frame, payload, from: .server, emit) }
            session.stats.framing.add(serverFrames.stats.subtracting(before))
        }
    }

    public mutating func gap(length: Int, from side: TripleSide, time: CaptureTime, _ emit: CallHandler) {
        if side == .client {
            let before = clientFrames.stats
            clientFrames.gap(length: length, time: time) { frame, payload in session.handle(frame, payload, from: .client, emit) }
            session.stats.framing.add(clientFrames.stats.subtracting(before))
        } else {
            let before = serverFrames.stats
            serverFrames.gap(length: length, time: time) { frame, payload in session.handle(frame, payload, from: .server, emit) }
            session.stats.framing.add(serverFrames.stats.subtracting(before))
        }
    }

    /// The connection is over: frames cut short are reported, then every open stream.
    public mutating func finish(time: CaptureTime, _ emit: CallHandler) {
        let clientBefore = clientFrames.stats
        clientFrames.finish(time: time) { frame, payload in session.handle(frame, payload, from: .client, emit) }
        session.stats.framing.add(clientFrames.stats.subtracting(clientBefore))
        let serverBefore = serverFrames.stats
        serverFrames.finish(time: time) { frame, payload in session.handle(frame, payload, from: .server, emit) }
        session.stats.framing.add(serverFrames.stats.subtracting(serverBefore))
        session.finishStreams(emit)
    }
}

extension TripleConnectionDecoder.Session {
    typealias CallHandler = TripleConnectionDecoder.CallHandler
    typealias Stream = TripleConnectionDecoder.Stream
    typealias PendingBlock = TripleConnectionDecoder.PendingBlock

    /// Every stream still open, ended by the connection's end.
    mutating func finishStreams(_ emit: CallHandler) {
        while var stream = streams.removeFirst() {
            if stream.call.responseEndTime == nil, stream.call.resetCode == nil { stream.call.quality.insert(.truncated) }
            complete(stream, emit)
        }
    }

    // MARK: Frames

    mutating func handle(_ frame: HTTP2Frame, _ payload: Span<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        if frame.followsLoss { lostPlace(side) }
        let header = frame.header
        if let pending = side == .client ? clientPending : serverPending,
           header.type != .continuation || header.streamID != pending.streamID {
            // RFC 9113 §6.10: nothing may come between a block's frames. The block is lost, and the table with it.
            stats.malformedFrames += 1
            dropPendingBlock(side)
        }
        guard frame.payloadState == .complete else { return damaged(frame, from: side, emit) }
        guard header.isPlausible(maxPayload: HTTP2FrameHeader.largestPayload) || header.type.rawValue > 9 else {
            stats.malformedFrames += 1
            if header.type == .headers || header.type == .continuation { dropPendingBlock(side); blocks(side) { $0.lostBlocks() } }
            return
        }
        payload.withUnsafeBufferPointer { bytes in
            switch header.type {
            case .data: data(frame, bytes, from: side, emit)
            case .headers: headers(frame, bytes, from: side, emit)
            case .continuation: continuation(frame, bytes, from: side, emit)
            case .pushPromise: pushPromise(frame, bytes, from: side, emit)
            case .rstStream: reset(frame, bytes, emit)
            case .settings: settings(frame, bytes, from: side)
            case .ping: ping(frame, bytes, from: side, emit)
            case .goaway: stats.goaways += 1
            default: break  // WINDOW_UPDATE, PRIORITY, extension frames: nothing to decode
            }
        }
    }

    /// A frame whose payload is missing (gap), too large, or cut short by the end of the stream.
    private mutating func damaged(_ frame: HTTP2Frame, from side: TripleSide, _ emit: CallHandler) {
        let header = frame.header
        let flag: TripleCall.Quality = frame.payloadState == .tooLarge
            ? (side == .client ? .requestTooLarge : .responseTooLarge)
            : frame.payloadState == .truncated ? .truncated : (side == .client ? .requestGap : .responseGap)
        switch header.type {
        case .headers, .continuation, .pushPromise:
            dropPendingBlock(side)
            blocks(side) { $0.lostBlocks() }
            stats.undecodedHeaderBlocks += 1
            if let index = streams.index(of: header.streamID) {
                streams[index].call.quality.formUnion([flag, .headersIncomplete])
            }
        case .data:
            guard let index = streams.index(of: header.streamID) else { return }
            streams[index].call.quality.insert(flag)
            if side == .client {
                bufferedMessageBytes -= streams[index].requestReader.bufferedBytes
                streams[index].requestReader.loseTrack()
            } else {
                bufferedMessageBytes -= streams[index].responseReader.bufferedBytes
                streams[index].responseReader.loseTrack()
            }
        default:
            break
        }
        // A frame cut short by the end of the capture never ended its stream on the wire (its last byte was not
        // seen, and its captured bytes may even predate the stream's request in hostile input): `finish` reports
        // the stream as truncated instead. A frame lost in a gap or skipped as too large did pass whole.
        if header.endStream, frame.payloadState != .truncated {
            endStream(header.streamID, from: side, time: frame.lastByteTime, emit)
        }
    }

    /// Bytes of `side` were lost at an unknown place: its table and the message boundaries of its open streams.
    private mutating func lostPlace(_ side: TripleSide) {
        if side == .client { clientLostPlace = true }
        dropPendingBlock(side)
        blocks(side) { $0.lostBlocks() }
        for index in streams.indices {
            bufferedMessageBytes -= Self.loseTrack(of: side, in: &streams[index])
        }
    }


    /// Forgets the message `side` was sending on a stream; the bytes its reader held.
    private static func loseTrack(of side: TripleSide, in stream: inout Stream) -> Int {
        let held: Int
        if side == .client {
            held = stream.requestReader.bufferedBytes
            stream.requestReader.loseTrack()
            stream.call.quality.insert(.requestGap)
        } else {
            held = stream.responseReader.bufferedBytes
            stream.responseReader.loseTrack()
            stream.call.quality.insert(.responseGap)
        }
        return held
    }

    private mutating func data(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        let id = frame.header.streamID
        guard let data = frame.header.unpadded(bytes, fixed: 0) else {
            stats.malformedFrames += 1
            return
        }
        guard let index = streams.index(of: id) else { return }
        // The stream is changed in place and its reader swapped out while it feeds, so neither the call nor the
        // bytes the reader holds are copied (a shared buffer would be copied whole on the next append).
        var reader = GRPCMessageReader(maxLength: 0)
        Self.exchangeReader(&reader, of: side, in: &streams[index])
        let heldBefore = reader.bufferedBytes
        let (encoding, content) = Self.peek(&streams[index]) {
            (side == .client ? $0.requestEncoding : $0.responseEncoding, $0.content)
        }
        reader.feed(data) { event in
            switch event {
            case .started(let length, let tooLarge):
                if side == .client {
                    streams[index].call.requestMessages += 1
                    streams[index].call.requestBytes += Int64(length)
                } else {
                    streams[index].call.responseMessages += 1
                    streams[index].call.responseBytes += Int64(length)
                }
                if tooLarge {
                    stats.messagesTooLarge += 1
                    streams[index].call.quality.insert(side == .client ? .requestTooLarge : .responseTooLarge)
                }
            case .message(let compressed, let message):
                let kept = Self.peek(&streams[index]) {
                    side == .client ? $0.call.requestMessages : $0.call.responseMessages
                }
                guard kept <= limits.maxMessagesKept else { return }
                let (decoded, decodeFlags) = decodeMessage(message, compressed: compressed, encoding: encoding, content: content, side: side)
                var flags = decodeFlags
                if let decoded {
                    // Joined outside the table: joining may decode, which changes this decoder too.
                    let earlier = side == .client
                        ? streams[index].call.request.take() : streams[index].call.response.take()
                    let all = joined(earlier, decoded, side: side, quality: &flags)
                    if side == .client {
                        streams[index].call.request = all
                    } else {
                        streams[index].call.response = all
                    }
                }
                streams[index].call.quality.formUnion(flags)
            }
        }
        bufferedMessageBytes += reader.bufferedBytes - heldBefore
        if bufferedMessageBytes > limits.maxBufferedMessageBytes, reader.bufferedBytes > 0 {
            // Over the connection's budget: the message that just grew is given up, its stream flagged.
            bufferedMessageBytes -= reader.bufferedBytes
            reader.loseTrack()
            streams[index].call.quality.insert(.evicted)
            stats.messagesEvicted += 1
        }
        Self.exchangeReader(&reader, of: side, in: &streams[index])
        if frame.header.endStream { endStream(id, from: side, time: frame.lastByteTime, emit) }
    }

    /// One whole message decoded (inflated first when compressed), with the quality flags it earns; no message
    /// when it inflated past its limit.
    private mutating func decodeMessage(
        _ bytes: UnsafeBufferPointer<UInt8>, compressed: Bool, encoding: String?, content: TripleContentType, side: TripleSide
    ) -> (TripleMessage?, TripleCall.Quality) {
        var decoded: TripleMessage
        if compressed {
            switch encoding {
            case "gzip", "deflate":
                do {
                    let inflated = try Inflater.inflate(bytes, limit: limits.decompressedLimit(forCompressed: bytes.count))
                    decoded = inflated.withUnsafeBufferPointer { decodePayload($0, content: content, side: side) }
                } catch {
                    if case .tooLarge = error {
                        stats.messagesTooLarge += 1
                        return (nil, side == .client ? .requestTooLarge : .responseTooLarge)
                    }
                    decoded = TripleMessage(serialization: nil, decodeError: "\(encoding ?? ""): \(error)")
                }
            default:
                decoded = TripleMessage(serialization: nil, decodeError: "compressed with unsupported grpc-encoding \(encoding ?? "(none)")")
            }
        } else {
            decoded = decodePayload(bytes, content: content, side: side)
        }
        guard decoded.decodeError != nil else { return (consume decoded, []) }
        stats.messagesUndecoded += 1
        return (consume decoded, side == .client ? .requestUndecoded : .responseUndecoded)
    }

    /// One message's bytes (inflated) decoded, or kept to be decoded later; at a report's depth a request's bytes
    /// are kept with what was read of it.
    private mutating func decodePayload(
        _ bytes: UnsafeBufferPointer<UInt8>, content: TripleContentType, side: TripleSide
    ) -> TripleMessage {
        if defersValues, limits.decodesValues { return .awaitingDecoding(bytes, content: content) }
        var message = payloads.decode(bytes, side: side == .client ? .request : .response, content: content)
        if side == .client, limits.keepsRequestsForLater, !limits.decodesValues {
            message.keep(bytes, content: content)
        }
        return message
    }

    /// Reads from a stream where it is in the table: a plain read of `streams[index].field` copies the whole
    /// stream (the values view has no borrowing accessor) to take one field.
    private static func peek<Value>(_ stream: inout Stream, _ read: (inout Stream) -> Value) -> Value { read(&stream) }

    /// Swaps `reader` with the stream's reader of the messages `side` sends.
    private static func exchangeReader(_ reader: inout GRPCMessageReader, of side: TripleSide, in stream: inout Stream) {
        if side == .client { swap(&reader, &stream.requestReader) } else { swap(&reader, &stream.responseReader) }
    }

    /// A stream's next message joined onto the ones before it. Messages kept as bytes are joined while they stay
    /// within `maxMessageLength` in all. Past it, messages left for later are decoded now (and so is every later
    /// one), while a report's kept requests are dropped (no arguments rather than some).
    private mutating func joined(
        _ earlier: TripleMessage?, _ next: TripleMessage, side: TripleSide, quality: inout TripleCall.Quality
    ) -> TripleMessage {
        guard var earlier else { return next }
        var next = next
        if earlier.awaitsDecoding == next.awaitsDecoding, let more = next.kept,
           earlier.kept?.append(more, limit: limits.maxMessageLength) == true {
            if earlier.awaitsDecoding { return earlier }
        } else {
            resolveNow(&earlier, side: side, quality: &quality)
            resolveNow(&next, side: side, quality: &quality)
            earlier.kept = nil
        }
        earlier.append(next)
        return earlier
    }

    /// Decodes a message left for later at once, counted and flagged as if it had never waited.
    private mutating func resolveNow(_ message: inout TripleMessage, side: TripleSide, quality: inout TripleCall.Quality) {
        guard message.awaitsDecoding else { return }
        let undecoded = payloads.resolve(&message, side: side == .client ? .request : .response)
        guard undecoded > 0 else { return }
        stats.messagesUndecoded += Int64(undecoded)
        quality.insert(side == .client ? .requestUndecoded : .responseUndecoded)
    }

    // MARK: Header blocks

    private mutating func headers(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        guard let fragment = frame.header.unpadded(bytes, fixed: frame.header.hasPriority ? 5 : 0) else {
            stats.malformedFrames += 1
            blocks(side) { $0.lostBlocks() }
            return
        }
        startBlock(
            PendingBlock(streamID: frame.header.streamID, bytes: [], endStream: frame.header.endStream,
                         firstByteTime: frame.firstByteTime, isPushPromise: false),
            fragment: fragment, endHeaders: frame.header.endHeaders, frame: frame, from: side, emit
        )
    }

    private mutating func pushPromise(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        // Never used by gRPC, but its block still changes the sender's table (RFC 9113 §6.6).
        guard let fragment = frame.header.unpadded(bytes, fixed: 4) else {
            stats.malformedFrames += 1
            blocks(side) { $0.lostBlocks() }
            return
        }
        startBlock(
            PendingBlock(streamID: frame.header.streamID, bytes: [], endStream: false, firstByteTime: frame.firstByteTime,
                         isPushPromise: true),
            fragment: fragment, endHeaders: frame.header.flags & 0x4 != 0, frame: frame, from: side, emit
        )
    }

    private mutating func startBlock(
        _ block: PendingBlock, fragment: UnsafeBufferPointer<UInt8>, endHeaders: Bool, frame: HTTP2Frame,
        from side: TripleSide, _ emit: CallHandler
    ) {
        guard fragment.count <= limits.maxHeaderBlockLength else {
            stats.oversizedHeaderBlocks += 1
            blocks(side) { $0.lostBlocks() }
            return
        }
        if endHeaders {
            finishBlock(block, fragment, time: frame.lastByteTime, from: side, emit)
            return
        }
        var block = block
        block.bytes.append(contentsOf: fragment)
        if side == .client { clientPending = block } else { serverPending = block }
    }

    private mutating func continuation(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        guard var block = side == .client ? clientPending.take() : serverPending.take() else {
            stats.malformedFrames += 1  // a CONTINUATION with no block open
            blocks(side) { $0.lostBlocks() }
            return
        }
        block.continuations += 1
        guard block.continuations <= limits.maxContinuationFrames,
              bytes.count <= limits.maxHeaderBlockLength - block.bytes.count
        else {
            stats.oversizedHeaderBlocks += 1
            blocks(side) { $0.lostBlocks() }
            markHeadersIncomplete(block.streamID)
            return
        }
        block.bytes.append(contentsOf: bytes)
        if frame.header.endHeaders {
            block.bytes.withUnsafeBufferPointer { finishBlock(block, $0, time: frame.lastByteTime, from: side, emit) }
        } else if side == .client {
            clientPending = block
        } else {
            serverPending = block
        }
    }

    private mutating func dropPendingBlock(_ side: TripleSide) {
        let dropped = side == .client ? clientPending.take() : serverPending.take()
        if let dropped {
            blocks(side) { $0.lostBlocks() }
            markHeadersIncomplete(dropped.streamID)
        }
    }

    private mutating func markHeadersIncomplete(_ id: UInt32) {
        if let index = streams.index(of: id) { streams[index].call.quality.insert(.headersIncomplete) }
    }

    private mutating func blocks(_ side: TripleSide, _ work: (inout HeaderBlockDecoder) -> Void) {
        if side == .client { work(&clientBlocks) } else { work(&serverBlocks) }
    }

    private mutating func finishBlock(
        _ block: PendingBlock, _ bytes: UnsafeBufferPointer<UInt8>, time: CaptureTime, from side: TripleSide, _ emit: CallHandler
    ) {
        let decoded = side == .client ? clientBlocks.decode(bytes) : serverBlocks.decode(bytes)
        stats.headerBlocks += 1
        stats.reusedHeaderBlocks = Int64(clientBlocks.blocksReused + serverBlocks.blocksReused)
        if decoded == nil { stats.undecodedHeaderBlocks += 1 }
        guard !block.isPushPromise else { return }
        let id = block.streamID
        if side == .client {
            if streams.index(of: id) == nil {
                guard id > highestClientStream else { return }  // a late block of a stream already reported
                guard streams.count < limits.maxConcurrentStreams else {
                    stats.streamsOverLimit += 1
                    highestClientStream = id
                    return
                }
                highestClientStream = id
                var call = TripleCall(kind: .call, streamID: id, clientIsInitiator: clientIsInitiator)
                call.requestTime = block.firstByteTime
                if !clientBlocks.tableKnown || clientLostPlace { call.quality.insert(.midstream) }
                let index = streams.append(id, newStream(consume call))
                // Filled in where it is stored: the call's strings and attachment list are never copied.
                Self.apply(request: decoded, to: &streams[index])
            } else if decoded == nil {
                markHeadersIncomplete(id)  // client trailers: nothing Triple uses
            }
        } else {
            var found = streams.index(of: id)
            if found == nil {
                // The request HEADERS were not captured (picked up mid-way, or lost).
                guard id > highestClientStream, streams.count < limits.maxConcurrentStreams else { return }
                highestClientStream = id
                var call = TripleCall(kind: .orphanResponse, streamID: id, clientIsInitiator: clientIsInitiator)
                call.quality.insert(.midstream)
                found = streams.append(id, newStream(consume call))
            }
            if let index = found {
                Self.apply(response: decoded, time: block.firstByteTime, to: &streams[index], limits: limits)
            }
        }
        if block.endStream { endStream(id, from: side, time: time, emit) }
    }

    private func newStream(_ call: consuming TripleCall) -> Stream {
        Stream(
            call: call, requestReader: GRPCMessageReader(maxLength: limits.maxMessageLength),
            responseReader: GRPCMessageReader(maxLength: limits.maxMessageLength)
        )
    }

    /// The request HEADERS' Triple meaning, worked out once per remembered block (`DecodedHeaderBlock`); set
    /// where the stream is stored, so the call's strings and attachment list are never copied.
    private static func apply(request block: DecodedHeaderBlock?, to stream: inout Stream) {
        guard let block else {
            stream.call.quality.insert(.headersIncomplete)
            return
        }
        let meaning = block.request
        meaning.apply(to: &stream.call)
        stream.content = meaning.content
        stream.requestEncoding = meaning.encoding
    }

    /// Response headers or trailers; the first block sets the response time.
    private static func apply(response block: DecodedHeaderBlock?, time: CaptureTime, to stream: inout Stream, limits: TripleLimits) {
        if stream.call.responseTime == nil { stream.call.responseTime = time }
        guard let block else {
            stream.call.quality.insert(.headersIncomplete)
            return
        }
        let meaning = block.response(maxProtobufDepth: limits.maxProtobufDepth)
        meaning.apply(to: &stream.call)
        if let encoding = meaning.encoding { stream.responseEncoding = encoding }
    }

    // MARK: Stream ends, control frames

    private mutating func endStream(_ id: UInt32, from side: TripleSide, time: CaptureTime, _ emit: CallHandler) {
        if side == .client {
            guard let index = streams.index(of: id) else { return }
            streams[index].clientEnded = true
            streams[index].call.requestEndTime = time
            return
        }
        guard var stream = streams.remove(id: id) else { return }
        // Per-direction buffering can complete a frame whose bytes began before the request did: never end earlier.
        stream.call.responseEndTime = max(time, stream.call.requestTime ?? time)
        if stream.call.responseTime == nil { stream.call.responseTime = time }
        complete(stream, emit)
    }

    private mutating func reset(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, _ emit: CallHandler) {
        guard var stream = streams.remove(id: frame.header.streamID) else { return }
        stream.call.resetCode = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        stream.call.responseEndTime = max(frame.lastByteTime, stream.call.requestTime ?? frame.lastByteTime)
        complete(stream, emit)
    }

    /// Hands the stream's call over, in its box.
    private mutating func complete(_ stream: consuming Stream, _ emit: CallHandler) {
        bufferedMessageBytes -= stream.requestReader.bufferedBytes + stream.responseReader.bufferedBytes
        // A message cut short by the stream's end (or reset) was never complete.
        if stream.requestReader.isInsideMessage || stream.responseReader.isInsideMessage {
            stream.call.quality.insert(.truncated)
        }
        stats.calls += 1
        emit(stream.takeCall())
    }

    private mutating func settings(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide) {
        guard !frame.header.ack else { return }
        var offset = 0
        while offset + 6 <= bytes.count {
            let identifier = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            var value: UInt32 = 0
            for index in 2..<6 { value = value << 8 | UInt32(bytes[offset + index]) }
            if identifier == 1 {
                // SETTINGS_HEADER_TABLE_SIZE bounds the table of the blocks this side *receives*.
                blocks(side.opposite) { $0.peerAnnouncedTableSize(Int(value)) }
            }
            offset += 6
        }
    }

    private mutating func ping(_ frame: HTTP2Frame, _ bytes: UnsafeBufferPointer<UInt8>, from side: TripleSide, _ emit: CallHandler) {
        var opaque: UInt64 = 0
        for byte in bytes { opaque = opaque << 8 | UInt64(byte) }
        if !frame.header.ack {
            var outstanding = pings[side] ?? [:]
            if outstanding.count >= 16 { outstanding.removeAll() }  // acks never came: forget them
            outstanding[opaque] = frame.firstByteTime
            pings[side] = outstanding
            return
        }
        guard let sent = pings[side.opposite]?.removeValue(forKey: opaque) else { return }
        var call = TripleCall(kind: .ping, streamID: 0, clientIsInitiator: clientIsInitiator == (side == .server))
        call.requestTime = sent
        call.requestEndTime = sent
        call.responseTime = frame.firstByteTime
        call.responseEndTime = frame.lastByteTime
        stats.pings += 1
        emit(TripleCallBox(call))
    }
}

extension HTTP2StreamStats {
    func subtracting(_ other: HTTP2StreamStats) -> HTTP2StreamStats {
        var result = HTTP2StreamStats()
        result.frames = frames - other.frames
        result.malformedFrames = malformedFrames - other.malformedFrames
        result.unknownFrames = unknownFrames - other.unknownFrames
        result.oversizedFrames = oversizedFrames - other.oversizedFrames
        result.gapBytes = gapBytes - other.gapBytes
        result.skippedBytes = skippedBytes - other.skippedBytes
        result.resyncs = resyncs - other.resyncs
        return result
    }
}
