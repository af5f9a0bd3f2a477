import Hessian2
import InspectorCore

// MARK: Decimals and big integers (`0xB9`, `0xBB`): exact digits, never rounded through a double

extension JSONBDecoder {
    /// `0xB9 <scale> <unscaled>`: a `BigDecimal`, as JSON number text with all its digits (`123.45`, `-0.001`,
    /// and for a negative scale `12E+3`).
    mutating func readDecimal(_ bytes: Span<UInt8>) throws(JSONBError) -> HessianValue {
        let start = offset
        let scale = Int(try readInt32(bytes))
        guard offset < bytes.count else { throw .truncated(at: offset) }
        let unscaled: String
        switch bytes[offset] {
        case 0xBB:
            offset += 1
            unscaled = try readBigIntegerDigits(bytes, at: start)
        case 0xBA:
            offset += 1
            unscaled = String(try readInt64(bytes))
        case 0xBC:
            offset += 1
            unscaled = String(Int16(bitPattern: try readFixed(bytes, as: UInt16.self)))
        case 0xBD:
            offset += 1
            unscaled = String(Int8(bitPattern: try readFixed(bytes, as: UInt8.self)))
        default:
            unscaled = String(try readInt64(bytes))
        }
        // A scale beyond the digits' reach would only pad zeros; Java's BigDecimal allows any int.
        guard scale.magnitude <= UInt(limits.maxJSONBBigNumberBytes * 3) else { throw .numberTooLong(length: scale, at: start) }
        return .number(Self.decimalText(unscaled: unscaled, scale: scale))
    }

    static func decimalText(unscaled: String, scale: Int) -> String {
        if scale == 0 { return unscaled }
        if scale < 0 { return unscaled + "E+" + String(-scale) }
        let negative = unscaled.hasPrefix("-")
        var digits = negative ? String(unscaled.dropFirst()) : unscaled
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let point = digits.index(digits.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + digits[..<point] + "." + digits[point...]
    }

    /// `0xBB <length> <bytes>` (the type byte already read): a two's-complement big-endian integer, as decimal.
    mutating func readBigIntegerDigits(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> String {
        let length = try readLength(bytes)
        guard length <= limits.maxJSONBBigNumberBytes else { throw .numberTooLong(length: length, at: start) }
        guard length > 0 else { return "0" }
        return try take(length, from: bytes, at: start) { Self.decimal(twosComplement: Array($0)) }
    }

    /// Decimal text of a big-endian two's-complement integer: repeated division of the magnitude by 10^9.
    static func decimal(twosComplement bytes: [UInt8]) -> String {
        let negative = bytes[0] & 0x80 != 0
        var magnitude = bytes
        if negative {
            // Negate: invert and add one.
            var carry = true
            for index in magnitude.indices.reversed() {
                magnitude[index] = ~magnitude[index]
                if carry {
                    magnitude[index] &+= 1
                    carry = magnitude[index] == 0
                }
            }
        }
        // Base 2^32 limbs, most significant first.
        var limbs: [UInt32] = []
        let padding = (4 - magnitude.count % 4) % 4
        let padded = [UInt8](repeating: 0, count: padding) + magnitude
        for index in stride(from: 0, to: padded.count, by: 4) {
            limbs.append(UInt32(padded[index]) << 24 | UInt32(padded[index + 1]) << 16
                | UInt32(padded[index + 2]) << 8 | UInt32(padded[index + 3]))
        }
        var chunks: [UInt32] = []  // base 10^9, least significant first
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for index in limbs.indices {
                let current = remainder << 32 | UInt64(limbs[index])
                limbs[index] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
        }
        guard let top = chunks.last else { return "0" }
        var text = negative ? "-" : ""
        text += String(top)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}
