import Hessian2
import InspectorCore
import TestSupport
import Testing

@Suite("PROTOCOL §8.1 vectors")
struct HessianVectorTests {
    @Test("each vector decodes to its value and consumes every byte", arguments: ProtocolVectors.all)
    func decodesVector(_ vector: Vector) throws {
        #expect(try decodeOne(vector.bytes) == vector.value)
    }

    @Test("skipValue stops where decodeValue stops and counts the same values", arguments: ProtocolVectors.all)
    func skipMatchesDecode(_ vector: Vector) throws {
        var decoding = HessianDecoder()
        _ = try decoding.decodeValue(in: vector.bytes.span)
        var skipping = HessianDecoder()
        try skipping.skipValue(in: vector.bytes.span)
        #expect(skipping.offset == vector.bytes.count)
        #expect(skipping.valuesDecoded == decoding.valuesDecoded)
        #expect(skipping.referenceCount == decoding.referenceCount)
    }

    @Test("double NaN from 'D' decodes as NaN")
    func nan() throws {
        guard case .double(let value) = try decodeOne(hex("44 7f f8 00 00 00 00 00 00")) else {
            Issue.record("not a double")
            return
        }
        #expect(value.isNaN)
    }

    @Test("0x5F is int32 thousandths, not a float32")
    func doubleMillIsThousandths() throws {
        // 0x3FC00000 is 1.5f as a float32; as thousandths it is 1069547.52.
        #expect(try decodeOne(hex("5f 3f c0 00 00")) == .double(0.001 * 1_069_547_520))
    }

    @Test("every int and long vector also decodes through decodeInteger")
    func decodeIntegerAcceptsEveryIntegerForm() throws {
        for vector in ProtocolVectors.scalars {
            let expected: Int64
            switch vector.value {
            case .int(let value): expected = Int64(value)
            case .long(let value): expected = value
            default: continue
            }
            var decoder = HessianDecoder()
            #expect(try decoder.decodeInteger(in: vector.bytes.span) == expected, "\(vector.name)")
            #expect(decoder.offset == vector.bytes.count)
        }
    }

    @Test("every string vector also decodes through decodeString; null is nil")
    func decodeStringAcceptsEveryStringForm() throws {
        for vector in ProtocolVectors.strings {
            var decoder = HessianDecoder()
            #expect(try decoder.decodeString(in: vector.bytes.span) == vector.value.stringValue, "\(vector.name)")
            #expect(decoder.offset == vector.bytes.count)
        }
        var decoder = HessianDecoder()
        #expect(try decoder.decodeString(in: hex("4e").span) == nil)
        #expect(decoder.offset == 1)
    }

    @Test("decodeString and decodeInteger reject other tags without moving the offset")
    func typedReadersRejectOtherTags() {
        var decoder = HessianDecoder()
        let bytes = hex("91 01 61")
        #expect(throws: HessianError.unexpectedTag(0x91, at: 0)) { try decoder.decodeString(in: bytes.span) }
        #expect(decoder.offset == 0)
        decoder.offset = 1
        #expect(throws: HessianError.unexpectedTag(0x01, at: 1)) { try decoder.decodeInteger(in: bytes.span) }
        #expect(decoder.offset == 1)
    }

    @Test("same class written twice in one body: second instance uses definition #0")
    func classDefinitionPersistsAcrossValues() throws {
        let body = cat(ProtocolVectors.userClassAndInstance, hex("60 95"), str("amy"))
        var decoder = HessianDecoder()
        #expect(try decoder.decodeValue(in: body.span) == ProtocolVectors.user)
        #expect(
            try decoder.decodeValue(in: body.span) == object("demo.User", [("age", .int(5)), ("name", .string("amy"))]))
        #expect(decoder.offset == body.count)
        #expect(decoder.classDefinitionCount == 1)
    }

    @Test("17th class definition is instantiated with 'O' and an int index")
    func seventeenthClassUsesLongObjectForm() throws {
        var body: [UInt8] = []
        for index in 0..<16 {
            body += cat(
                hex("43"), str("cls.K\(index)"), hex("91"), str("v"), [0x60 + UInt8(index)], [0x90 + UInt8(index)])
        }
        body += cat(hex("43"), str("cls.K16"), hex("91"), str("v"), hex("4f a0 a0"), hex("4f a0 a0"))
        var decoder = HessianDecoder()
        for index in 0..<16 {
            #expect(try decoder.decodeValue(in: body.span) == object("cls.K\(index)", [("v", .int(Int32(index)))]))
        }
        let k16 = object("cls.K16", [("v", .int(16))])
        #expect(try decoder.decodeValue(in: body.span) == k16)
        #expect(try decoder.decodeValue(in: body.span) == k16)
        #expect(decoder.offset == body.count)
        #expect(decoder.classDefinitionCount == 17)
    }

    @Test("object field subscript finds fields by name")
    func objectSubscript() throws {
        guard case .object(let user) = try decodeOne(ProtocolVectors.userClassAndInstance) else {
            Issue.record("not an object")
            return
        }
        #expect(user[field: "name"] == .string("tom"))
        #expect(user[field: "age"] == .int(20))
        #expect(user[field: "missing"] == nil)
    }
}
