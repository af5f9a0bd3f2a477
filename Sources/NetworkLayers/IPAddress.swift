/// An IPv4 or IPv6 address, stored as its big-endian bits in integers.
///
/// `description` is the canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lowercase hex,
/// no leading zeros, the longest run of two or more zero groups as `::`, the first run on a tie,
/// and IPv4-mapped addresses as `::ffff:192.0.2.1`, RFC 5952 §5).
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// IPv4: the 32 address bits, first octet in the high byte (`10.1.0.3` is `0x0A01_0003`).
    case v4(UInt32)
    /// IPv6: the high and low 64 bits, first byte in the high byte of the first value.
    case v6(UInt64, UInt64)

    /// IPv4 from its four octets, in text order.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self = .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// IPv6 from its eight 16-bit groups, in text order (`[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]`).
    /// Missing groups are zero; extra groups are ignored.
    public init(groups: [UInt16]) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            let group = UInt64(index < groups.count ? groups[index] : 0)
            if index < 4 { high = high << 16 | group } else { low = low << 16 | group }
        }
        self = .v6(high, low)
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// The eight 16-bit groups of an IPv6 address (empty for IPv4).
    public var groups: [UInt16] {
        guard case .v6(let high, let low) = self else { return [] }
        return (0..<8).map { index in
            let half = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> (48 - 16 * UInt64(index % 4)))
        }
    }

    public var description: String {
        switch self {
        case .v4(let bits):
            return Self.dottedQuad(bits)
        case .v6(let high, let low):
            if high == 0, low >> 32 == 0xffff {
                return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low))
            }
            return Self.compressedHex(groups)
        }
    }

    // MARK: Text

    private static func dottedQuad(_ bits: UInt32) -> String {
        "\(bits >> 24).\(bits >> 16 & 0xff).\(bits >> 8 & 0xff).\(bits & 0xff)"
    }

    /// RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one when runs tie.
    private static func compressedHex(_ groups: [UInt16]) -> String {
        var bestStart = -1
        var bestLength = 1  // a single zero group is never compressed (§4.2.2)
        var runStart = -1
        for index in 0...groups.count {
            if index < groups.count, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart
                }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<groups.count) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<groups.count)
    }
}
