/// Decoding of base64 text (RFC 4648 §4 and the URL-safe alphabet of §5, padding optional), as `sw8` fields use it.
enum Base64Text {
    /// The bytes, or `nil` when the text holds a character outside both alphabets, misplaced padding, or a
    /// length no encoder writes.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var digits: [UInt8] = []
        digits.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let digit = value(of: byte) else { return nil }
            digits.append(digit)
        }
        guard padding <= 2, digits.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(digits.count * 3 / 4)
        var index = 0
        while index < digits.count {
            let chunk = digits[index..<min(index + 4, digits.count)]
            var group: UInt32 = 0
            for digit in chunk { group = group << 6 | UInt32(digit) }
            group <<= UInt32(6 * (4 - chunk.count))
            for byteIndex in 0..<(chunk.count - 1) {
                output.append(UInt8(truncatingIfNeeded: group >> UInt32(16 - 8 * byteIndex)))
            }
            index += 4
        }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
