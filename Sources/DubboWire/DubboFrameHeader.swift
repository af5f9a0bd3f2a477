import InspectorCore

/// The 16-byte Dubbo 2 header (PROTOCOL.md §1.1), all integers big-endian:
///
///     0-1 magic 0xdabb · 2 flags · 3 status · 4-11 request id (Int64) · 12-15 body length (Int32)
public struct DubboFrameHeader: Sendable, Equatable, Hashable {
    public static let size = 16
    public static let magic: UInt16 = 0xDABB

    /// byte 2: bit7 request, bit6 two-way, bit5 event, bits0-4 serialization id.
    public var flags: UInt8
    /// byte 3: response status; Java writes 0 in requests.
    public var status: UInt8
    public var requestID: Int64
    /// Body length as sent (a Java `int`; negative means the stream is not where we think it is).
    public var bodyLength: Int32

    public init(flags: UInt8, status: UInt8, requestID: Int64, bodyLength: Int32) {
        self.flags = flags
        self.status = status
        self.requestID = requestID
        self.bodyLength = bodyLength
    }

    public var isRequest: Bool { flags & 0x80 != 0 }
    public var isTwoWay: Bool { flags & 0x40 != 0 }
    public var isEvent: Bool { flags & 0x20 != 0 }
    public var serialization: Serialization { Serialization(id: flags & 0x1F) }
    public var statusCode: StatusCode { StatusCode(rawValue: status) }

    /// Parses a header at `offset`, or returns `nil` when fewer than 16 bytes remain. Does not check the magic:
    /// callers decide what a bad magic means (resynchronise, or count non-Dubbo bytes).
    public static func parse(_ bytes: Span<UInt8>, at offset: Int) -> (magic: UInt16, header: DubboFrameHeader)? {
        guard offset >= 0, bytes.count - offset >= size else { return nil }
        var cursor = Cursor(offset)
        guard let magic = bytes.readBigEndian(&cursor, as: UInt16.self),
              let flags = bytes.readByte(&cursor),
              let status = bytes.readByte(&cursor),
              let id = bytes.readBigEndian(&cursor, as: UInt64.self),
              let length = bytes.readBigEndian(&cursor, as: UInt32.self)
        else { return nil }
        return (magic, DubboFrameHeader(
            flags: flags, status: status, requestID: Int64(bitPattern: id), bodyLength: Int32(bitPattern: length)))
    }

    /// Whether a header found by scanning could really start a frame: the checks that make a chance `da bb`
    /// inside a body unlikely to be taken for a header (PROTOCOL.md §1.5, §1.8, §2.1).
    public func isPlausibleAfterResync(maxBodyLength: Int) -> Bool {
        guard bodyLength >= 0, Int(bodyLength) <= maxBodyLength, serialization.isKnown else { return false }
        if isRequest {
            return status == 0 && (bodyLength > 0)
        }
        // Java never sets two-way on a response, and responses always carry a defined status.
        return !isTwoWay && StatusCode.onTheWire.contains(status) && bodyLength > 0
    }
}
