import Hessian2
import InspectorCore
import TestSupport
import Testing

/// PROTOCOL §8.2: whole Dubbo bodies decoded part by part with one decoder, as DubboWire will.
@Suite("Dubbo bodies decoded part by part")
struct DubboBodyTests {
    /// The body of a frame written as hex, header (16 bytes) dropped.
    static func body(ofFrame frame: String) -> [UInt8] {
        Array(hex(frame).dropFirst(16))
    }

    static let service = "org.apache.dubbo.demo.DemoService"

    static let vReq1 = body(
        ofFrame: """
            da bb c2 00 00 00 00 00 00 00 00 03 00 00 00 b6
            05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
            68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65
            6d 6f 53 65 72 76 69 63 65 05 30 2e 30 2e 30 08
            73 61 79 48 65 6c 6c 6f 12 4c 6a 61 76 61 2f 6c
            61 6e 67 2f 53 74 72 69 6e 67 3b 05 77 6f 72 6c
            64 48 04 70 61 74 68 30 21 6f 72 67 2e 61 70 61
            63 68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44
            65 6d 6f 53 65 72 76 69 63 65 09 69 6e 74 65 72
            66 61 63 65 30 21 6f 72 67 2e 61 70 61 63 68 65
            2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65 6d 6f
            53 65 72 76 69 63 65 07 76 65 72 73 69 6f 6e 05
            30 2e 30 2e 30 5a
            """)

