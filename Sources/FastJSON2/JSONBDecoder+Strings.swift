import Hessian2
import InspectorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: Strings and symbols (PROTOCOL.md §3.6.1: `0x49`–`0x7F`)

extension JSONBDecoder {
    /// A string in any encoding, or a symbol (`0x7F`): a definition (string, then its number) or a reference.
    mutating func readString(_ bytes: Span<UInt8>) throws(JSONBError) -> String {
        let start = offset
        let type = try typeByte(bytes)
        switch type {
        case 0x49...0x78:
            offset += 1
            return try byteString(bytes, length: Int(type - 0x49), at: start, utf8: false)
        case 0x79...0x7E:
            offset += 1
            let lengthAt = offset
            let length = Int(try readInt32(bytes))
            // A negative Latin-1 length names fastjson2's external symbol table, which Dubbo does not use.
            guard length >= 0 else { throw type == 0x79 ? .undefinedSymbol(length, at: lengthAt) : .negativeLength(length, at: lengthAt) }
            guard length <= limits.maxStringLength else { throw .stringTooLong(length: length, at: start) }
            guard length <= bytes.count - offset else { throw .truncated(at: start) }
            switch type {
            case 0x79: return try byteString(bytes, length: length, at: start, utf8: false)
            case 0x7A: return try byteString(bytes, length: length, at: start, utf8: true)
            case 0x7B: return try take(length, from: bytes, at: start) { Self.utf16(detectingByteOrderOf: $0) }
            case 0x7C: return try take(length, from: bytes, at: start) { Self.utf16($0, bigEndian: false) }
            case 0x7D: return try take(length, from: bytes, at: start) { Self.utf16($0, bigEndian: true) }
            default:
                guard let text = try take(length, from: bytes, at: start, Self.gb18030) else {
                    throw .unconvertibleString(encoding: "GB18030", at: start)
                }
                return text
            }
        case 0x7F:
            offset += 1
            guard offset < bytes.count else { throw .truncated(at: offset) }
            if (0x49...0x7E).contains(bytes[offset]) {
                let name = try readString(bytes)
                try defineSymbol(Int(try readInt32(bytes)), name, at: start)
                return name
            }
            return try readSymbolNumber(bytes, at: start)
        default:
            throw .unexpectedType(type, at: start)
        }
    }

    /// After `0x92`: `0x7F n` or a bare int `n`, a symbol defined earlier in this document.
    mutating func readSymbolReference(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> String {
        if offset < bytes.count, bytes[offset] == 0x7F { offset += 1 }
        return try readSymbolNumber(bytes, at: start)
    }

    private mutating func readSymbolNumber(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> String {
        let number = Int(try readInt32(bytes))
        // Negative numbers index an external table agreed out of band; Dubbo never sets one.
        guard let name = symbols[number] else { throw .undefinedSymbol(number, at: start) }
        return name
    }

    mutating func defineSymbol(_ number: Int, _ name: String, at start: Int) throws(JSONBError) {
        guard number >= 0 else { throw .undefinedSymbol(number, at: start) }
        guard symbols[number] != nil || symbols.count < limits.maxJSONBSymbols else { throw .tooManySymbols(at: start) }
        symbols[number] = name
    }

    // MARK: Encodings

    /// A Latin-1 or UTF-8 string of `length` bytes; a repeated ASCII one comes from the interner.
    private mutating func byteString(_ bytes: Span<UInt8>, length: Int, at start: Int, utf8: Bool) throws(JSONBError) -> String {
        guard length <= bytes.count - offset else { throw .truncated(at: start) }
        let text = bytes.extracting(offset..<(offset + length)).withUnsafeBufferPointer { buffer -> String in
            if buffer.count >= StringInterner.minLength, buffer.count <= StringInterner.maxLength, ASCIIBytes.isASCII(buffer) {
                return interner.string(for: buffer)
            }
            return utf8 ? String(decoding: buffer, as: UTF8.self) : Self.latin1(buffer)
        }
        offset += length
        return text
    }

    /// ISO-8859-1: every byte is the code point of the same value.
    static func latin1(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if ASCIIBytes.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
            } else {
                utf8.append(0xC0 | byte >> 6)
                utf8.append(0x80 | byte & 0x3F)
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Java's `UTF_16`: a byte-order mark chooses the order and is dropped; without one, big-endian.
    static func utf16(detectingByteOrderOf bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.count >= 2 {
            if bytes[0] == 0xFE, bytes[1] == 0xFF { return utf16(UnsafeBufferPointer(rebasing: bytes[2...]), bigEndian: true) }
            if bytes[0] == 0xFF, bytes[1] == 0xFE { return utf16(UnsafeBufferPointer(rebasing: bytes[2...]), bigEndian: false) }
        }
        return utf16(bytes, bigEndian: true)
    }

    /// UTF-16 units in the given order; a lone surrogate or an odd last byte becomes U+FFFD, as Java decodes them.
    static func utf16(_ bytes: UnsafeBufferPointer<UInt8>, bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2 + 1)
        var index = 0
        while index + 1 < bytes.count {
            let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        if index < bytes.count { units.append(0xFFFD) }
        return String(decoding: units, as: UTF16.self)
    }

    /// GB18030 through the system's iconv; nil when iconv lacks the encoding or the bytes are not valid in it.
    /// The output is bounded: GB18030 takes one byte for ASCII, two bytes for what UTF-8 writes in at most three,
    /// and four bytes for the rest (at most four in UTF-8), so twice the input always fits.
    static func gb18030(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        #if canImport(Glibc) || canImport(Musl)
        guard let converter = iconv_open("UTF-8", "GB18030"), Int(bitPattern: converter) != -1 else { return nil }
        defer { iconv_close(converter) }
        var input = Array(bytes)
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 4)
        let written: Int? = input.withUnsafeMutableBytes { inputBuffer in
            output.withUnsafeMutableBytes { outputBuffer -> Int? in
                var inputPointer = inputBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inputLeft = inputBuffer.count
                var outputPointer = outputBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outputLeft = outputBuffer.count
                if inputLeft > 0, iconv(converter, &inputPointer, &inputLeft, &outputPointer, &outputLeft) == -1 {
                    return nil
                }
                return outputBuffer.count - outputLeft
            }
        }
        guard let written else { return nil }
        return String(decoding: output[..<written], as: UTF8.self)
        #else
        return nil
        #endif
    }
}
