import FastJSON2
import Hessian2
import InspectorCore
import Testing

/// Bytes written as in PROTOCOL.md: `s("HZ")` is a short Latin-1 string (type byte 0x49 + length, then the text).
func s(_ text: String) -> [UInt8] {
    let utf8 = Array(text.utf8)
    precondition(utf8.count <= 47)
    return [0x49 + UInt8(utf8.count)] + utf8
}

func decode(_ bytes: [UInt8], limits: Limits = .default) throws(JSONBError) -> HessianValue {
    var decoder = JSONBDecoder(limits: limits)
    return try bytes.withUnsafeBufferPointer { pointer throws(JSONBError) in try decoder.decodeDocument(pointer.span) }
}

func json(_ bytes: [UInt8]) throws -> String {
    try decode(bytes).jsonString
}

@Suite struct JSONBDecoderTests {
    @Test func theProtocolBeanExampleDecodesExactly() throws {
        // PROTOCOL.md §3.6.1: U{home: A{city "HZ", zip 7}, work: same A, id 5, d: Date(1700000000000)}.
        let bytes: [UInt8] = [0x92] + s("Probe$U") + [0x00, 0xA6,
            0x7F] + s("d") + [0x01, 0xAC, 0x65, 0x53, 0xF1, 0x00,
            0x7F] + s("home") + [0x02, 0xA6, 0x7F] + s("city") + [0x03] + s("HZ") + [0x7F] + s("zip") + [0x04, 0x07, 0xA5,
            0x7F] + s("id") + [0x05, 0xE5,
            0x7F] + s("work") + [0x06, 0x93] + s("$.home") + [0xA5]
        #expect(try json(bytes) == #"{"$class":"Probe$U","d":{"$date":"2023-11-14T22:13:20Z"},"home":{"city":"HZ","zip":7},"id":5,"work":{"city":"HZ","zip":7}}"#)
    }
}
