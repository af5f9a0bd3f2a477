public import InspectorCore

/// Chooses the protocol of a connection picked up mid-stream (no SYN seen) over several deliveries, holding them
/// meanwhile so the chosen decoder gets every byte, gap and time exactly as reassembly delivered them.
///
/// A cut falls anywhere: the first delivery may start inside a frame, or hold one lone HTTP/2 frame (a PING, a
/// WINDOW_UPDATE), neither of which decides anything. So a delivery that `WireDetection.judge` cannot settle is
/// held, and every delivery start with a plausible frame header stays a candidate: its chain of frame lengths is
/// followed across later deliveries of that direction, and a second plausible header at the chain's next frame
/// boundary means HTTP/2. A delivery opening with `0xdabb` means dubbo. After `maxDeliveries` deliveries or
/// `maxHeldBytes` bytes without a verdict the answer is `.other` (the dubbo decoder, as for anything unrecognised).
///
/// Without a SYN the roles were guessed from port numbers, which is wrong whenever the client's ephemeral port is
/// the lower one. Dubbo frames say request or response themselves; HTTP/2 frames do not. So once frames chain, the
/// probe keeps following them until a HEADERS block shows its sender (`HeaderBlockSender`), within the same limits.
public struct WireProbe: Sendable {
    public static let maxDeliveries = 16
    public static let maxHeldBytes = 64 * 1024

    /// What the probe found: the protocol and, for HTTP/2, which TCP peer is the client.
    public struct Verdict: Sendable, Equatable {
        public var wire: WireDetection
        /// For Triple: the TCP initiator (as guessed from ports) is the HTTP/2 client; false when a header block
        /// showed the roles the other way round; nil when none did within the limits (the guess stands).
        public var clientIsInitiator: Bool?

        public init(_ wire: WireDetection, clientIsInitiator: Bool? = nil) {
            self.wire = wire
            self.clientIsInitiator = clientIsInitiator
        }
    }

    /// One held event of one direction; `count` bytes at `start` in that direction's buffer, or a gap.
    struct Held: Sendable {
        var initiator: Bool
        var start: Int
        var count: Int
        var gap: Int
        var time: CaptureTime
    }

    /// One direction's held bytes and what is known of their frames.
    struct Direction: Sendable {
        var bytes: [UInt8] = []
        /// Offsets where a plausible frame header starts a chain not yet followed to a verdict.
        var candidates: [Int] = []
        /// Once HTTP/2 is known: the offset of the next frame header on a chain proven in this direction.
        var nextFrame: Int?
    }

    private var initiatorSide = Direction()
    private var responderSide = Direction()
    private var held: [Held] = []
    /// `.triple` once frames chain; the probe then waits for a header block that shows who the client is.
    private var recognised: WireDetection?

    public init() {}

    /// `.triple` once frames chained, while the probe still waits for a header block naming the client; nil before.
    public var recognisedSoFar: WireDetection? { recognised }

    /// Whether any delivery or gap is held.
    public var holdsEvents: Bool { !held.isEmpty }
    public var heldBytes: Int { initiatorSide.bytes.count + responderSide.bytes.count }

