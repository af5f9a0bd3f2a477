import InspectorCore
import Testing

@Suite("ASCII scans")
struct ASCIIBytesTests {
    @Test("the first non-ASCII byte is found wherever it sits, inside a word of eight or in the tail")
    func prefixEnd() {
        for length in 0..<40 {
            for position in 0...length {
                var bytes = [UInt8](repeating: 0x61, count: length)
                if position < length { bytes[position] = 0x80 | UInt8(position % 64) }
                let end = bytes.withUnsafeBufferPointer { ASCIIBytes.prefixEnd($0, from: 0, limit: $0.count) }
                #expect(end == position, "length \(length), non-ASCII at \(position)")
                #expect(bytes.withUnsafeBufferPointer(ASCIIBytes.isASCII) == (position == length))
            }
        }
    }

    @Test("a scan starts and stops where it is told")
    func window() {
        let bytes: [UInt8] = [0xC3, 0xA9] + Array("abcdefghij".utf8) + [0xFF]
        let end = bytes.withUnsafeBufferPointer { ASCIIBytes.prefixEnd($0, from: 2, limit: 9) }
        #expect(end == 9)
        #expect(bytes.withUnsafeBufferPointer { ASCIIBytes.prefixEnd($0, from: 2, limit: bytes.count) } == 12)
    }
}
