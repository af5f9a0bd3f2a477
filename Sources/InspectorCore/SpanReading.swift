/// A read position into a borrowed byte span. Spans cannot be stored, so parsers keep this cursor instead.
public struct Cursor: Sendable, Equatable {
    public var offset: Int

    public init(_ offset: Int = 0) {
        self.offset = offset
    }
}

extension Span where Element == UInt8 {
    /// Reads a big-endian unsigned integer at the cursor, or returns `nil` (cursor unchanged) when too few bytes remain.
    @inlinable
    public func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ cursor: inout Cursor, as _: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard cursor.offset >= 0, count - cursor.offset >= size else { return nil }
        var value: T = 0
        for index in cursor.offset..<(cursor.offset + size) {
            value = value << 8 | T(self[index])
        }
        cursor.offset += size
        return value
    }

    /// Reads one byte at the cursor, or `nil` at the end.
    @inlinable
    public func readByte(_ cursor: inout Cursor) -> UInt8? {
        guard cursor.offset >= 0, cursor.offset < count else { return nil }
        defer { cursor.offset += 1 }
        return self[cursor.offset]
    }

    /// Big-endian integer at a fixed offset, without a cursor.
    @inlinable
    public func bigEndian<T: FixedWidthInteger & UnsignedInteger>(at offset: Int, as _: T.Type = T.self) -> T? {
        var cursor = Cursor(offset)
        return readBigEndian(&cursor, as: T.self)
    }

    /// A copy of `count` bytes at `offset` (callers check bounds first; out of range gives `nil`).
    @inlinable
    public func copyBytes(at offset: Int, count length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= count - length else { return nil }
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            for index in 0..<length { buffer[index] = self[offset + index] }
            initialized = length
        }
    }
}
