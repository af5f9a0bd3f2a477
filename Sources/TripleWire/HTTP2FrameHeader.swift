/// The 9-byte header every HTTP/2 frame starts with (RFC 9113 §4.1).
public struct HTTP2FrameHeader: Sendable, Equatable {
    public static let size = 9
    /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4): the first bytes a prior-knowledge client sends.
    public static let clientPreface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// The largest payload the 24-bit length can state; SETTINGS_MAX_FRAME_SIZE may not exceed it (RFC 9113 §6.5.2).
    public static let largestPayload = (1 << 24) - 1
    /// SETTINGS_MAX_FRAME_SIZE's initial value: no frame is longer unless a peer raised it.
    public static let defaultMaxPayload = 1 << 14

    public var length: Int
    public var type: FrameType
    public var flags: UInt8
    public var streamID: UInt32

    public init(length: Int, type: FrameType, flags: UInt8, streamID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.streamID = streamID
    }

    /// Reads a header at `offset`; nil when fewer than nine bytes are there. The reserved stream-id bit is dropped.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> HTTP2FrameHeader? {
        guard bytes.count - offset >= size else { return nil }
        let length = Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
        var stream: UInt32 = 0
        for index in 5..<9 { stream = stream << 8 | UInt32(bytes[offset + index]) }
        return HTTP2FrameHeader(
            length: length, type: FrameType(rawValue: bytes[offset + 3]), flags: bytes[offset + 4],
            streamID: stream & 0x7FFF_FFFF
        )
    }

    public var endStream: Bool { flags & 0x1 != 0 && (type == .data || type == .headers) }
    public var endHeaders: Bool { flags & 0x4 != 0 && (type == .headers || type == .continuation) }
    public var padded: Bool { flags & 0x8 != 0 && (type == .data || type == .headers) }
    public var hasPriority: Bool { flags & 0x20 != 0 && type == .headers }
    /// SETTINGS and PING acknowledgements.
    public var ack: Bool { flags & 0x1 != 0 && (type == .settings || type == .ping) }

    /// The payload of a frame with this header, its padding and `fixed` leading bytes (a HEADERS priority, a
    /// PUSH_PROMISE stream id) removed (RFC 9113 §6.1, §6.2, §6.6); nil when the padding does not fit.
    public func unpadded(_ payload: UnsafeBufferPointer<UInt8>, fixed: Int) -> UnsafeBufferPointer<UInt8>? {
        var start = 0
        var padding = 0
        if padded {
            guard payload.count >= 1 else { return nil }
            padding = Int(payload[0])
            start = 1
        }
        start += fixed
        guard payload.count - start >= padding else { return nil }
        return UnsafeBufferPointer(rebasing: payload[start..<(payload.count - padding)])
    }

    /// Whether this could be a real frame header, as the frame-type rules of RFC 9113 §6 require: used to find
    /// frames again after lost bytes and to recognise HTTP/2 picked up mid-connection. Unknown types never pass,
    /// so a scan cannot lock onto random bytes through the one rule that accepts anything.
    public func isPlausible(maxPayload: Int) -> Bool {
        guard length <= maxPayload else { return false }
        switch type {
        case .data: return streamID != 0 && flags & ~0x09 == 0
        case .headers: return streamID != 0 && flags & ~0x2D == 0
        case .priority: return streamID != 0 && length == 5 && flags == 0
        case .rstStream: return streamID != 0 && length == 4 && flags == 0
        case .settings: return streamID == 0 && length % 6 == 0 && flags & ~0x01 == 0 && (flags == 0 || length == 0)
        case .pushPromise: return streamID != 0 && flags & ~0x0C == 0 && length >= 4
        case .ping: return streamID == 0 && length == 8 && flags & ~0x01 == 0
        case .goaway: return streamID == 0 && length >= 8 && flags == 0
        case .windowUpdate: return length == 4 && flags == 0
        case .continuation: return streamID != 0 && flags & ~0x04 == 0
        default: return false
        }
    }
}

/// An HTTP/2 frame type (RFC 9113 §6); other values are extension frames, skipped (§5.5).
public struct FrameType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let data = FrameType(rawValue: 0)
    public static let headers = FrameType(rawValue: 1)
    public static let priority = FrameType(rawValue: 2)
    public static let rstStream = FrameType(rawValue: 3)
    public static let settings = FrameType(rawValue: 4)
    public static let pushPromise = FrameType(rawValue: 5)
    public static let ping = FrameType(rawValue: 6)
    public static let goaway = FrameType(rawValue: 7)
    public static let windowUpdate = FrameType(rawValue: 8)
    public static let continuation = FrameType(rawValue: 9)

    public var description: String {
        let names = [
            "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
            "WINDOW_UPDATE", "CONTINUATION",
        ]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "UNKNOWN_\(rawValue)"
    }
}