    /// Judges one delivery. nil: not yet known, the delivery is held. Otherwise the verdict; this delivery is not
    /// held (the caller hands it on after `replay`), the earlier ones are.
    public mutating func judge(_ bytes: Span<UInt8>, initiator: Bool, time: CaptureTime) -> Verdict? {
        guard !bytes.isEmpty else { return nil }
        if recognised == nil {
            let alone = WireDetection.judge(bytes, fromStart: false, initiator: initiator)
            if alone == .dubbo { return Verdict(.dubbo) }
            if alone == .triple, bytes[0] == HTTP2FrameHeader.clientPreface[0] {
                // The preface (no frame header starts with its byte: the length would be too large); only a client sends it.
                return Verdict(.triple, clientIsInitiator: initiator)
            }
        }
        var side = initiator ? initiatorSide : responderSide
        // Left empty while its buffer is appended to, so the append does not copy.
        if initiator { initiatorSide = Direction() } else { responderSide = Direction() }
        let start = side.bytes.count
        bytes.withUnsafeBufferPointer { side.bytes.append(contentsOf: $0) }
        var sender: TripleSide?
        side.bytes.withUnsafeBufferPointer { view in
            if let header = HTTP2FrameHeader.parse(view, at: start), header.isPlausible(maxPayload: HTTP2FrameHeader.defaultMaxPayload) {
                side.candidates.append(start)
            }
            side.candidates.removeAll { offset in
                switch Self.follow(view, from: offset) {
                case .http2:
                    recognised = .triple
                    if side.nextFrame == nil { side.nextFrame = offset }
                    return true
                case .broken: return true
                case .open:
                    // Once the other direction proved HTTP/2, a delivery opening with a plausible header is taken as
                    // a frame boundary (a cut mid-frame passes that about once in 10^5).
                    if recognised == .triple, side.nextFrame == nil { side.nextFrame = offset }
                    return side.nextFrame != nil
                }
            }
            if var next = side.nextFrame {
                let walked = Self.walk(view, from: &next)
                side.nextFrame = walked.broken ? nil : next
                sender = walked.sender
            }
        }
        var verdict: Verdict?
        if let sender {
            verdict = Verdict(.triple, clientIsInitiator: (sender == .client) == initiator)
        } else if held.count + 1 >= Self.maxDeliveries || heldBytes + side.bytes.count >= Self.maxHeldBytes {
            verdict = Verdict(recognised ?? .other)
        }
        if verdict != nil { side.bytes.removeLast(bytes.count) } else {
            held.append(Held(initiator: initiator, start: start, count: bytes.count, gap: 0, time: time))
        }
        if initiator { initiatorSide = side } else { responderSide = side }
        return verdict
    }

    /// `length` bytes of a direction are lost: no chain crosses them. The gap is held; a verdict once the limit is hit.
    public mutating func gap(length: Int, initiator: Bool, time: CaptureTime) -> Verdict? {
        if initiator {
            initiatorSide.candidates = []
            initiatorSide.nextFrame = nil
        } else {
            responderSide.candidates = []
            responderSide.nextFrame = nil
        }
        held.append(Held(initiator: initiator, start: 0, count: 0, gap: length, time: time))
        return held.count >= Self.maxDeliveries ? Verdict(recognised ?? .other) : nil
    }

    /// Hands every held event over in its original order, then forgets them.
    public mutating func replay(
        bytes: (Span<UInt8>, _ initiator: Bool, CaptureTime) -> Void,
        gap: (_ length: Int, _ initiator: Bool, CaptureTime) -> Void
    ) {
        for event in held {
            if event.gap > 0 {
                gap(event.gap, event.initiator, event.time)
                continue
            }
            (event.initiator ? initiatorSide : responderSide).bytes.withUnsafeBufferPointer { view in
                bytes(view.span.extracting(event.start..<(event.start + event.count)), event.initiator, event.time)
            }
        }
        self = WireProbe()
    }

    enum Chain { case http2, broken, open }

    /// Follows frame lengths from `offset`: two plausible headers in a row are HTTP/2, an implausible one ends it.
    static func follow(_ view: UnsafeBufferPointer<UInt8>, from offset: Int) -> Chain {
        var position = offset
        var plausible = 0
        while let header = HTTP2FrameHeader.parse(view, at: position) {
            guard header.isPlausible(maxPayload: HTTP2FrameHeader.defaultMaxPayload) else { return .broken }
            plausible += 1
            if plausible == 2 { return .http2 }
            position += HTTP2FrameHeader.size + header.length
        }
        return .open
    }

    /// Steps over the whole frames from `position` (left at the first frame not yet whole) and returns the sender
    /// the first telling HEADERS block names; `broken` when an implausible header shows the chain was wrong.
    static func walk(_ view: UnsafeBufferPointer<UInt8>, from position: inout Int) -> (sender: TripleSide?, broken: Bool) {
        while let header = HTTP2FrameHeader.parse(view, at: position) {
            guard header.isPlausible(maxPayload: HTTP2FrameHeader.defaultMaxPayload) else { return (nil, true) }
            let end = position + HTTP2FrameHeader.size + header.length
            guard end <= view.count else { break }
            if header.type == .headers,
               let fragment = header.unpadded(
                   UnsafeBufferPointer(rebasing: view[(position + HTTP2FrameHeader.size)..<end]), fixed: header.hasPriority ? 5 : 0),
               let sender = HeaderBlockSender.judge(fragment) {
                position = end
                return (sender, false)
            }
            position = end
        }
        return (nil, false)
    }
}
