import Hessian2
import InspectorCore
import TestSupport
import Testing

/// Encodings PROTOCOL §5 allows that the §8.1 table does not show.
@Suite("Hessian forms beyond the vector table")
struct HessianFormTests {
    @Test("variable-length lists end at 'Z'; 'V' reads type then length")
    func listForms() throws {
        #expect(try decodeOne(cat(hex("55"), str("[int"), hex("91 92 5a"))) == list("[int", [.int(1), .int(2)]))
        #expect(try decodeOne(hex("57 91 4e 5a")) == list([.int(1), .null]))
        #expect(try decodeOne(cat(hex("56"), str("[int"), hex("92 91 92"))) == list("[int", [.int(1), .int(2)]))
        #expect(try decodeOne(hex("58 90")) == list([]))
    }

    @Test("type references may use the 'I' int form")
    func typeReferenceWithFullInt() throws {
        let bytes = cat(hex("7a 71"), str("[int"), hex("91 56 49 00 00 00 00 91 93"))
        #expect(try decodeOne(bytes) == list([list("[int", [.int(1)]), list("[int", [.int(3)])]))
    }

    @Test("'O' may carry its class index in the 'I' int form")
    func objectWithFullIntIndex() throws {
        let bytes = cat(
            hex("43"), str("demo.User"), hex("92"), str("age"), str("name"), hex("4f 49 00 00 00 00 a4"), str("tom"))
        #expect(try decodeOne(bytes) == ProtocolVectors.user)
    }

    @Test("'C' before a non-object value registers the class and returns the value")
    func classDefinitionBeforeOtherValue() throws {
        var decoder = HessianDecoder()
        let bytes = hex("43 01 41 90 91")
        #expect(try decoder.decodeValue(in: bytes.span) == .int(1))
        #expect(decoder.classDefinitionCount == 1)
        #expect(decoder.offset == 5)
    }

    @Test("string chunks: 'R' then a 0x30 compact final chunk")
    func chunkThenMediumCompact() throws {
        let bytes = cat(hex("52 00 02 61 62 30 20"), repeated(0x78, 32))
        #expect(try decodeOne(bytes) == .string("ab" + String(repeating: "x", count: 32)))
    }

    @Test("a surrogate pair split across chunks (Go writers) is joined")
    func surrogatePairAcrossChunks() throws {
        #expect(try decodeOne(hex("52 00 01 ed a0 bd 01 ed b8 80")) == .string("😀"))
    }

    @Test("genuine 4-byte UTF-8 counts as two units")
    func fourByteUTF8() throws {
        #expect(try decodeOne(hex("02 f0 9f 98 80")) == .string("😀"))
        #expect(try decodeOne(hex("04 61 f0 9f 98 80 62")) == .string("a😀b"))
    }

    @Test("lone surrogates become U+FFFD")
    func loneSurrogates() throws {
        #expect(try decodeOne(hex("01 ed b8 80")) == .string("\u{FFFD}"))
        #expect(try decodeOne(hex("02 ed a0 bd 41")) == .string("\u{FFFD}A"))
        #expect(try decodeOne(hex("02 ed a0 bd ed a0 bd")) == .string("\u{FFFD}\u{FFFD}"))
        #expect(try decodeOne(hex("52 00 01 ed a0 bd 01 41")) == .string("\u{FFFD}A"))
    }

    @Test("Java's two-byte NUL (C0 80) decodes to U+0000")
    func modifiedUTF8Nul() throws {
        #expect(try decodeOne(hex("01 c0 80")) == .string("\u{0}"))
    }

    @Test("binary 'A' chunks may end with a compact final chunk")
    func binaryChunkThenCompact() throws {
        #expect(try decodeOne(hex("41 00 02 01 02 23 03 04 05")) == .binary([1, 2, 3, 4, 5]))
        #expect(try decodeOne(hex("41 00 01 09 34 02 0a 0b")) == .binary([9, 10, 11]))
    }

    @Test("a reference to a completed map copies it")
    func referenceToCompletedMap() throws {
        let kv = map([(.string("k"), .string("v"))])
        #expect(try decodeOne(hex("7a 48 01 6b 01 76 5a 51 91")) == list([kv, kv]))
    }

    @Test("a list containing itself decodes the inner occurrence as .reference(0)")
    func selfReferenceIsCycle() throws {
        #expect(try decodeOne(hex("79 51 90")) == list([.reference(0)]))
    }

    @Test("refs number every list, map and object in start order (PROTOCOL §5.4 example)")
    func referenceNumberingExample() throws {
        let m = hex("48 01 6b 01 76 5a")
        let ints = cat(hex("73"), str("[int"), hex("91 92 93"))
        let strings = cat(hex("72"), str("[string"), str("a"), str("b"))
        let bigDecimal = cat(hex("43"), str("java.math.BigDecimal"), hex("91"), str("value"), hex("60"), str("1.5"))
        let date = hex("4b 00 00 00 00")
        let text = str("str")
        let bytes = cat(
            hex("58 9c"), m, ints, strings, bigDecimal, date, text, hex("51 91 51 92 51 93 51 94"), date, text)
        let firstHalf: [HessianValue] = [
            map([(.string("k"), .string("v"))]),
            list("[int", [.int(1), .int(2), .int(3)]),
            list("[string", [.string("a"), .string("b")]),
            object("java.math.BigDecimal", [("value", .string("1.5"))]),
            .date(millisecondsSinceEpoch: 0),
            .string("str"),
        ]
        var decoder = HessianDecoder()
        #expect(try decoder.decodeValue(in: bytes.span) == list(firstHalf + firstHalf))
        #expect(decoder.referenceCount == 5)
    }

    @Test("a reference to a skipped container yields .reference(index)")
    func referenceToSkippedContainer() throws {
        let bytes = hex("79 91 51 90")
        var decoder = HessianDecoder()
        try decoder.skipValue(in: bytes.span)
        #expect(decoder.offset == 2)
        #expect(try decoder.decodeValue(in: bytes.span) == .reference(0))
    }

    @Test("types persist across values of one body")
    func typeTablePersists() throws {
        let bytes = cat(hex("71"), str("[int"), hex("91 71 90 92"))
        var decoder = HessianDecoder()
        #expect(try decoder.decodeValue(in: bytes.span) == list("[int", [.int(1)]))
        #expect(try decoder.decodeValue(in: bytes.span) == list("[int", [.int(2)]))
        #expect(decoder.typeCount == 1)
    }

    @Test("reset forgets classes, types and references")
    func resetForgetsTables() throws {
        var decoder = HessianDecoder()
        let user = ProtocolVectors.userClassAndInstance
        _ = try decoder.decodeValue(in: user.span)
        decoder.reset()
        #expect(decoder.offset == 0)
        #expect(decoder.classDefinitionCount == 0 && decoder.referenceCount == 0 && decoder.typeCount == 0)
        #expect(decoder.valuesDecoded == 0)
        let instance = hex("60 a4")
        #expect(throws: HessianError.invalidClassReference(0, at: 0)) { try decoder.decodeValue(in: instance.span) }
    }

    @Test("map keys may be any value")
    func nonStringKeys() throws {
        #expect(try decodeOne(hex("48 79 91 4e 5a")) == map([(list([.int(1)]), .null)]))
    }

    @Test("map subscript finds string keys")
    func mapSubscript() throws {
        guard case .map(let attachments) = try decodeOne(hex("48 91 92 01 6b 01 76 5a")) else {
            Issue.record("not a map")
            return
        }
        #expect(attachments["k"] == .string("v"))
        #expect(attachments["x"] == nil)
    }
}
