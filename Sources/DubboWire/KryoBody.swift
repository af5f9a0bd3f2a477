/// Kryo (serialization 8, and kryo2 = 25) request bodies: only the leading strings are read — dubbo version,
/// service, service version, method — which Dubbo writes with Kryo's `writeString` (DeepFlow does the same).
/// Arguments are schema-dependent and stay undecoded.
enum KryoBody {
    /// `partial`: only the body's captured head is here, so fewer than four strings is the cut, not an error.
    static func decodeRequest(_ body: Span<UInt8>, partial: Bool = false) -> DubboRequestBody {
        var request = DubboRequestBody()
        request.isPartial = partial
        var offset = 0
        var strings: [String?] = []
        for _ in 0..<4 {
            guard let (value, next) = readString(body, at: offset) else { break }
            strings.append(value)
            offset = next
        }
        request.dubboVersion = strings.count > 0 ? strings[0] : nil
        request.service = strings.count > 1 ? strings[1] : nil
        request.version = strings.count > 2 ? strings[2] ?? "" : nil
        request.method = strings.count > 3 ? strings[3] : nil
        request.decodeError = strings.count == 4
            ? "kryo arguments are not decoded"
            : partial ? nil : "kryo body does not start with four strings"
        return request
    }

    /// One `Output.writeString` value: `nil` result when the bytes are not a Kryo string; `.some(nil)` for null.
    ///
    /// Forms: `0x80` null; ASCII with the high bit set on the last character; otherwise a var-int
    /// (first byte: bit 7 = "UTF-8 form", 6 bits of length+1, bit 6 = more) followed by UTF-8 characters.
    static func readString(_ bytes: Span<UInt8>, at start: Int) -> (String?, Int)? {
        guard start < bytes.count else { return nil }
        let first = bytes[start]
        if first & 0x80 == 0 {
            // ASCII form: printable characters, the last one flagged with 0x80.
            var end = start
            var characters: [UInt8] = []
            while end < bytes.count, characters.count < 4096 {
                let byte = bytes[end]
                end += 1
                if byte & 0x80 != 0 {
                    characters.append(byte & 0x7F)
                    return (String(decoding: characters, as: UTF8.self), end)
                }
                guard byte >= 0x20 else { return nil }
                characters.append(byte)
            }
            return nil
        }
        // Var-int flagged form: length + 1 in the low 6 bits, continuation in bit 6, then 7 bits a byte.
        var value = Int(first & 0x3F)
        var offset = start + 1
        if first & 0x40 != 0 {
            var shift = 6
            while true {
                guard offset < bytes.count, shift <= 27 else { return nil }
                let byte = bytes[offset]
                offset += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
        }
        if value == 0 { return (nil, offset) }
        let length = value - 1
        // Characters are UTF-8 encoded; at most 3 bytes each, and never more than the body holds.
        guard length <= bytes.count - offset else { return nil }
        var characters: [UInt8] = []
        var remaining = length
        while remaining > 0, offset < bytes.count {
            let byte = bytes[offset]
            let width = byte < 0x80 ? 1 : (byte >> 5 == 0b110 ? 2 : 3)
            guard offset + width <= bytes.count else { return nil }
            for index in offset..<(offset + width) { characters.append(bytes[index]) }
            offset += width
            remaining -= 1
        }
        guard remaining == 0 else { return nil }
        return (String(decoding: characters, as: UTF8.self), offset)
    }
}
