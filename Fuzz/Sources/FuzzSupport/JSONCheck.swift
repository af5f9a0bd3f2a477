/// A strict RFC 8259 validator written independently of the package's JSON writer, so fuzz targets can check that
/// everything rendered from wire bytes is well-formed JSON: no raw control characters, valid escapes, balanced
/// brackets, valid UTF-8 (the caller passes a Swift String's UTF-8, which is valid by construction).
public enum JSONCheck {
    /// Whether `text` is exactly one JSON value, optionally surrounded by whitespace (and one trailing newline).
    public static func isValid(_ text: String) -> Bool {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.document()
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// Depth is bounded by the renderer (Hessian depth); this cap only keeps the validator itself safe.
        static let maxDepth = 10_000

        mutating func document() -> Bool {
            skipWhitespace()
            guard value(depth: 0) else { return false }
            skipWhitespace()
            return index == bytes.count
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < Self.maxDepth, index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipWhitespace()
                if peek(UInt8(ascii: "}")) { return true }
                while true {
                    skipWhitespace()
                    guard string() else { return false }
                    skipWhitespace()
                    guard peek(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if peek(UInt8(ascii: ",")) { continue }
                    return peek(UInt8(ascii: "}"))
                }
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if peek(UInt8(ascii: "]")) { return true }
                while true {
                    skipWhitespace()
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if peek(UInt8(ascii: ",")) { continue }
                    return peek(UInt8(ascii: "]"))
                }
            case UInt8(ascii: "\""):
                return string()
            case UInt8(ascii: "t"):
                return literal("true")
            case UInt8(ascii: "f"):
                return literal("false")
            case UInt8(ascii: "n"):
                return literal("null")
            default:
                return number()
            }
        }

        mutating func peek(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let text = word.withUTF8Buffer { Array($0) }
            guard bytes.count - index >= text.count, Array(bytes[index..<(index + text.count)]) == text else {
                return false
            }
            index += text.count
            return true
        }

        mutating func string() -> Bool {
            guard peek(UInt8(ascii: "\"")) else { return false }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return true
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return false }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        guard bytes.count - index >= 4 else { return false }
                        for _ in 0..<4 {
                            guard isHexDigit(bytes[index]) else { return false }
                            index += 1
                        }
                    default:
                        return false
                    }
                case 0x00..<0x20:
                    return false  // a raw control character
                default:
                    continue
                }
            }
            return false
        }

        mutating func number() -> Bool {
            _ = peek(UInt8(ascii: "-"))
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { return false }
            }
            if peek(UInt8(ascii: ".")) {
                guard digits() > 0 else { return false }
            }
            if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
                if !peek(UInt8(ascii: "+")) { _ = peek(UInt8(ascii: "-")) }
                guard digits() > 0 else { return false }
            }
            return true
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            return index - start
        }

        func isHexDigit(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
    }
}
