import InspectorCore
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
