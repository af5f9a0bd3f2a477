import InspectorCore

// MARK: Raw reads

extension HessianDecoder {
    /// The byte at `offset`, advancing past it; `.truncated` at the end of the body.
    @inline(__always)
    mutating func nextByte(_ body: Span<UInt8>) throws(HessianError) -> UInt8 {
        guard offset < body.count else { throw .truncated(at: offset) }
        let byte = body[offset]
        offset += 1
        return byte
    }

    /// A big-endian fixed-width field at `offset`; `.truncated(at: itemAt)` when the body is too short.
    @inline(__always)
    mutating func nextBigEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ body: Span<UInt8>, as _: T.Type, itemAt: Int
    ) throws(HessianError) -> T {
        var cursor = Cursor(offset)
        guard let value = body.readBigEndian(&cursor, as: T.self) else { throw .truncated(at: itemAt) }
        offset = cursor.offset
        return value
    }
}

// MARK: Numbers and dates

extension HessianDecoder {
    /// The payload of an int whose tag (`0x80–0xD7` or `'I'`) was consumed at `at` (PROTOCOL §5.1).
    mutating func readInt(_ body: Span<UInt8>, tag: UInt8, at: Int) throws(HessianError) -> Int32 {
        switch tag {
        case 0x80...0xBF:
            return Int32(tag) - 0x90
        case 0xC0...0xCF:
            let low = try nextByte(body)
            return (Int32(tag) - 0xC8) << 8 + Int32(low)
        case 0xD0...0xD7:
            let middle = try nextByte(body)
            let low = try nextByte(body)
            return (Int32(tag) - 0xD4) << 16 + Int32(middle) << 8 + Int32(low)
        case HessianTag.int:
            return Int32(bitPattern: try nextBigEndian(body, as: UInt32.self, itemAt: at))
        default:
            throw .unexpectedTag(tag, at: at)
        }
    }

    /// The payload of a long whose tag (`0xD8–0xFF`, `0x38–0x3F`, `0x59`, `'L'`) was consumed at `at`.
    mutating func readLong(_ body: Span<UInt8>, tag: UInt8, at: Int) throws(HessianError) -> Int64 {
        switch tag {
        case 0xD8...0xEF:
            return Int64(tag) - 0xE0
        case 0xF0...0xFF:
            let low = try nextByte(body)
            return (Int64(tag) - 0xF8) << 8 + Int64(low)
        case 0x38...0x3F:
            let middle = try nextByte(body)
            let low = try nextByte(body)
            return (Int64(tag) - 0x3C) << 16 + Int64(middle) << 8 + Int64(low)
        case HessianTag.longAsInt32:
            return Int64(Int32(bitPattern: try nextBigEndian(body, as: UInt32.self, itemAt: at)))
        case HessianTag.long:
            return Int64(bitPattern: try nextBigEndian(body, as: UInt64.self, itemAt: at))
        default:
            throw .unexpectedTag(tag, at: at)
        }
    }

    /// The payload of a double whose tag (`0x5B–0x5F` or `'D'`) was consumed at `at`.
    ///
    /// `0x5F` is an int32 count of thousandths; it is scaled as `0.001 * mills`, exactly as hessian-lite's
    /// `Hessian2Input` does, because its writer only picks this form when `0.001 * mills == value`.
    mutating func readDouble(_ body: Span<UInt8>, tag: UInt8, at: Int) throws(HessianError) -> Double {
        switch tag {
        case 0x5B:
            return 0.0
        case 0x5C:
            return 1.0
        case 0x5D:
            return Double(Int8(bitPattern: try nextByte(body)))
        case 0x5E:
            return Double(Int16(bitPattern: try nextBigEndian(body, as: UInt16.self, itemAt: at)))
        case 0x5F:
            return 0.001 * Double(Int32(bitPattern: try nextBigEndian(body, as: UInt32.self, itemAt: at)))
        case HessianTag.double:
            return Double(bitPattern: try nextBigEndian(body, as: UInt64.self, itemAt: at))
        default:
            throw .unexpectedTag(tag, at: at)
        }
    }

    /// Milliseconds since the epoch of a date whose tag (`0x4A` ms or `0x4B` minutes) was consumed at `at`.
    mutating func readDate(_ body: Span<UInt8>, tag: UInt8, at: Int) throws(HessianError) -> Int64 {
        if tag == HessianTag.dateMinutes {
            // Int32 minutes × 60 000 stays far inside Int64.
            return Int64(Int32(bitPattern: try nextBigEndian(body, as: UInt32.self, itemAt: at))) * 60_000
        }
        return Int64(bitPattern: try nextBigEndian(body, as: UInt64.self, itemAt: at))
    }

    /// An int used as structure (length, field count, class index, reference, type reference): any int form.
    mutating func readStructuralInt(_ body: Span<UInt8>) throws(HessianError) -> Int {
        let at = offset
        let tag = try nextByte(body)
        guard HessianTag.isInt(tag) else { throw .unexpectedTag(tag, at: at) }
        return Int(try readInt(body, tag: tag, at: at))
    }

    /// A structural count of items that each take at least one byte: checked to be non-negative, within
    /// `maxCollectionCount`, and no larger than the bytes that remain, so callers may reserve that many slots.
    mutating func readCount(_ body: Span<UInt8>) throws(HessianError) -> Int {
        let at = offset
        let count = try readStructuralInt(body)
        guard count >= 0 else { throw .negativeLength(count, at: at) }
        guard count <= limits.maxCollectionCount else { throw .collectionTooLarge(count: count, at: at) }
        guard count <= body.count - offset else { throw .truncated(at: at) }
        return count
    }
}
