import Hessian2
import InspectorCore
import TestSupport
import Testing

@Suite("Hostile input hits a limit, never the allocator or the stack")
struct HessianLimitTests {
    static func limits(_ change: (inout Limits) -> Void) -> Limits {
        var limits = Limits.default
        change(&limits)
        return limits
    }

    @Test("100 000 nested lists stop at the depth limit", arguments: [UInt8(0x57), 0x79, 0x58])
    func deepNesting(tag: UInt8) {
        var bytes: [UInt8] = []
        for _ in 0..<100_000 {
            bytes.append(tag)
            if tag == 0x58 { bytes.append(0x91) }
        }
        let step = tag == 0x58 ? 2 : 1
        let expected = HessianError.depthLimitExceeded(at: 64 * step)
        #expect(decodeError(bytes) == expected)
        #expect(skipError(bytes) == expected)
    }

    @Test("nested maps and objects count toward the same depth")
    func deepMapsAndObjects() {
        // 'C' X 1 field "v", then instances nesting maps: 60 48 90 60 48 90 …
        var bytes = cat(hex("43"), str("X"), hex("91"), str("v"))
        for _ in 0..<1_000 { bytes += hex("60 48 90") }
        #expect(decodeError(bytes) == .depthLimitExceeded(at: 6 + 3 * 32))
    }

    @Test("exactly maxHessianDepth nested lists decode; one more does not")
    func depthBoundary() throws {
        let limits = Self.limits { $0.maxHessianDepth = 8 }
        let eight = repeated(0x79, 8) + [0x90]
        #expect(try decodeOne(eight, limits: limits) != .null)
        let nine = repeated(0x79, 9) + [0x90]
        #expect(decodeError(nine, limits: limits) == .depthLimitExceeded(at: 8))
    }

