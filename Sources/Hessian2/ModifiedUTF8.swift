import InspectorCore

/// Hessian's character encoding (PROTOCOL §5.3): each UTF-16 unit on its own as a 1-, 2- or 3-byte UTF-8-style
/// sequence (surrogates as two 3-byte sequences, CESU-8 style). A genuine 4-byte UTF-8 sequence, which some
/// non-Java writers emit, is accepted as the two units of its surrogate pair.
enum ModifiedUTF8 {
    /// Decodes `units` UTF-16 units starting at byte `start` of `bytes` into `sink`; returns the byte offset after
    /// them.
    ///
    /// Throws `.truncated(at:)` when the bytes end inside the units, and `.invalidUTF8(at:)` for a lead byte that
    /// starts no sequence (`0x80–0xBF`, `0xF8–0xFF`), a continuation byte that is not `10xxxxxx`, a 4-byte
    /// sequence outside U+10000…U+10FFFF, or one that would need two units where only one is left. Runs of ASCII
    /// are handed to the sink in bulk. Cost: one pass, no allocation.
    static func transcode<Sink: UTF16UnitSink>(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, units: Int, into sink: inout Sink
    ) throws(HessianError) -> Int {
        let end = bytes.count
        var index = start
        var remaining = units
        // Each iteration consumes at least one unit, so this runs at most `units` times.
        while remaining > 0 {
            guard index < end else { throw .truncated(at: index) }
            let lead = bytes[index]
            if lead < 0x80 {
                let runEnd = ASCIIBytes.prefixEnd(bytes, from: index, limit: min(end, index + remaining))
                sink.appendASCII(UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                remaining -= runEnd - index
                index = runEnd
                continue
            }
            switch lead {
            case 0xC0...0xDF:
                let second = try continuation(bytes, at: index + 1, sequenceAt: index)
                sink.append(unit: UInt16(lead & 0x1F) << 6 | UInt16(second))
                index += 2
                remaining -= 1
            case 0xE0...0xEF:
                let second = try continuation(bytes, at: index + 1, sequenceAt: index)
                let third = try continuation(bytes, at: index + 2, sequenceAt: index)
                sink.append(unit: UInt16(lead & 0x0F) << 12 | UInt16(second) << 6 | UInt16(third))
                index += 3
                remaining -= 1
            case 0xF0...0xF7:
                guard remaining >= 2 else { throw .invalidUTF8(at: index) }
                let second = try continuation(bytes, at: index + 1, sequenceAt: index)
                let third = try continuation(bytes, at: index + 2, sequenceAt: index)
                let fourth = try continuation(bytes, at: index + 3, sequenceAt: index)
                let scalar =
                    UInt32(lead & 0x07) << 18 | UInt32(second) << 12 | UInt32(third) << 6 | UInt32(fourth)
                guard (0x10000...0x10FFFF).contains(scalar) else { throw .invalidUTF8(at: index) }
                let offsetScalar = scalar - 0x10000
                sink.append(unit: 0xD800 + UInt16(truncatingIfNeeded: offsetScalar >> 10))
                sink.append(unit: 0xDC00 + UInt16(truncatingIfNeeded: offsetScalar & 0x3FF))
                index += 4
                remaining -= 2
            default:
                throw .invalidUTF8(at: index)
            }
        }
        return index
    }

    /// The low six bits of the continuation byte at `index`.
    @inline(__always)
    private static func continuation(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, sequenceAt: Int
    ) throws(HessianError) -> UInt8 {
        guard index < bytes.count else { throw .truncated(at: sequenceAt) }
        let byte = bytes[index]
        guard byte & 0xC0 == 0x80 else { throw .invalidUTF8(at: sequenceAt) }
        return byte & 0x3F
    }
}
