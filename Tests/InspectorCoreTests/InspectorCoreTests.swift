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
    @Test("the eight-byte fast path agrees with the byte-by-byte rules for every single odd byte")
    func wordPathAgrees() {
        for special in 0..<256 {
            for position in 0..<8 {
                var word = Array(repeating: UInt8(ascii: "a"), count: 8)
                word[position] = UInt8(special)
                let value = word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let plain = special >= 0x20 && special < 0x7F && special != 0x22 && special != 0x5C
                #expect(JSONWriter.isPlainASCII(value) == plain, "byte \(special) at \(position)")
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
