import Hessian2
import InspectorCore
import TestSupport
import Testing

@Suite("JSON rendering (docs/RECORDS.md)")
struct HessianJSONTests {
    @Test("scalars render as JSON scalars")
    func scalars() {
        #expect(HessianValue.null.jsonString == "null")
        #expect(HessianValue.bool(true).jsonString == "true")
        #expect(HessianValue.bool(false).jsonString == "false")
        #expect(HessianValue.int(-17).jsonString == "-17")
        #expect(HessianValue.long(.max).jsonString == "9223372036854775807")
        #expect(HessianValue.double(1.5).jsonString == "1.5")
        #expect(HessianValue.double(1.0).jsonString == "1.0")
        #expect(HessianValue.double(.nan).jsonString == "null")
        #expect(HessianValue.double(-.infinity).jsonString == "null")
    }

    @Test("strings are escaped; decoded surrogates render as one character")
    func strings() throws {
        #expect(HessianValue.string("a\"b\\c\n").jsonString == #""a\"b\\c\n""#)
        #expect(try decodeOne(hex("02 ed a0 bd ed b8 80")).jsonString == "\"😀\"")
        #expect(try decodeOne(hex("01 ed a0 bd")).jsonString == "\"\u{FFFD}\"")
    }

    @Test("dates render as ISO 8601 UTC, milliseconds only when not zero")
    func dates() {
        #expect(
            HessianValue.date(millisecondsSinceEpoch: 1_600_000_000_000).jsonString
                == #"{"$date":"2020-09-13T12:26:40Z"}"#)
        #expect(
            HessianValue.date(millisecondsSinceEpoch: 1_700_000_000_123).jsonString
                == #"{"$date":"2023-11-14T22:13:20.123Z"}"#)
        #expect(HessianValue.date(millisecondsSinceEpoch: 1234).jsonString == #"{"$date":"1970-01-01T00:00:01.234Z"}"#)
        #expect(HessianValue.date(millisecondsSinceEpoch: -1).jsonString == #"{"$date":"1969-12-31T23:59:59.999Z"}"#)
        #expect(
            HessianValue.date(millisecondsSinceEpoch: 951_782_400_000).jsonString
                == #"{"$date":"2000-02-29T00:00:00Z"}"#)
        #expect(
            HessianValue.date(millisecondsSinceEpoch: -62_135_596_800_000).jsonString
                == #"{"$date":"0001-01-01T00:00:00Z"}"#)
        #expect(
            HessianValue.date(millisecondsSinceEpoch: 253_402_300_799_999).jsonString
                == #"{"$date":"9999-12-31T23:59:59.999Z"}"#)
        // The extremes must not overflow.
        #expect(HessianValue.date(millisecondsSinceEpoch: .min).jsonString.hasPrefix(#"{"$date":"-"#))
        #expect(HessianValue.date(millisecondsSinceEpoch: .max).jsonString.hasSuffix(#".807Z"}"#))
    }

    @Test("binary renders as base64")
    func binary() {
        #expect(HessianValue.binary([]).jsonString == #"{"$binary":""}"#)
        #expect(HessianValue.binary([1, 2, 3]).jsonString == #"{"$binary":"AQID"}"#)
        #expect(HessianValue.binary([0xFF]).jsonString == #"{"$binary":"/w=="}"#)
        #expect(HessianValue.binary([0xFB, 0xFF]).jsonString == #"{"$binary":"+/8="}"#)
        #expect(HessianValue.binary(Array("hello".utf8)).jsonString == #"{"$binary":"aGVsbG8="}"#)
    }

    @Test("lists render as arrays, typed or not")
    func lists() throws {
        #expect(try decodeOne(hex("7a 01 61 91")).jsonString == #"["a",1]"#)
        #expect(try decodeOne(hex("73 04 5b 69 6e 74 91 92 93")).jsonString == "[1,2,3]")
        #expect(try decodeOne(hex("78")).jsonString == "[]")
    }

    @Test("maps render as objects; non-string keys as their JSON text")
    func maps() throws {
        #expect(try decodeOne(hex("48 01 6b 01 76 5a")).jsonString == #"{"k":"v"}"#)
        #expect(try decodeOne(hex("48 91 92 5a")).jsonString == #"{"1":2}"#)
        #expect(try decodeOne(hex("48 79 91 4e 5a")).jsonString == #"{"[1]":null}"#)
        #expect(try decodeOne(hex("48 01 61 5d 80 4e 4e 5a")).jsonString == #"{"a":-128.0,"null":null}"#)
        #expect(try decodeOne(hex("48 5a")).jsonString == "{}")
    }

    @Test("objects render with $class first, then fields in definition order")
    func objects() throws {
        #expect(
            try decodeOne(ProtocolVectors.userClassAndInstance).jsonString
                == #"{"$class":"demo.User","age":20,"name":"tom"}"#)
    }

    @Test("a cyclic reference renders as $ref")
    func references() {
        #expect(HessianValue.reference(0).jsonString == #"{"$ref":0}"#)
        #expect(
            DubboBodyTests.exception.jsonString
                == #"{"$class":"java.lang.RuntimeException","suppressedExceptions":[],"stackTrace":[],"cause":{"$ref":0},"detailMessage":"boom"}"#
        )
    }

    @Test("an exhausted budget writes the marker in place of the remaining elements")
    func budgetTruncatesLists() {
        let value = list((0..<10).map { _ in .string("aaaa") })
        var writer = JSONWriter()
        var budget = 10
        value.writeJSON(to: &writer, budget: &budget)
        #expect(writer.string == #"["aaaa","aaaa","…"]"#)
        #expect(budget == 10 - writer.bytes.count)
    }

    @Test("the marker keeps maps and objects valid JSON")
    func budgetTruncatesMapsAndObjects() {
        let value = map([(.string("k"), .string("v")), (.string("x"), .string("y"))])
        var writer = JSONWriter()
        var budget = 6
        value.writeJSON(to: &writer, budget: &budget)
        #expect(writer.string == #"{"k":"v","…":"…"}"#)

        // The check also runs before a member's value, so a key can end up with the marker as its value.
        writer = JSONWriter()
        budget = 5
        value.writeJSON(to: &writer, budget: &budget)
        #expect(writer.string == #"{"k":"…","…":"…"}"#)

        writer = JSONWriter()
        budget = 12
        ProtocolVectors.user.writeJSON(to: &writer, budget: &budget)
        #expect(writer.string == #"{"$class":"demo.User","…":"…"}"#)
    }

    @Test("a zero budget writes only the marker")
    func zeroBudget() {
        var writer = JSONWriter()
        var budget = 0
        list([.int(1)]).writeJSON(to: &writer, budget: &budget)
        #expect(writer.string == #""…""#)
        #expect(budget == -5)
    }

    @Test("a decoded reference bomb renders within its budget")
    func referenceBombRendersWithinBudget() throws {
        var limits = Limits.default
        limits.maxValuesPerBody = .max
        let bytes = HessianLimitTests.referenceBomb(levels: 40)
        let value = try decodeOne(bytes, limits: limits)
        var writer = JSONWriter()
        var budget = 4_096
        value.writeJSON(to: &writer, budget: &budget)
        // One scalar of overshoot plus a marker and a bracket per level at most.
        #expect(writer.bytes.count < 4_096 + 64 * 8)
        #expect(writer.string.hasSuffix("]"))
    }
}
