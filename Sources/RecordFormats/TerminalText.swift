import InspectorCore

/// Text for a terminal, the one helper every text output uses (record lines, report tables, the live view):
/// wire strings made safe to print, and widths counted in terminal columns, so CJK names and emoji (two columns)
/// align and are cut where they should be.
public enum TerminalText {
    /// Control characters (C0, DEL, C1 — which include ESC and CSI, so a method named `\u{1B}[2J` cannot clear the
    /// screen), line separators and bidirectional overrides become visible `\u{…}` escapes.
    public static func sanitize(_ text: String) -> String {
        guard TextScan.containsTerminalControl(text) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The scalars `TextScan.containsTerminalControl` finds in bytes.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
            || scalar.value == 0x2028 || scalar.value == 0x2029
            // Bidirectional overrides can make a line read differently from what it contains.
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Terminal columns taken by `scalar`: an approximation of `wcwidth` that needs no locale. Combining marks and
    /// format characters take none, East Asian wide and full-width characters and emoji take two, the rest one;
    /// control characters none (sanitize first).
    public static func columns(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if value == 0x200B || (0x1160...0x11FF).contains(value) { return 0 }
        if isWide(value) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Terminal columns taken by `text`.
    public static func columns(of text: String) -> Int {
        text.withUTF8Bytes(columns)
    }

    /// Columns of valid UTF-8 (a String's): runs of printable ASCII counted by a byte scan, one column a byte; every
    /// other scalar decoded and measured on its own.
    private static func columns(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var total = 0
        var index = 0
        while index < utf8.count {
            let run = TextScan.printableASCIIPrefix(UnsafeBufferPointer(rebasing: utf8[index...]))
            total += run
            index += run
            guard index < utf8.count else { break }
            let lead = UInt32(utf8[index])
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            guard index + length <= utf8.count else { break }
            var value = length == 1 ? lead : lead & (0x7F >> UInt32(length))
            for offset in 1..<length {
                value = value << 6 | UInt32(utf8[index + offset] & 0x3F)
            }
            if let scalar = Unicode.Scalar(value) { total += columns(of: scalar) }
            index += length
        }
        return total
    }

    /// East Asian Wide and Fullwidth blocks (Unicode 15, UAX #11), coarsely.
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
            0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
            0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` cut to at most `columns` terminal columns, the cut marked with `…`.
    public static func fit(_ text: String, columns limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard columns(of: text) > limit else { return text }
        // The first `limit` bytes printable ASCII: one character and one column per byte, and a character boundary
        // after byte `limit - 1` (an ASCII byte follows), so the cut is the one the loop below would make.
        if TextScan.printableASCIIPrefix(text) >= limit {
            return String(decoding: text.utf8.prefix(limit - 1), as: UTF8.self) + "…"
        }
        var result = ""
        var used = 0
        for character in text {
            var width = 0
            for scalar in character.unicodeScalars { width += columns(of: scalar) }
            guard used + width <= limit - 1 else { break }
            result.append(character)
            used += width
        }
        return result + "…"
    }

    /// `text` fitted to `columns` and padded with spaces to exactly that many terminal columns.
    public static func pad(_ text: String, columns limit: Int, rightAligned: Bool = false) -> String {
        let fitted = fit(text, columns: limit)
        let padding = String(repeating: " ", count: max(0, limit - columns(of: fitted)))
        return rightAligned ? padding + fitted : fitted + padding
    }
}
