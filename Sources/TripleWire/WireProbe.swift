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
public struct WireProbe: Sendable {
    public static let maxDeliveries = 16
    public static let maxHeldBytes = 64 * 1024

    /// One held event of one direction; `count` bytes at `start` in that direction's buffer, or a gap.
    struct Held: Sendable {
        var initiator: Bool
        var start: Int
        var count: Int
        var gap: Int
        var time: CaptureTime
    }

    private var clientBytes: [UInt8] = []
    private var serverBytes: [UInt8] = []
    /// Offsets in the direction's buffer where a plausible frame header starts a chain not yet followed to a verdict.
    private var clientCandidates: [Int] = []
    private var serverCandidates: [Int] = []
    private var held: [Held] = []

    public init() {}

    /// Whether any delivery or gap is held.
    public var holdsEvents: Bool { !held.isEmpty }
    public var heldBytes: Int { clientBytes.count + serverBytes.count }

    /// Judges one delivery. nil: not yet known, the delivery is held. Otherwise the verdict; this delivery is not
    /// held (the caller hands it on after `replay`), the earlier ones are.
    public mutating func judge(_ bytes: Span<UInt8>, initiator: Bool, time: CaptureTime) -> WireDetection? {
        guard !bytes.isEmpty else { return nil }
        let alone = WireDetection.judge(bytes, fromStart: false, initiator: initiator)
        if alone == .triple || alone == .dubbo { return alone }
        var buffer = initiator ? clientBytes : serverBytes
        var candidates = initiator ? clientCandidates : serverCandidates
        // Left empty while `buffer` is appended to, so the append does not copy.
        if initiator { clientBytes = [] } else { serverBytes = [] }
        let start = buffer.count
        // `.other`: this start is implausible; nil: plausible but alone not enough.
        if alone == nil { candidates.append(start) }
        bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
        var verdict: WireDetection?
        buffer.withUnsafeBufferPointer { view in
            candidates.removeAll { offset in
                switch Self.follow(view, from: offset) {
                case .http2: verdict = .triple; return true
                case .broken: return true
                case .open: return false
                }
            }
        }
        if verdict == nil, held.count + 1 >= Self.maxDeliveries || heldBytes + buffer.count >= Self.maxHeldBytes {
            verdict = .other
        }
        if verdict != nil { buffer.removeLast(bytes.count) } else {
            held.append(Held(initiator: initiator, start: start, count: bytes.count, gap: 0, time: time))
        }
        if initiator { clientBytes = buffer; clientCandidates = candidates } else { serverBytes = buffer; serverCandidates = candidates }
        return verdict
    }

    /// `length` bytes of a direction are lost: no chain crosses them. The gap is held; `.other` once the limit is hit.
    public mutating func gap(length: Int, initiator: Bool, time: CaptureTime) -> WireDetection? {
        if initiator { clientCandidates = [] } else { serverCandidates = [] }
        held.append(Held(initiator: initiator, start: 0, count: 0, gap: length, time: time))
        return held.count >= Self.maxDeliveries ? .other : nil
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
            (event.initiator ? clientBytes : serverBytes).withUnsafeBufferPointer { view in
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
}