    @Test("V-REQ-1: five strings, one argument, attachments")
    func request1() throws {
        let body = Self.vReq1
        #expect(body.count == 0xb6)
        var decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: body.span) == "2.0.2")
        #expect(try decoder.decodeString(in: body.span) == Self.service)
        #expect(try decoder.decodeString(in: body.span) == "0.0.0")
        #expect(try decoder.decodeString(in: body.span) == "sayHello")
        #expect(try decoder.decodeString(in: body.span) == "Ljava/lang/String;")
        #expect(try decoder.decodeValue(in: body.span) == .string("world"))
        #expect(
            try decoder.decodeValue(in: body.span)
                == map([
                    (.string("path"), .string(Self.service)),
                    (.string("interface"), .string(Self.service)),
                    (.string("version"), .string("0.0.0")),
                ]))
        #expect(decoder.offset == body.count)
    }

    @Test("V-REQ-1 with the argument skipped: the attachments still decode")
    func request1Skipping() throws {
        let body = Self.vReq1
        var decoder = HessianDecoder()
        for _ in 0..<5 { _ = try decoder.decodeString(in: body.span) }
        try decoder.skipValue(in: body.span)
        guard case .map(let attachments) = try decoder.decodeValue(in: body.span) else {
            Issue.record("attachments are not a map")
            return
        }
        #expect(attachments["version"] == .string("0.0.0"))
        #expect(decoder.offset == body.count)
    }

    @Test("V-REQ-2: null version, int and long arguments")
    func request2() throws {
        let body = Self.body(
            ofFrame: """
                da bb c2 00 00 00 00 00 00 00 00 04 00 00 00 3f
                05 32 2e 30 2e 32 13 63 6f 6d 2e 66 6f 6f 2e 55
                73 65 72 53 65 72 76 69 63 65 4e 03 61 64 64 02
                49 4a 97 e9 48 04 70 61 74 68 13 63 6f 6d 2e 66
                6f 6f 2e 55 73 65 72 53 65 72 76 69 63 65 5a
                """)
        #expect(body.count == 0x3f)
        var decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: body.span) == "2.0.2")
        #expect(try decoder.decodeString(in: body.span) == "com.foo.UserService")
        #expect(try decoder.decodeString(in: body.span) == nil)
        #expect(try decoder.decodeString(in: body.span) == "add")
        #expect(try decoder.decodeString(in: body.span) == "IJ")
        #expect(try decoder.decodeValue(in: body.span) == .int(7))
        #expect(try decoder.decodeValue(in: body.span) == .long(9))
        #expect(try decoder.decodeValue(in: body.span) == map([(.string("path"), .string("com.foo.UserService"))]))
        #expect(decoder.offset == body.count)
    }

    @Test("V-REQ-GENERIC: $invoke with typed [string and [object lists")
    func genericRequest() throws {
        let body = Self.body(
            ofFrame: """
                da bb c2 00 00 00 00 00 00 00 00 05 00 00 00 b2
                05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
                68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65
                6d 6f 53 65 72 76 69 63 65 05 31 2e 30 2e 30 07
                24 69 6e 76 6f 6b 65 30 38 4c 6a 61 76 61 2f 6c
                61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c 6a 61 76
                61 2f 6c 61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c
                6a 61 76 61 2f 6c 61 6e 67 2f 4f 62 6a 65 63 74
                3b 08 73 61 79 48 65 6c 6c 6f 71 07 5b 73 74 72
                69 6e 67 10 6a 61 76 61 2e 6c 61 6e 67 2e 53 74
                72 69 6e 67 71 07 5b 6f 62 6a 65 63 74 05 77 6f
                72 6c 64 48 07 67 65 6e 65 72 69 63 04 74 72 75
                65 5a
                """)
        #expect(body.count == 0xb2)
        var decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: body.span) == "2.0.2")
        #expect(try decoder.decodeString(in: body.span) == Self.service)
        #expect(try decoder.decodeString(in: body.span) == "1.0.0")
        #expect(try decoder.decodeString(in: body.span) == "$invoke")
        #expect(try decoder.decodeString(in: body.span) == "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;")
        #expect(try decoder.decodeValue(in: body.span) == .string("sayHello"))
        #expect(try decoder.decodeValue(in: body.span) == list("[string", [.string("java.lang.String")]))
        #expect(try decoder.decodeValue(in: body.span) == list("[object", [.string("world")]))
        #expect(try decoder.decodeValue(in: body.span) == map([(.string("generic"), .string("true"))]))
        #expect(decoder.offset == body.count)
        #expect(decoder.typeCount == 2)
        #expect(decoder.referenceCount == 3)
    }

    @Test("V-RESP-4 / V-RESP-5 / V-RESP-1 / V-ERR-70 / heartbeat bodies")
    func responses() throws {
        let dubbo = map([(.string("dubbo"), .string("2.0.2"))])

        let resp4 = Self.body(
            ofFrame: """
                da bb 02 14 00 00 00 00 00 00 00 03 00 00 00 1b
                94 0b 48 65 6c 6c 6f 20 77 6f 72 6c 64 48 05 64
                75 62 62 6f 05 32 2e 30 2e 32 5a
                """)
        var decoder = HessianDecoder()
        #expect(try decoder.decodeInteger(in: resp4.span) == 4)
        #expect(try decoder.decodeValue(in: resp4.span) == .string("Hello world"))
        #expect(try decoder.decodeValue(in: resp4.span) == dubbo)
        #expect(decoder.offset == resp4.count)

        let resp5 = Self.body(
            ofFrame: "da bb 02 14 00 00 00 00 00 00 00 04 00 00 00 0f 95 48 05 64 75 62 62 6f 05 32 2e 30 2e 32 5a")
        decoder = HessianDecoder()
        #expect(try decoder.decodeInteger(in: resp5.span) == 5)
        #expect(try decoder.decodeValue(in: resp5.span) == dubbo)
        #expect(decoder.offset == resp5.count)

        let resp1 = Self.body(ofFrame: "da bb 02 14 00 00 00 00 00 00 00 06 00 00 00 02 91 91")
        decoder = HessianDecoder()
        #expect(try decoder.decodeInteger(in: resp1.span) == 1)
        #expect(try decoder.decodeValue(in: resp1.span) == .int(1))

        let err70 = Self.body(ofFrame: "da bb 02 46 00 00 00 00 00 00 00 07 00 00 00 05 04 62 6f 6f 6d")
        decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: err70.span) == "boom")

        let heartbeat = Self.body(ofFrame: "da bb e2 00 00 00 00 00 00 00 00 01 00 00 00 01 4e")
        decoder = HessianDecoder()
        #expect(try decoder.decodeValue(in: heartbeat.span) == .null)

        let readOnly = Self.body(ofFrame: "da bb a2 00 00 00 00 00 00 00 00 02 00 00 00 02 01 52")
        decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: readOnly.span) == "R")
    }

    /// A business-exception response (type 3) shaped like V-RESP-EXC: `cause` is a reference to the exception itself.
    static let exceptionBody = cat(
        hex("93 43"), str("java.lang.RuntimeException"), hex("94"),
        str("suppressedExceptions"), str("stackTrace"), str("cause"), str("detailMessage"),
        hex("60 70"), str("java.util.Collections$EmptyList"),
        hex("70"), str("[java.lang.StackTraceElement"),
        hex("51 90"), str("boom"),
        hex("48"), str("dubbo"), str("2.0.2"), hex("5a"))

    static let exception = object(
        "java.lang.RuntimeException",
        [
            ("suppressedExceptions", list("java.util.Collections$EmptyList", [])),
            ("stackTrace", list("[java.lang.StackTraceElement", [])),
            ("cause", .reference(0)),
            ("detailMessage", .string("boom")),
        ])

    @Test("V-RESP-EXC pattern: the exception's cause '51 90' is .reference(0)")
    func exceptionSelfReference() throws {
        let body = Self.exceptionBody
        // The documented first bytes of V-RESP-EXC's body.
        #expect(Array(body.prefix(4)) == hex("93 43 1a 6a"))
        var decoder = HessianDecoder()
        #expect(try decoder.decodeInteger(in: body.span) == 3)
        let thrown = try decoder.decodeValue(in: body.span)
        #expect(thrown == Self.exception)
        if case .object(let exception) = thrown {
            #expect(exception[field: "cause"] == .reference(0))
            #expect(exception[field: "detailMessage"] == .string("boom"))
        }
        #expect(try decoder.decodeValue(in: body.span) == map([(.string("dubbo"), .string("2.0.2"))]))
        #expect(decoder.offset == body.count)
        #expect(decoder.referenceCount == 4)
    }
}
