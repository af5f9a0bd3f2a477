// Hex text of ids, without Foundation.

extension UInt64 {
    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * $0)) } }

    /// 16 lowercase hex digits, zero-padded.
    var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 { out[index] = digits[Int((self >> (60 - 4 * UInt64(index))) & 0xF)] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Up to 16 hex digits (either case); `nil` when empty, too long or not hex.
    init?(hexDigits: ArraySlice<UInt8>) {
        guard !hexDigits.isEmpty, hexDigits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in hexDigits {
            guard let nibble = hexNibble(byte) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        self = value
    }
}

func hexNibble(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
