@testable import Hessian2
import InspectorCore
import Testing

/// Interned strings must be indistinguishable from freshly decoded ones, whatever evicts whom.
@Suite("Interned Hessian strings")
struct StringInternerTests {
    /// A compact Hessian string (`0x30–0x33` length prefix) of ASCII text shorter than 1024 units.
    static func encoded(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return bytes.count < 32 ? [UInt8(bytes.count)] + bytes : [0x30 + UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    @Test("a repeated name decodes to the same storage, shared across bodies")
    func repeatedNameIsShared() throws {
        let name = "org.apache.dubbo.demo.DemoService"
        let body = Self.encoded(name)
        var decoder = HessianDecoder()
        let first = try decoder.decodeString(in: body.span)
        decoder.reset()
        let second = try decoder.decodeString(in: body.span)
        #expect(first == name)
        #expect(second == name)
        let firstBase = first?.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
        let secondBase = second?.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
        #expect(firstBase != nil && firstBase == secondBase)
    }

    @Test("thousands of distinct strings of every internable length, decoded twice, come back exact")
    func evictionKeepsValuesExact() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._$/;")
        var texts: [String] = []
        for index in 0..<4_000 {
            let length = StringInterner.minLength + index % (StringInterner.maxLength - StringInterner.minLength + 1)
            texts.append(String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }))
        }
        // Same head and tail, different middle: the slot hash sees only the ends and the length.
        texts.append("0123456789abcdef-A-0123456789abcdef")
        texts.append("0123456789abcdef-B-0123456789abcdef")
        var decoder = HessianDecoder()
        for _ in 0..<2 {
            for text in texts.shuffled(using: &generator) {
                decoder.reset()
                #expect(try decoder.decodeString(in: Self.encoded(text).span) == text)
            }
        }
    }

    @Test("lengths around the interning bounds, and non-ASCII text, decode as before")
    func boundsAndNonASCII() throws {
        var decoder = HessianDecoder()
        for length in [0, 1, 15, 16, 17, 127, 128, 129, 300] {
            let text = String(repeating: "x", count: length)
            decoder.reset()
            #expect(try decoder.decodeString(in: Self.encoded(text).span) == text)
        }
        // "grüße aus köln, 東京" encoded unit by unit (Hessian lengths count UTF-16 units).
        let text = "grüße aus köln und 東京 und mehr"
        let units = text.utf16.count
        let body: [UInt8] = [UInt8(units)] + Array(text.utf8)
        decoder.reset()
        #expect(try decoder.decodeString(in: body.span) == text)
    }
}
