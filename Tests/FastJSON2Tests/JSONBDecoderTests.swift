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

@Suite struct JSONBTypeTests {
    @Test(arguments: [
        // int32 forms: one byte (−16…47), two bytes, three bytes, five bytes.
        ([0x00], "0"), ([0x2F], "47"), ([0xF0], "-16"), ([0x30, 0x00], "-2048"), ([0x3F, 0xFF], "2047"),
        ([0x38, 0x30], "48"), ([0x40, 0x00, 0x00], "-262144"), ([0x47, 0xFF, 0xFF], "262143"),
        ([0x48, 0x80, 0x00, 0x00, 0x00], "-2147483648"),
        // int64 forms.
        ([0xD8], "-8"), ([0xEF], "15"), ([0xC8, 0x00], "-2048"), ([0xD7, 0xFF], "2047"), ([0xC0, 0x00, 0x00], "-262144"),
        ([0xBF, 0x7F, 0xFF, 0xFF, 0xFF], "2147483647"),
        ([0xBE, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "-9223372036854775808"),
        // int8, int16.
        ([0xBD, 0xFF], "-1"), ([0xBC, 0x80, 0x00], "-32768"),
        // null, booleans.
        ([0xAF], "null"), ([0xB0], "false"), ([0xB1], "true"),
        // doubles and floats.
        ([0xB2], "0.0"), ([0xB3], "1.0"), ([0xB4, 0xD8 + 8 + 3], "3.0"),
        ([0xB5, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18], "3.141592653589793"),
        ([0xB6, 0x05], "5.0"), ([0xB7, 0x3F, 0x8C, 0xCC, 0xCD], "1.1"), ([0xB7, 0x7F, 0xC0, 0x00, 0x00], "null"),
        // decimals and big integers, exact.
        ([0xB8, 0xC8 + 8, 0x7B], "123"), ([0xB9, 0x02, 0x48, 0x00, 0x00, 0x30, 0x39], "123.45"),
        ([0xB9, 0x03, 0xFF], "-0.001"), ([0xB9, 0xFE, 0x0C], "12E+2"),
        ([0xB9, 0x01, 0xBB, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "1844674407370955161.6"),
        ([0xBA, 0xE5], "5"),
        ([0xBB, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "18446744073709551616"),
        ([0xBB, 0x09, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "-18446744073709551616"),
        ([0xBB, 0x01, 0x80], "-128"), ([0xBB, 0x00], "0"),
        // char, binary.
        ([0x90, 0x38, 0x41], "\"A\""), ([0x90, 0x3F, 0x00], "\"\u{0700}\""), ([0x91, 0x03, 0x61, 0x62, 0x63], #"{"$binary":"YWJj"}"#),
        // dates: millis, seconds, minutes, instant with nanos, local date, time, date-time, zoned.
        ([0xAB, 0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B], #"{"$date":"2023-11-14T22:13:20.123Z"}"#),
        ([0xAC, 0x65, 0x53, 0xF1, 0x00], #"{"$date":"2023-11-14T22:13:20Z"}"#),
        ([0xAD, 0x01, 0xB0, 0x8B, 0x4A], #"{"$date":"2023-11-24T13:30:00Z"}"#),
        ([0xAE, 0xBF, 0x65, 0x53, 0xF1, 0x00, 0x48, 0x00, 0x00, 0x00, 0x07], #"{"$date":"2023-11-14T22:13:20.000000007Z"}"#),
        ([0xA9, 0x07, 0xE8, 0x05, 0x06], #"{"$date":"2024-05-06"}"#),
        ([0xA7, 0x0A, 0x0B, 0x0C, 0x00], #"{"$date":"10:11:12"}"#),
        ([0xA8, 0x07, 0xE8, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x48, 0x1D, 0xCD, 0x65, 0x00], #"{"$date":"2024-05-06T10:11:12.500"}"#),
        ([0xAA, 0x07, 0xE8, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x00] + s("Asia/Shanghai"),
         #"{"$date":"2024-05-06T10:11:12[Asia/Shanghai]"}"#),
        ([0xAA, 0x07, 0xE8, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x00] + s("+08:00"), #"{"$date":"2024-05-06T10:11:12+08:00"}"#),
        // arrays: fixed and counted.
        ([0x94], "[]"), ([0x96, 0x01, 0xAF], "[1,null]"), ([0xA4, 0x02, 0x01, 0x02], "[1,2]"),
        // objects with plain and symbol keys; a typed map renders as a map, a typed list as an array.
        ([0xA6, 0x4A, 0x61, 0x01, 0xA5], #"{"a":1}"#),
        ([0xA6, 0x7F, 0x4A, 0x61, 0x01, 0x02, 0x7F, 0x01, 0x03, 0xA5], #"{"a":2,"a":3}"#),
        ([0x92] + s("java.util.TreeMap") + [0x00, 0xA6, 0x4A, 0x62, 0x01, 0xA5], #"{"b":1}"#),
        ([0x92] + s("java.util.LinkedList") + [0x00, 0x95, 0x07], "[7]"),
        ([0xA6, 0x01, 0x02, 0xA5], #"{"1":2}"#),
    ] as [([UInt8], String)])
    func everyTypeByteRendersAsRecordsSays(bytes: [UInt8], expected: String) throws {
        #expect(try json(bytes) == expected)
    }

    @Test func stringsInEveryEncodingDecodeToTheSameText() throws {
        let text = "Hé 世界 😀"
        let utf8 = Array(text.utf8)
        let utf16 = Array(text.utf16)
        let bigEndian = utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let littleEndian = utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try decode([0x7A, UInt8(utf8.count)] + utf8) == .string(text))
        #expect(try decode([0x7D, UInt8(bigEndian.count)] + bigEndian) == .string(text))
        #expect(try decode([0x7C, UInt8(littleEndian.count)] + littleEndian) == .string(text))
        // UTF-16 with a byte-order mark (little-endian here) and without (big-endian).
        #expect(try decode([0x7B, UInt8(littleEndian.count + 2), 0xFF, 0xFE] + littleEndian) == .string(text))
        #expect(try decode([0x7B, UInt8(bigEndian.count)] + bigEndian) == .string(text))
        // Latin-1, short and long forms: bytes are code points.
        #expect(try decode([0x4B, 0x48, 0xE9]) == .string("Hé"))
        #expect(try decode([0x79, 0x02, 0x48, 0xE9]) == .string("Hé"))
        // GB18030 (through iconv): "世界" is CA C0 BD E7, "€" is A2 E3, "😀" is the four bytes 94 39 FC 36.
        #expect(try decode([0x7E, 0x0A, 0xCA, 0xC0, 0xBD, 0xE7, 0xA2, 0xE3, 0x94, 0x39, 0xFC, 0x36]) == .string("世界€😀"))
        // Bytes GB18030 does not define are an error, not invented text.
        #expect(throws: JSONBError.unconvertibleString(encoding: "GB18030", at: 0)) { try decode([0x7E, 0x02, 0x81, 0x20]) }
    }

    @Test func aReferenceToAFinishedValueIsThatValueAndACycleIsItsPath() throws {
        // [ {"a": [1]}, $[0].a, $[0] ] and {"self": $, "me": ..}
        let list: [UInt8] = [0x97, 0xA6, 0x4A, 0x61, 0x95, 0x01, 0xA5, 0x93] + s("$[0].a") + [0x93] + s("$[0]")
        #expect(try json(list) == #"[{"a":[1]},[1],{"a":[1]}]"#)
        let cycle: [UInt8] = [0x92] + s("Node") + [0x00, 0xA6, 0x7F] + s("self") + [0x01, 0x93] + s("$")
            + [0x7F] + s("me") + [0x02, 0x93] + s("..") + [0x7F] + s("again") + [0x03, 0x93] + s("#-1") + [0xA5]
        #expect(try json(cycle) == #"{"$class":"Node","self":{"$ref":"$"},"me":{"$ref":".."},"again":{"$ref":".."}}"#)
        // Nested: the path walks the enclosing containers, then a finished sibling inside one of them.
        let nested: [UInt8] = [0xA6] + s("x") + [0xA6] + s("y") + [0x01] + s("z") + [0x93] + s("$.x.y") + [0xA5]
            + s("w") + [0x93] + s("$.x") + [0xA5]
        #expect(try json(nested) == #"{"x":{"y":1,"z":1},"w":{"y":1,"z":1}}"#)
        // An escaped dot is part of the name.
        let escaped: [UInt8] = [0xA6] + s("a.b") + [0x05] + s("c") + [0x93] + s("$.a\\.b") + [0xA5]
        #expect(try json(escaped) == #"{"a.b":5,"c":5}"#)
    }

    @Test func exactDigitsSurviveWhereADoubleWouldRound() throws {
        // 2^64 + 1 as a big integer and 0.1 + 2^-60 style decimals must keep every digit.
        #expect(try json([0xBB, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]) == "18446744073709551617")
        #expect(try json([0xB9, 0x14, 0xBB, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01])
            == "0.18446744073709551617")
    }
}

@Suite struct JSONBHostileTests {
    @Test(arguments: [
        ([0x80], JSONBError.unknownType(0x80, at: 0)),
        ([0xA5], .unexpectedType(0xA5, at: 0)),
        ([0x48, 0x00], .truncated(at: 1)),
        ([0x7A, 0x48, 0x7F, 0xFF, 0xFF, 0xFF], .stringTooLong(length: 0x7FFF_FFFF, at: 0)),
        ([0x7A, 0x05, 0x61], .truncated(at: 0)),
        ([0x91, 0xF0], .negativeLength(-16, at: 1)),
        ([0xA4, 0x48, 0x7F, 0xFF, 0xFF, 0xFF], .collectionTooLarge(count: 0x7FFF_FFFF, at: 0)),
        ([0xA4, 0x05, 0x01], .truncated(at: 0)),
        ([0xA6, 0x7F, 0x05, 0x01, 0xA5], .undefinedSymbol(5, at: 1)),
        ([0x92, 0x07, 0xA6, 0xA5], .undefinedSymbol(7, at: 0)),
        ([0x79, 0xF0], .undefinedSymbol(-16, at: 1)),
        ([0x95, 0x93] + s("$[3]"), .unresolvedReference("$[3]", at: 1)),
        ([0x93] + s("$"), .unresolvedReference("$", at: 0)),
        ([0x95, 0x93] + s("$.a[x]"), .badReferencePath(at: 1)),
        ([0x95, 0x93] + s("#-1"), .unresolvedReference("#-1", at: 1)),
        ([0xA9, 0x07, 0xE8, 0x0D, 0x01], .invalidDate(at: 0)),
        ([0xA7, 0x19, 0x00, 0x00, 0x00], .invalidDate(at: 0)),
        ([0xBB, 0x48, 0x00, 0x00, 0x10, 0x00], .numberTooLong(length: 4096, at: 0)),
        ([0x01, 0x02], .trailingBytes(count: 1, at: 1)),
        ([], .truncated(at: 0)),
    ] as [([UInt8], JSONBError)])
    func badInputIsAnErrorWithItsPlace(bytes: [UInt8], expected: JSONBError) {
        #expect(throws: expected) { try decode(bytes) }
    }

    @Test func anErrorNamingWireTextStaysOneLine() {
        // Found by FuzzJSONB (Fuzz/Corpus/jsonb/regression-multiline-reference-error): a reference path with a newline
        // made a two-line error message.
        let error = JSONBError.unresolvedReference("$.a\nb\u{2028}c", at: 3)
        #expect(error.description == "jsonb: reference \"$.a?b?c\" to nothing at offset 3")
        #expect(throws: JSONBError.unresolvedReference("$.x\ny", at: 1)) { try decode([0x95, 0x93] + s("$.x\ny")) }
    }

    @Test func limitsAreCheckedBeforeAllocating() {
        var limits = Limits()
        limits.maxHessianDepth = 8
        limits.maxJSONBSymbols = 2
        limits.maxValuesPerBody = 50
        // Nine nested arrays; nine type wrappers.
        #expect(throws: JSONBError.depthLimitExceeded(at: 8)) { try decode([UInt8](repeating: 0x95, count: 9) + [0x01], limits: limits) }
        #expect(throws: JSONBError.depthLimitExceeded(at: 17)) {
            try decode([0x92, 0x49, 0x00] + [UInt8](repeating: 0, count: 8).flatMap { _ in [0x92, 0x00] } + [0xAF], limits: limits)
        }
        // A third symbol definition.
        let symbols: [UInt8] = [0xA6, 0x7F, 0x4A, 0x61, 0x00, 0x01, 0x7F, 0x4A, 0x62, 0x01, 0x01, 0x7F, 0x4A, 0x63, 0x02, 0x01, 0xA5]
        #expect(throws: JSONBError.tooManySymbols(at: 11)) { try decode(symbols, limits: limits) }
        // A reference bomb: each array holds the previous one twice, so references count what they copy.
        var bomb: [UInt8] = [0x9A, 0x96, 0x01, 0x01]
        for index in 1..<6 { bomb += [0x96, 0x93] + s("$[\(index - 1)]") + [0x93] + s("$[\(index - 1)]") }
        #expect(throws: JSONBError.self) { try decode(bomb, limits: limits) }
    }

    @Test func everyPrefixOfAValidDocumentFailsCleanly() throws {
        let bytes: [UInt8] = [0x92] + s("Probe$U") + [0x00, 0xA6, 0x7F] + s("d") + [0x01, 0xAC, 0x65, 0x53, 0xF1, 0x00,
            0x7F] + s("home") + [0x02, 0xA6, 0x7F] + s("city") + [0x03] + s("HZ") + [0xA5, 0x7F] + s("work") + [0x06, 0x93]
            + s("$.home") + [0xA5]
        _ = try decode(bytes)
        for cut in 0..<bytes.count {
            #expect(throws: JSONBError.self) { try decode(Array(bytes[..<cut])) }
        }
    }
}
