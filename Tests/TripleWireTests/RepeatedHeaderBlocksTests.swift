import NIOHPACK
import Testing
@testable import TripleWire

@Suite("Repeated header blocks")
struct RepeatedHeaderBlocksTests {
    private static func fields(_ decoded: HPACKHeaders?) -> [String]? {
        decoded.map { $0.map { "\($0.name)=\($0.value)" } }
    }

    private static func decode(_ block: [UInt8], with decoder: inout HeaderBlockDecoder) -> [String]? {
        fields(block.withUnsafeBufferPointer { decoder.decode($0) })
    }

    /// A string literal without Huffman coding (RFC 7541 §5.2): its length with a 7-bit prefix, then its bytes.
    private static func string(_ text: String) -> [UInt8] {
        var length = text.utf8.count
        guard length >= 0x7F else { return [UInt8(length)] + Array(text.utf8) }
        var bytes: [UInt8] = [0x7F]
        length -= 0x7F
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        return bytes + [UInt8(length)] + Array(text.utf8)
    }

    /// A literal with incremental indexing and a new name (§6.2.1): adds `name: value` at index 62.
    private static func adding(_ name: String, _ value: String) -> [UInt8] {
        [0x40] + string(name) + string(value)
    }

    /// A literal without indexing and a new name (§6.2.2).
    private static func literal(_ name: String, _ value: String) -> [UInt8] {
        [0x00] + string(name) + string(value)
    }

    @Test("which representations leave the table as it was (RFC 7541 §6)")
    func representations() {
        let cases: [([UInt8], Bool)] = [
            ([], true),
            ([0x82, 0x86, 0x84], true),  // indexed :method GET, :scheme http, :path /
            (Self.literal("x", "y"), true),  // without indexing, new name
            ([0x10, 1, 0x78, 1, 0x79], true),  // never indexed, new name
            ([0x04, 2, 0x2F, 0x61], true),  // without indexing, name :path from the static table
            ([0x0F, 0x2B, 1, 0x31], true),  // without indexing, name index 15 + 43 = 58 in two bytes
            ([0x82, 0x80 | 0x7F, 0x80, 0x01], true),  // indexed 127 + 128 in continuation bytes
            (Self.adding("x", "y"), false),  // incremental indexing
            ([0x82] + Self.adding("x", "y"), false),
            ([0x20], false),  // dynamic table size update to 0
            ([0x3F, 0xE1, 0x1F], false),  // size update to 4 096
            ([0x00, 5, 0x78], false),  // name cut short
            ([0x00, 1, 0x78, 0x7F], false),  // value length cut short
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], false),  // an integer past 2^32
            ([0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], false),  // a string length past 2^32
        ]
        for (block, expected) in cases {
            let answer = block.withUnsafeBufferPointer { HPACKRepresentations.leaveTableUnchanged($0) }
            #expect(answer == expected, "\(block)")
        }
    }

    @Test("a peer's block sent again decodes to the same fields, from its third sending on without HPACK")
    func repeatsReused() {
        var encoder = BlockEncoder()
        var decoder = HeaderBlockDecoder(limits: TripleLimits())
        let request = [(":method", "POST"), (":path", "/org.example.Greeter/sayHello"), ("tri-service-group", "blue"),
                       ("content-type", "application/grpc+proto")]
        let expected = request.map { "\($0.0)=\($0.1)" }
        for _ in 0..<6 {
            #expect(Self.decode(encoder.block(request), with: &decoder) == expected)
        }
        // The first block adds to the table (never kept); the second is seen, the third kept, the rest reused.
        #expect(decoder.blocksReused == 3 && decoder.repeated.count == 1)
    }

    @Test("a change to the table forgets every kept block: the same bytes then decode to the new entry")
    func tableChangeForgets() {
        var decoder = HeaderBlockDecoder(limits: TripleLimits())
        let sixtySecond: [UInt8] = [0x80 | 62]
        #expect(Self.decode(Self.adding("a", "1"), with: &decoder) == ["a=1"])
        for _ in 0..<4 { #expect(Self.decode(sixtySecond, with: &decoder) == ["a=1"]) }
        #expect(decoder.blocksReused == 2)
        #expect(Self.decode(Self.adding("b", "2"), with: &decoder) == ["b=2"])
        #expect(decoder.repeated.count == 0)
        #expect(Self.decode(sixtySecond, with: &decoder) == ["b=2"])
        #expect(Self.decode([0x80 | 63], with: &decoder) == ["a=1"])
        // A size update to 0 empties the table: index 62 no longer exists, and the table is known no more.
        #expect(Self.decode(sixtySecond, with: &decoder) == ["b=2"])
        #expect(Self.decode(sixtySecond, with: &decoder) == ["b=2"])
        #expect(Self.decode([0x20], with: &decoder) == [])
        #expect(Self.decode(sixtySecond, with: &decoder) == nil)
        #expect(!decoder.tableKnown && decoder.repeated.count == 0)
    }

    @Test("a SETTINGS table size forgets kept blocks; a block seen once is never kept; at most maxEntries are")
    func bounded() {
        var decoder = HeaderBlockDecoder(limits: TripleLimits())
        for index in 0..<20 {
            #expect(Self.decode(Self.literal("n", "\(index)"), with: &decoder) == ["n=\(index)"])
        }
        #expect(decoder.repeated.count == 0 && decoder.blocksReused == 0)
        for index in 0..<20 {
            for _ in 0..<3 { #expect(Self.decode(Self.literal("m", "\(index)"), with: &decoder) == ["m=\(index)"]) }
        }
        #expect(decoder.repeated.count == RepeatedHeaderBlocks.maxEntries && decoder.blocksReused == 20)
        let long = Self.literal("long", String(repeating: "v", count: RepeatedHeaderBlocks.maxBlockLength))
        for _ in 0..<3 { #expect(Self.decode(long, with: &decoder)?.count == 1) }
        #expect(decoder.blocksReused == 20)
        decoder.peerAnnouncedTableSize(8_192)
        #expect(decoder.repeated.count == 0)
    }
}
