import DubboWire
import InspectorCore
import NetworkLayers
import TCPReassembly

/// The Dubbo side of one TCP connection (chosen by `ConnectionConsumer`): a Dubbo stream decoder per direction,
/// feeding the shared context.
struct DubboConnection: TCPStreamConsumer {
    let id: UInt64
    let info: ConnectionInfo
    let context: AnalysisContext
    let maxBodyLength: Int
    private var outbound: DubboStreamDecoder?  // initiator → responder
    private var inbound: DubboStreamDecoder?   // responder → initiator
    private var sawBytes = false
    /// What each decoder held for an incomplete frame when last counted into `context.bufferedFrameBytes`.
    private var outboundBuffered = 0
    private var inboundBuffered = 0

    init(id: UInt64, info: ConnectionInfo, context: AnalysisContext, maxBodyLength: Int) {
        self.id = id
        self.info = info
        self.context = context
        self.maxBodyLength = maxBodyLength
    }

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) {
        let decoder = DubboStreamDecoder(maxBodyLength: maxBodyLength, midstream: midstream)
        switch direction {
        case .initiatorToResponder: outbound = decoder
        case .responderToInitiator: inbound = decoder
        }
    }

    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        sawBytes = true
        withDecoder(direction) { decoder, handler in decoder.receive(bytes, time: time, handler) }
        accountBufferedFrame(direction)
    }

    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        withDecoder(direction) { decoder, handler in decoder.gap(length: length, time: time, handler) }
        accountBufferedFrame(direction)
    }

    mutating func closed(_ end: StreamEnd, time: CaptureTime) {
        var stats = DubboStreamStats()
        var sawFrames = false
        for direction in [StreamDirection.initiatorToResponder, .responderToInitiator]
        where (direction == .initiatorToResponder ? outbound : inbound) != nil {
            withDecoder(direction) { decoder, handler in
                decoder.finish(time: time, handler)
                stats.add(decoder.stats)
                sawFrames = sawFrames || decoder.hasSeenFrame
            }
        }
        outbound = nil
        inbound = nil
        context.bufferedFrameBytes -= outboundBuffered + inboundBuffered
        outboundBuffered = 0
        inboundBuffered = 0
        context.connectionEnded(id, stats: stats, sawFrames: sawFrames, sawBytes: sawBytes, atEndOfCapture: end == .endOfCapture)
    }

    /// Brings the context's total of incomplete-frame memory up to date after `direction`'s decoder ran; over
    /// `Limits.maxBufferedFrameBytesTotal`, that decoder (whose frame just grew) gives its frame up.
    private mutating func accountBufferedFrame(_ direction: StreamDirection) {
        let outbound = direction == .initiatorToResponder
        let before = outbound ? outboundBuffered : inboundBuffered
        var held = (outbound ? self.outbound?.bufferedBytes : inbound?.bufferedBytes) ?? 0
        context.bufferedFrameBytes += held - before
        if context.bufferedFrameBytes > context.maxBufferedFrameBytes, held > 0 {
            let released = (outbound ? self.outbound?.evictBufferedFrame() : inbound?.evictBufferedFrame()) ?? 0
            context.bufferedFrameBytes -= released
            held -= released
        }
        if outbound { outboundBuffered = held } else { inboundBuffered = held }
    }

    /// Runs `work` on `direction`'s decoder (made now if the direction never announced itself) with the handler
    /// that feeds its frames to the context. The decoder is worked on in place: moving it out and back cost two
    /// copies of the whole decoder per packet. The handler is a local function passed down non-escaping, so a
    /// packet allocates nothing for it.
    private mutating func withDecoder(
        _ direction: StreamDirection, _ work: (inout DubboStreamDecoder, DubboStreamDecoder.FrameHandler) -> Void
    ) {
        let (context, id) = (self.context, self.id)
        let (source, destination) = endpoints(direction)
        func deliver(_ info: DubboFrameInfo, _ body: Span<UInt8>) {
            context.frame(connection: id, source: source, destination: destination, info: info, body: body)
        }
        switch direction {
        case .initiatorToResponder:
            if outbound == nil { outbound = midstreamDecoder() }
            work(&outbound!, deliver)
        case .responderToInitiator:
            if inbound == nil { inbound = midstreamDecoder() }
            work(&inbound!, deliver)
        }
    }

    /// Bytes of a direction that never announced itself (no `opened`): treat it as picked up mid-stream.
    private func midstreamDecoder() -> DubboStreamDecoder {
        DubboStreamDecoder(maxBodyLength: maxBodyLength, midstream: true)
    }

    private func endpoints(_ direction: StreamDirection) -> (Endpoint, Endpoint) {
        switch direction {
        case .initiatorToResponder: (info.initiator, info.responder)
        case .responderToInitiator: (info.responder, info.initiator)
        }
    }
}
