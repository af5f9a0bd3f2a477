public import NetworkLayers

/// IP literals from registry text (`10.0.0.2`, `2001:db8::2`, `::ffff:10.0.0.2`) into `IPAddress`, so that a
/// registered endpoint and a captured one compare equal whatever way the address was spelled.
public enum IPAddressText {
    /// The address, or nil when `text` is not an IPv4 dotted quad or an IPv6 literal (RFC 4291 §2.2 text forms,
    /// without brackets). An IPv6 zone (`%eth0`) is dropped.
    public static func parse<S: StringProtocol>(_ text: S) -> IPAddress? {
        var body = Substring(text)
        if let zone = body.firstIndex(of: "%") { body = body[..<zone] }
        if !body.contains(":") {
            return parseIPv4(body).map { IPAddress.v4($0) }
        }
        return parseIPv6(body)
    }

    /// Bytes allowed in a host name (letters, digits, `.`, `-`, `_`).
    static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    private static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bits: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let octet = UInt32(part), octet <= 255
            else { return nil }
            bits = bits << 8 | octet
        }
        return bits
    }

    private static func parseIPv6(_ text: Substring) -> IPAddress? {
        guard text.utf8.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        let halves: [Substring]
        if let range = text.firstRange(of: "::") {
            sawDoubleColon = true
            halves = [text[..<range.lowerBound], text[range.upperBound...]]
            guard !halves[1].contains("::") else { return nil }
        } else {
            halves = [text]
        }
        for (index, half) in halves.enumerated() {
            guard !half.isEmpty else { continue }
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            var groups: [UInt16] = []
            for (position, piece) in pieces.enumerated() {
                if position == pieces.count - 1, piece.contains(".") {
                    // An embedded IPv4 address fills the last two groups (`::ffff:10.0.0.2`).
                    guard let v4 = parseIPv4(piece) else { return nil }
                    groups.append(UInt16(v4 >> 16))
                    groups.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(piece.utf8.count), piece.utf8.allSatisfy(isHexDigit),
                        let value = UInt16(piece, radix: 16)
                    else { return nil }
                    groups.append(value)
                }
            }
            if index == 0 { head = groups } else { tail = groups }
        }
        let count = head.count + tail.count
        if sawDoubleColon {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - count) + tail
        return IPAddress(groups: groups)
    }
}
