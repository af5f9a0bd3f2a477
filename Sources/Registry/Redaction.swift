/// Text-level redaction for URL-like strings that may not parse (error messages, malformed registry entries).
enum Redaction {
    /// `text` with the user-info password replaced by `***` (`user:***@`, or `***@` when there is no colon:
    /// a lone user-info part may be a password) and the values of `secretKeys` parameters replaced by `***`.
    static func redactURL(_ text: String, secretKeys: Set<String>) -> String {
        let authorityStart = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        var result = String(text[..<authorityStart])
        var rest = text[authorityStart...]
        // The user-info runs to the last '@', even past a '/' or '?': a password typed without percent-encoding
        // may hold them (`redis://u:pa/ss@h`), and over-redacting an error message is the safe mistake.
        // By scalar: an '@' followed by a combining mark is not the Character "@", but it still ends the user-info.
        if let at = rest.unicodeScalars.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result += userInfo[..<colon] + ":***"
            } else {
                result += "***"
            }
            rest = rest[at...]
        }
        // Every part after a '?' or '&' is a parameter (wherever the '@' fell); secret ones lose their value.
        var partStart = rest.startIndex
        var isParameter = false
        func append(_ part: Substring) {
            let key = part.prefix { $0 != "=" }
            let secret = isParameter && secretKeys.contains(key.lowercased()) && key.count < part.count
            result += secret ? key + "=***" : part
        }
        for index in rest.indices where rest[index] == "?" || rest[index] == "&" {
            append(rest[partStart..<index])
            result.append(rest[index])
            partStart = rest.index(after: index)
            isParameter = true
        }
        append(rest[partStart...])
        return result
    }

    /// At most `limit` characters, marked when cut, with control characters (terminal escapes) shown as U+FFFD.
    static func shortened(_ text: String, limit: Int = 300) -> String {
        let cut = text.count <= limit ? text : String(text.prefix(limit)) + "…"
        guard cut.unicodeScalars.contains(where: isControl) else { return cut }
        var clean = String.UnicodeScalarView()
        for scalar in cut.unicodeScalars { clean.append(isControl(scalar) ? "\u{FFFD}" : scalar) }
        return String(clean)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
    }
}
