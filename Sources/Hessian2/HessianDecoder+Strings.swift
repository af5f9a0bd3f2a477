import InspectorCore

// MARK: Strings

extension HessianDecoder {
    /// A string whose first tag was consumed at `at`: `'R'` chunks then a final chunk (`'S'`, `0x00–0x1F` or
    /// `0x30–0x33`), lengths in UTF-16 units (PROTOCOL §5.3). Returns `""` when `build` is false (validated only).
    ///
    /// The total length is checked against `maxStringLength`, and each chunk's length against the remaining bytes
    /// (a unit takes at least one byte) before any decoding. A one-chunk ASCII string is created straight from the
    /// body; anything else is transcoded through the reusable scratch buffer.
    mutating func readString(_ body: Span<UInt8>, tag firstTag: UInt8, at firstAt: Int, build: Bool)
        throws(HessianError) -> String
    {
        var tag = firstTag
        var tagAt = firstAt
        var totalUnits = 0
        var sink = UTF8StringSink(reusing: [])
        var transcoding = false
        var finished = false
        // Every chunk consumes at least its tag byte, so there are at most body.count chunks.
        for _ in 0...body.count {
            let (units, isFinal) = try readStringChunkHeader(body, tag: tag, at: tagAt)
            totalUnits += units
            guard totalUnits <= limits.maxStringLength else {
                throw .stringTooLong(length: totalUnits, at: firstAt)
            }
            guard units <= body.count - offset else { throw .truncated(at: tagAt) }

            if !build {
                var discard = DiscardingUnitSink()
                offset = try transcode(body, units: units, into: &discard)
            } else {
                if !transcoding {
                    if isFinal, let ascii = asciiString(body, units: units) {
                        offset += units
                        return ascii
                    }
                    sink = UTF8StringSink(reusing: takeScratch())
                    transcoding = true
                }
                offset = try transcode(body, units: units, into: &sink)
            }

            if isFinal {
                finished = true
                break
            }
            tagAt = offset
            tag = try nextByte(body)
        }

        guard finished else { throw .truncated(at: offset) }
        guard transcoding else { return "" }
        sink.finish()
        let string = String(decoding: sink.bytes, as: UTF8.self)
        scratch = sink.bytes
        return string
    }

    /// The unit count of one string chunk whose tag was consumed at `at`, and whether it is the last chunk.
    private mutating func readStringChunkHeader(_ body: Span<UInt8>, tag: UInt8, at: Int)
        throws(HessianError) -> (units: Int, isFinal: Bool)
    {
        switch tag {
        case 0x00...0x1F:
            return (Int(tag), true)
        case 0x30...0x33:
            return (Int(tag - 0x30) << 8 | Int(try nextByte(body)), true)
        case HessianTag.stringFinal:
            return (Int(try nextBigEndian(body, as: UInt16.self, itemAt: at)), true)
        case HessianTag.stringChunk:
            return (Int(try nextBigEndian(body, as: UInt16.self, itemAt: at)), false)
        default:
            throw .unexpectedTag(tag, at: at)
        }
    }

    /// `units` bytes at `offset` as a String when they are all ASCII (the caller checked they are in the body).
    /// Names, descriptors and attachments repeat in every body: those come from the interner, not the allocator.
    private mutating func asciiString(_ body: Span<UInt8>, units: Int) -> String? {
        let start = offset
        return body.withUnsafeBufferPointer { bytes -> String? in
            let end = start + units
            guard ASCIIBytes.prefixEnd(bytes, from: start, limit: end) == end else { return nil }
            let ascii = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if (StringInterner.minLength...StringInterner.maxLength).contains(units) {
                return interner.string(for: ascii)
            }
            return String(decoding: ascii, as: UTF8.self)
        }
    }

    private func transcode<Sink: UTF16UnitSink>(_ body: Span<UInt8>, units: Int, into sink: inout Sink)
        throws(HessianError) -> Int
    {
        let start = offset
        return try body.withUnsafeBufferPointer { (bytes) throws(HessianError) -> Int in
            try ModifiedUTF8.transcode(bytes, from: start, units: units, into: &sink)
        }
    }

    /// Moves the scratch buffer out (it comes back, grown, when the string is finished).
    private mutating func takeScratch() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &scratch)
        return taken
    }
}

// MARK: Binary

extension HessianDecoder {
    /// Binary data whose first tag was consumed at `at`: `'A'` chunks then a final chunk (`'B'`, `0x20–0x2F` or
    /// `0x34–0x37`) (PROTOCOL §5.5). Returns `[]` when `build` is false. Each chunk length is checked against the
    /// remaining bytes before copying, so the result is never larger than the body.
    mutating func readBinary(_ body: Span<UInt8>, tag firstTag: UInt8, at firstAt: Int, build: Bool)
        throws(HessianError) -> [UInt8]
    {
        var tag = firstTag
        var tagAt = firstAt
        var result: [UInt8] = []
        var finished = false
        // Every chunk consumes at least its tag byte, so there are at most body.count chunks.
        for _ in 0...body.count {
            let length: Int
            let isFinal: Bool
            switch tag {
            case 0x20...0x2F:
                (length, isFinal) = (Int(tag - 0x20), true)
            case 0x34...0x37:
                (length, isFinal) = (Int(tag - 0x34) << 8 | Int(try nextByte(body)), true)
            case HessianTag.binaryFinal:
                (length, isFinal) = (Int(try nextBigEndian(body, as: UInt16.self, itemAt: tagAt)), true)
            case HessianTag.binaryChunk:
                (length, isFinal) = (Int(try nextBigEndian(body, as: UInt16.self, itemAt: tagAt)), false)
            default:
                throw .unexpectedTag(tag, at: tagAt)
            }
            guard length <= body.count - offset else { throw .truncated(at: tagAt) }
            if build {
                let start = offset
                body.withUnsafeBufferPointer { bytes in
                    result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<(start + length)]))
                }
            }
            offset += length
            if isFinal {
                finished = true
                break
            }
            tagAt = offset
            tag = try nextByte(body)
        }
        guard finished else { throw .truncated(at: offset) }
        return result
    }
}