    @Test("a list claiming 2^31-1 elements throws before allocating")
    func hugeListClaim() {
        #expect(decodeError(hex("58 49 7f ff ff ff")) == .collectionTooLarge(count: 2_147_483_647, at: 1))
        #expect(
            decodeError(cat(hex("56"), str("[int"), hex("49 7f ff ff ff")))
                == .collectionTooLarge(count: 2_147_483_647, at: 6))
        #expect(skipError(hex("58 49 7f ff ff ff")) == .collectionTooLarge(count: 2_147_483_647, at: 1))
    }

    @Test("a negative list length is rejected")
    func negativeListLength() {
        #expect(decodeError(hex("58 49 ff ff ff ff")) == .negativeLength(-1, at: 1))
        #expect(decodeError(hex("58 8f")) == .negativeLength(-1, at: 1))
    }

    @Test("a list count within the limit but beyond the remaining bytes is truncated")
    func listCountBeyondBody() {
        #expect(decodeError(hex("58 d4 10 00 91 92")) == .truncated(at: 1))
        #expect(decodeError(hex("7f 91 92")) == .truncated(at: 0))
    }

    @Test("variable lists and maps stop at maxCollectionCount")
    func variableCollectionsAreCapped() {
        let limits = Self.limits { $0.maxCollectionCount = 3 }
        #expect(decodeError(hex("57 90 90 90 90 5a"), limits: limits) == .collectionTooLarge(count: 4, at: 0))
        #expect(
            decodeError(hex("48 90 90 91 91 92 92 93 93 5a"), limits: limits) == .collectionTooLarge(count: 4, at: 0))
        #expect(decodeError(hex("57 90 90 90 5a"), limits: limits) == nil)
    }

    @Test("a class definition with too many fields is rejected")
    func hugeFieldCount() {
        #expect(
            decodeError(cat(hex("43"), str("X"), hex("49 7f ff ff ff")))
                == .collectionTooLarge(count: 2_147_483_647, at: 3))
        #expect(decodeError(cat(hex("43"), str("X"), hex("d4 10 00"), str("a"))) == .truncated(at: 3))
    }

    @Test("strings longer than maxStringLength are rejected, chunks summed")
    func longStrings() {
        let limits = Self.limits { $0.maxStringLength = 100 }
        #expect(
            decodeError(cat(hex("53 00 65"), repeated(0x78, 101)), limits: limits) == .stringTooLong(length: 101, at: 0)
        )
        let chunked = cat(hex("52 00 32"), repeated(0x78, 50), hex("52 00 32"), repeated(0x78, 50), hex("01 78"))
        #expect(decodeError(chunked, limits: limits) == .stringTooLong(length: 101, at: 0))
        #expect(skipError(chunked, limits: limits) == .stringTooLong(length: 101, at: 0))
        #expect(decodeError(Array(chunked.dropLast(2)) + [0x00], limits: limits) == nil)
    }

    @Test("a string or binary claiming more bytes than remain is truncated without allocating")
    func lengthBeyondBody() {
        #expect(decodeError(hex("53 ff ff 78")) == .truncated(at: 0))
        #expect(decodeError(hex("52 ff ff 78")) == .truncated(at: 0))
        #expect(decodeError(hex("42 ff ff 00")) == .truncated(at: 0))
        #expect(decodeError(hex("41 00 01 00 42 ff ff")) == .truncated(at: 4))
    }

    @Test("5000 class definitions stop at maxClassDefinitions", arguments: [100, 4_096])
    func classDefinitionBomb(limit: Int) {
        let limits = Self.limits { $0.maxClassDefinitions = limit }
        var bytes: [UInt8] = []
        for _ in 0..<5_000 { bytes += hex("43 01 41 90") }
        bytes += hex("4e")
        #expect(decodeError(bytes, limits: limits) == .tooManyClassDefinitions(at: limit * 4))
        #expect(skipError(bytes, limits: limits) == .tooManyClassDefinitions(at: limit * 4))
    }

    /// A list of lists where each list holds two references to the previous one: 2^levels values once expanded.
    static func referenceBomb(levels: Int) -> [UInt8] {
        var bytes: [UInt8] = [0x58] + hex("49") + withUnsafeBytes(of: UInt32(levels + 1).bigEndian, Array.init)
        bytes += hex("7a 91 91")  // ref #1 = [1, 1]
        for level in 1...levels {
            let previous = UInt8(level)  // ref index of the previous inner list (outer list is #0)
            bytes += [0x7a, 0x51, 0x90 + previous, 0x51, 0x90 + previous]
        }
        return bytes
    }

    @Test("a reference bomb stops at maxValuesPerBody")
    func referenceBomb() {
        let bytes = Self.referenceBomb(levels: 30)
        guard case .valueLimitExceeded = decodeError(bytes) else {
            Issue.record("expected valueLimitExceeded, got \(String(describing: decodeError(bytes)))")
            return
        }
        guard case .valueLimitExceeded = skipError(bytes) else {
            Issue.record("skip: expected valueLimitExceeded")
            return
        }
    }

    @Test("references count the values they expand to")
    func referencesCountTheirSubtree() throws {
        // [[1,1,1], ref, ref]: 1 + (1+3) + 4 + 4 = 13 values.
        let bytes = hex("7b 7b 91 91 91 51 91 51 91")
        var decoder = HessianDecoder()
        _ = try decoder.decodeValue(in: bytes.span)
        #expect(decoder.valuesDecoded == 13)
        let limits = Self.limits { $0.maxValuesPerBody = 12 }
        #expect(decodeError(bytes, limits: limits) == .valueLimitExceeded(at: 7))
    }

    @Test("references to indices never assigned are rejected")
    func invalidReferences() {
        #expect(decodeError(hex("51 90")) == .invalidReference(0, at: 0))
        #expect(decodeError(hex("7a 51 91 90")) == .invalidReference(1, at: 1))
        #expect(decodeError(hex("79 51 8f")) == .invalidReference(-1, at: 1))
        #expect(decodeError(hex("51 01 61")) == .unexpectedTag(0x01, at: 1))
    }

    @Test("type references beyond the type table are rejected")
    func invalidTypeReferences() {
        #expect(decodeError(hex("71 90 91")) == .invalidTypeReference(0, at: 1))
        #expect(decodeError(cat(hex("7a 71"), str("[int"), hex("91 71 91 92"))) == .invalidTypeReference(1, at: 9))
        #expect(decodeError(hex("4d 8f 5a")) == .invalidTypeReference(-1, at: 1))
        #expect(decodeError(hex("71 4e 91")) == .unexpectedTag(0x4e, at: 1))
    }

    @Test("instances of undefined classes are rejected")
    func invalidClassReferences() {
        #expect(decodeError(hex("60")) == .invalidClassReference(0, at: 0))
        #expect(decodeError(hex("4f 91")) == .invalidClassReference(1, at: 0))
        #expect(decodeError(cat(hex("43"), str("X"), hex("90 61"))) == .invalidClassReference(1, at: 4))
    }

    @Test("reserved tags and a stray 'Z' are errors", arguments: [UInt8(0x40), 0x45, 0x47, 0x50])
    func reservedTags(tag: UInt8) {
        #expect(decodeError([tag]) == .reservedTag(tag, at: 0))
        #expect(decodeError([0x79, tag]) == .reservedTag(tag, at: 1))
    }

    @Test("'Z' where a value is required is an unexpected tag")
    func strayEnd() {
        #expect(decodeError(hex("5a")) == .unexpectedTag(0x5a, at: 0))
        #expect(decodeError(hex("48 91 5a")) == .unexpectedTag(0x5a, at: 2))
        #expect(decodeError(hex("43 01 41 90 5a")) == .unexpectedTag(0x5a, at: 4))
    }

    @Test("class and field names must be strings")
    func classNamesMustBeStrings() {
        #expect(decodeError(hex("43 4e 90")) == .unexpectedTag(0x4e, at: 1))
        #expect(decodeError(cat(hex("43"), str("X"), hex("91 91"))) == .unexpectedTag(0x91, at: 4))
    }

    @Test("invalid UTF-8 sequences are rejected with their offset")
    func invalidUTF8() {
        #expect(decodeError(hex("01 80")) == .invalidUTF8(at: 1))
        #expect(decodeError(hex("01 ff")) == .invalidUTF8(at: 1))
        #expect(decodeError(hex("02 61 c3 41")) == .invalidUTF8(at: 2))
        #expect(decodeError(hex("01 e4 b8 41")) == .invalidUTF8(at: 1))
        #expect(decodeError(hex("01 f0 9f 98 80")) == .invalidUTF8(at: 1))  // two units, one declared
        #expect(decodeError(hex("02 f4 90 80 80")) == .invalidUTF8(at: 1))  // beyond U+10FFFF
        #expect(skipError(hex("02 61 c3 41")) == .invalidUTF8(at: 2))
    }

    @Test("an offset outside the body is truncated, not a trap")
    func offsetOutsideBody() {
        var decoder = HessianDecoder()
        decoder.offset = 5
        #expect(throws: HessianError.truncated(at: 5)) { try decoder.decodeValue(in: hex("91").span) }
        decoder.offset = -1
        #expect(throws: HessianError.truncated(at: -1)) { try decoder.skipValue(in: hex("91").span) }
        decoder.offset = 1
        #expect(throws: HessianError.truncated(at: 1)) { try decoder.decodeString(in: hex("91").span) }
    }

    @Test("errors describe themselves in one line")
    func descriptions() {
        #expect(HessianError.unexpectedTag(0x5a, at: 12).description == "hessian: unexpected tag 0x5a at offset 12")
        #expect(HessianError.reservedTag(0x0, at: 1).description == "hessian: reserved tag 0x00 at offset 1")
        #expect(HessianError.truncated(at: 3).description == "hessian: truncated value at offset 3")
        #expect(HessianError.invalidReference(4, at: 2).offset == 2)
    }
}
