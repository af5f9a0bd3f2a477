/// Makes wire strings safe to print on a terminal: control characters (C0, DEL, C1 — which include ESC and CSI,
/// so a method named `\u{1B}[2J` cannot clear the screen) become visible `\u{…}` escapes.
public enum TerminalText {
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
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

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
            || scalar.value == 0x2028 || scalar.value == 0x2029
            // Bidirectional overrides can make a line read differently from what it contains.
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Cuts to at most `width` characters, marking the cut with `…`.
    public static func fit(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        guard text.count > width else { return text }
        return String(text.prefix(width - 1)) + "…"
    }

    public static func padded(_ text: String, to width: Int, rightAligned: Bool = false) -> String {
        let fitted = fit(text, width: width)
        let padding = String(repeating: " ", count: max(0, width - fitted.count))
        return rightAligned ? padding + fitted : fitted + padding
    }
}
