@testable import InspectorCore
import Testing

@Suite("CaptureTime")
struct CaptureTimeTests {
    @Test("prints epoch seconds with exactly six decimals, truncating nanoseconds")
    func description() {
        #expect(CaptureTime(seconds: 1_795_303_779, nanoseconds: 317_596_999).description == "1795303779.317596")
        #expect(CaptureTime(seconds: 5, nanoseconds: 1_000).description == "5.000001")
        #expect(CaptureTime(nanosecondsSinceEpoch: -1_500).description == "-1.999998")
    }

    @Test("microseconds between two times")
    func microseconds() {
        let request = CaptureTime(seconds: 10, nanoseconds: 100_000)
        let response = CaptureTime(seconds: 10, nanoseconds: 545_999)
        #expect(response.microseconds(since: request) == 445)
    }
}

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("escapes quotes, backslashes and every control character")
    func escaping() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\n\u{1B}[2J\u{7F}\u{85}\u{2028}é😀")
        #expect(writer.string == #""a\"b\\c\n\u001b[2J\u007f\u0085\u2028é😀""#)
    }

    @Test("non-finite doubles become null; integral doubles keep a fraction")
    func doubles() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.double(.nan); writer.comma()
        writer.double(.infinity); writer.comma()
        writer.double(98.5); writer.comma()
        writer.double(3); writer.comma()
        writer.double(-0.001)
        writer.endArray()
        #expect(writer.string == "[null,null,98.5,3.0,-0.001]")
    }
}

@Suite("Span reading")
struct SpanReadingTests {
    @Test("big-endian reads stop at the end without moving the cursor")
    func bounds() {
        let bytes: [UInt8] = [0xDA, 0xBB, 0x01]
        bytes.withUnsafeBufferPointer { pointer in
            let span = pointer.span
            var cursor = Cursor()
            #expect(span.readBigEndian(&cursor, as: UInt16.self) == 0xDABB)
            #expect(span.readBigEndian(&cursor, as: UInt16.self) == nil)
            #expect(cursor.offset == 2)
            #expect(span.readByte(&cursor) == 1)
            #expect(span.readByte(&cursor) == nil)
            #expect(span.copyBytes(at: 1, count: 2) == [0xBB, 0x01])
            #expect(span.copyBytes(at: 2, count: 2) == nil)
            #expect(span.copyBytes(at: -1, count: 1) == nil)
        }
    }
}

@Suite("JSONWriter escaping at speed")
struct JSONWriterWordTests {
    @Test("the sixteen-byte scan agrees with the byte-by-byte rules for every single odd byte at every place")
    func scanAgrees() {
        for special in 0..<256 {
            for position in 0..<40 {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: 40)
                bytes[position] = UInt8(special)
                var writer = JSONWriter()
                bytes.withUnsafeBufferPointer { writer.string(utf8: $0) }
                // Alone, a byte from 0x80 up is passed through (0xC2 and 0xE2 escape only the characters they lead).
                let escaped: [UInt8]
                switch special {
                case 0x22: escaped = Array(#"\""#.utf8)
                case 0x5C: escaped = Array(#"\\"#.utf8)
                case 0x0A: escaped = Array(#"\n"#.utf8)
                case 0x0D: escaped = Array(#"\r"#.utf8)
                case 0x09: escaped = Array(#"\t"#.utf8)
                case 0x08: escaped = Array(#"\b"#.utf8)
                case 0x0C: escaped = Array(#"\f"#.utf8)
                case 0x00..<0x20, 0x7F:
                    let hex = String(special, radix: 16)
                    escaped = Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                default: escaped = [UInt8(special)]
                }
                let expected = [0x22] + bytes[..<position] + escaped + bytes[(position + 1)...] + [0x22]
                #expect(writer.bytes == expected, "byte \(special) at \(position)")
            }
        }
    }

    @Test("long strings with escapes at every offset come out the same as a reference escaper")
    func longStrings() {
        let specials: [Character] = ["\"", "\\", "\n", "\u{01}", "\u{7F}", "\u{85}", "\u{2028}", "é", "中", "😀"]
        for special in specials {
            for offset in 0..<20 {
                let text = String(repeating: "x", count: offset) + String(special) + String(repeating: "y", count: 19 - offset)
                var writer = JSONWriter()
                writer.string(text)
                var expected = "\""
                for scalar in text.unicodeScalars {
                    switch scalar.value {
                    case 0x22: expected += "\\\""
                    case 0x5C: expected += "\\\\"
                    case 0x0A: expected += "\\n"
                    case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
                        let hex = String(scalar.value, radix: 16)
                        expected += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    default: expected.unicodeScalars.append(scalar)
                    }
                }
                expected += "\""
                #expect(writer.string == expected)
            }
        }
    }

    @Test("text with many non-ASCII characters keeps them, escaping only C1 controls and U+2028/U+2029")
    func nonASCIIRuns() {
        let text = "订单服务-查询用户信息©°\u{85}中文\u{2028}末尾ü" + String(repeating: "数据", count: 20) + "\u{2029}"
        var writer = JSONWriter()
        writer.string(text)
        let expected = "\"订单服务-查询用户信息©°\\u0085中文\\u2028末尾ü" + String(repeating: "数据", count: 20) + "\\u2029\""
        #expect(writer.string == expected)
    }

    @Test("ill-formed UTF-8 passes through: a lead byte 0xC2 before ASCII escapes nothing and drops nothing")
    func illFormedLeadByte() {
        let bytes: [UInt8] = [0x61, 0xC2, 0x62, 0xE2, 0x80, 0x63, 0xC2]
        var writer = JSONWriter()
        bytes.withUnsafeBufferPointer { writer.string(utf8: $0) }
        #expect(writer.bytes == [0x22] + bytes + [0x22])
    }

    @Test("integers and timestamps are written digit by digit, extremes included")
    func numbers() {
        var writer = JSONWriter()
        writer.integer(Int64.min); writer.comma()
        writer.integer(Int64.max); writer.comma()
        writer.integer(UInt64.max); writer.comma()
        writer.integer(0); writer.comma()
        writer.integer(-7); writer.comma()
        writer.timestamp(CaptureTime(seconds: 1_700_000_000, nanoseconds: 4_180_789)); writer.comma()
        writer.timestamp(CaptureTime(nanosecondsSinceEpoch: -1_500))
        #expect(writer.string
            == "-9223372036854775808,9223372036854775807,18446744073709551615,0,-7,1700000000.004180,-1.999998")
    }
}

@Suite("CivilDate")
struct CivilDateTests {
    @Test("day counts map to Gregorian dates, leap days and far years included")
    func dates() {
        #expect(CivilDate(daysSinceEpoch: 0).text == "1970-01-01")
        #expect(CivilDate(daysSinceEpoch: 11_016).text == "2000-02-29")
        #expect(CivilDate(daysSinceEpoch: -1).text == "1969-12-31")
        #expect(CivilDate(daysSinceEpoch: 2_932_896).text == "9999-12-31")
        #expect(CivilDate(daysSinceEpoch: -719_529).text == "-0001-12-31")
    }
}
