import Hessian2

/// Parses a JSON document (RFC 8259) into the value tree records render, for `application/json` Triple bodies.
/// Bounded by depth; numbers become longs when integral and in range, else doubles.
struct JSONValueParser {
    struct Malformed: Error, Equatable {
        var reason: String
        var offset: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private let maxDepth: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(Malformed) -> HessianValue {
        let value = try parseValue(depth: maxDepth)
        skipSpace()
        guard offset == bytes.count else { throw fail("trailing bytes") }
        return value
    }

    private func fail(_ reason: String) -> Malformed { Malformed(reason: reason, offset: offset) }

    private mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(Malformed) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count else { throw fail("cut short") }
        for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] { throw fail("bad literal") }
        offset += count
    }

    private mutating func parseValue(depth: Int) throws(Malformed) -> HessianValue {
        guard depth > 0 else { throw fail("nested too deep") }
        skipSpace()
        guard offset < bytes.count else { throw fail("cut short") }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            offset += 1
            var entries: [HessianMapEntry] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .map(HessianMap(entries: entries))
            }
            while true {
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("object key expected") }
                let key = try parseString()
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw fail("':' expected") }
                offset += 1
                entries.append(HessianMapEntry(key: .string(key), value: try parseValue(depth: depth - 1)))
                skipSpace()
                guard offset < bytes.count else { throw fail("cut short") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                guard bytes[offset] == UInt8(ascii: "}") else { throw fail("',' or '}' expected") }
                offset += 1
                return .map(HessianMap(entries: entries))
            }
        case UInt8(ascii: "["):
            offset += 1
            var elements: [HessianValue] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .list(HessianList(elements: elements))
            }
            while true {
                elements.append(try parseValue(depth: depth - 1))
                skipSpace()
                guard offset < bytes.count else { throw fail("cut short") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                guard bytes[offset] == UInt8(ascii: "]") else { throw fail("',' or ']' expected") }
                offset += 1
                return .list(HessianList(elements: elements))
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func parseNumber() throws(Malformed) -> HessianValue {
        let start = offset
        var integral = true
        while offset < bytes.count {
            let byte = bytes[offset]
            if (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                offset += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                integral = false
                offset += 1
            } else {
                break
            }
        }
        guard offset > start else { throw fail("value expected") }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        if integral, let value = Int64(text) { return .long(value) }
        guard let value = Double(text) else { throw Malformed(reason: "bad number", offset: start) }
        return .double(value)
    }

    private mutating func parseString() throws(Malformed) -> String {
        offset += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = offset
        func flush(_ end: Int) {
            scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self).unicodeScalars)
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                flush(offset)
                offset += 1
                return String(scalars)
            }
            guard byte == UInt8(ascii: "\\") else {
                guard byte >= 0x20 else { throw fail("control character in string") }
                offset += 1
                continue
            }
            flush(offset)
            guard offset + 1 < bytes.count else { throw fail("cut short") }
            let escape = bytes[offset + 1]
            offset += 2
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var unit = try hex4()
                if (0xD800..<0xDC00).contains(unit), bytes.count - offset >= 6, bytes[offset] == UInt8(ascii: "\\"),
                   bytes[offset + 1] == UInt8(ascii: "u") {
                    offset += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalars.append("\u{FFFD}")
                        unit = low
                    }
                }
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            default: throw fail("bad escape")
            }
            runStart = offset
        }
        throw fail("string not closed")
    }

    private mutating func hex4() throws(Malformed) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw fail("cut short") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x37)
            case 0x61...0x66: digit = UInt32(byte - 0x57)
            default: throw fail("bad \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }
}
