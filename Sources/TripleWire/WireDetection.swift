/// Which protocol a connection speaks, judged from the first bytes seen in one of its directions.
public enum WireDetection: Sendable, Equatable {
    case dubbo
    case triple
    /// Neither: left to the dubbo decoder, which counts it as non-Dubbo bytes.
    case other

    /// Judges `bytes`, the first delivery of a direction. `fromStart`: the direction was seen from its first byte
    /// (a SYN), so the HTTP/2 client preface or the dubbo magic must open it; otherwise (picked up mid-way, or the
    /// server's direction, which starts with SETTINGS) HTTP/2 is recognised from plausible frame headers: one that
    /// fits the frame-type rules of RFC 9113 §6 followed by another (or, from the server's start, one whole SETTINGS).
    /// `nil`: not enough to tell; the caller judges the next delivery.
    public static func judge(_ bytes: Span<UInt8>, fromStart: Bool, initiator: Bool) -> WireDetection? {
        bytes.withUnsafeBufferPointer { view in
            guard let first = view.first else { return nil }
            if first == 0xDA {
                guard view.count >= 2 else { return nil }
                if view[1] == 0xBB { return .dubbo }
            }
            let preface = HTTP2FrameHeader.clientPreface
            if first == preface[0] {
                let compared = min(view.count, preface.count)
                if view.prefix(compared).elementsEqual(preface.prefix(compared)) {
                    return compared >= 4 ? .triple : nil
                }
            }
            if fromStart, initiator { return .other }
            guard let header = HTTP2FrameHeader.parse(view, at: 0) else { return nil }
            // The server's side opens with SETTINGS; mid-stream anything plausible goes.
            guard header.isPlausible(maxPayload: HTTP2FrameHeader.defaultMaxPayload),
                  !fromStart || header.type == .settings
            else { return .other }
            let next = HTTP2FrameHeader.size + header.length
            if let follower = HTTP2FrameHeader.parse(view, at: next) {
                return follower.isPlausible(maxPayload: HTTP2FrameHeader.defaultMaxPayload) ? .triple : .other
            }
            // The server's opening SETTINGS, whole: enough. Mid-stream one header alone is too weak a sign (random
            // bytes pass it about once in 10^5); the next delivery is judged instead.
            return fromStart && view.count == next ? .triple : nil
        }
    }
}
