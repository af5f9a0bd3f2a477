/// Standard base64 (RFC 4648 §4, with `=` padding) for rendering binary values; no Foundation.
enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `bytes`: 4 characters per 3 bytes, rounded up.
    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while bytes.count - index >= 3 {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            appendCharacters(of: group, count: 4, to: &output)
            index += 3
        }
        switch bytes.count - index {
        case 1:
            appendCharacters(of: UInt32(bytes[index]) << 16, count: 2, to: &output)
            output.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")])
        case 2:
            appendCharacters(of: UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8, count: 3, to: &output)
            output.append(UInt8(ascii: "="))
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The first `count` 6-bit digits of the 24-bit `group`, most significant first.
    private static func appendCharacters(of group: UInt32, count: Int, to output: inout [UInt8]) {
        for digit in 0..<count {
            output.append(alphabet[Int((group >> (18 - 6 * UInt32(digit))) & 0x3F)])
        }
    }
}
