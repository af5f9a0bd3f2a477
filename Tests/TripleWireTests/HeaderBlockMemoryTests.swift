import NIOHPACK
import Testing
@testable import TripleWire

@Suite("Header block memory")
struct HeaderBlockMemoryTests {
    private static func fields(_ decoded: HPACKHeaders?) -> [String]? {
        decoded.map { $0.map { "\($0.name)=\($0.value)" } }
    }

    private static func decode(_ block: [UInt8], with decoder: inout HeaderBlockDecoder) -> [String]? {
        fields(block.withUnsafeBufferPointer { decoder.decode($0)?.fields })
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

    @Test("how a block uses the dynamic table, from its representations (RFC 7541 §6)")
    func representations() {
        let cases: [([UInt8], HPACKRepresentations.TableUse)] = [
            ([], .none),
            ([0x82, 0x86, 0x84], .none),  // indexed :method GET, :scheme http, :path /
            ([0x80 | 61], .none),  // www-authenticate, the static table's last entry
            ([0x80 | 62], .reads),  // the newest dynamic entry
            (Self.literal("x", "y"), .none),  // without indexing, new name
            ([0x10, 1, 0x78, 1, 0x79], .none),  // never indexed, new name
            ([0x04, 2, 0x2F, 0x61], .none),  // without indexing, name :path from the static table
            ([0x0F, 0x2B, 1, 0x31], .none),  // without indexing, name index 15 + 43 = 58 in two bytes
            ([0x0F, 0x2F, 1, 0x31], .reads),  // name index 15 + 47 = 62: a dynamic entry's name
            ([0x82, 0xFF, 0x80, 0x01], .reads),  // indexed 127 + 128 in continuation bytes
            (Self.adding("x", "y"), .changes),  // incremental indexing
            ([0x82] + Self.adding("x", "y"), .changes),
            ([0x20], .changes),  // dynamic table size update to 0
            ([0x3F, 0xE1, 0x1F], .changes),  // size update to 4 096
            ([0x00, 5, 0x78], .changes),  // name cut short: malformed
            ([0x00, 1, 0x78, 0x7F], .changes),  // value length cut short
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .changes),  // an integer past 2^32
            ([0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], .changes),  // a string length past 2^32
        ]
        for (block, expected) in cases {
            let answer = block.withUnsafeBufferPointer { HPACKRepresentations.tableUse($0) }
            #expect(answer == expected, "\(block)")
        }
    }

    @Test("a peer's block sent again decodes to the same fields, from its third sending on without HPACK")
    func repeatsReused() {
        var encoder = BlockEncoder()
        var decoder = HeaderBlockDecoder(limits: TripleLimits(), memory: HeaderBlockMemory())
        let request = [(":method", "POST"), (":path", "/org.example.Greeter/sayHello"), ("tri-service-group", "blue"),
                       ("content-type", "application/grpc+proto")]
        let expected = request.map { "\($0.0)=\($0.1)" }
        for _ in 0..<6 {
            #expect(Self.decode(encoder.block(request), with: &decoder) == expected)
        }
        // The first block adds to the table (never kept); the second is seen, the third kept, the rest reused.
        #expect(decoder.blocksReused == 3)
    }

    @Test("a change to the table retires every block that read it: the same bytes then decode to the new entry")
    func tableChangeRetires() {
        let memory = HeaderBlockMemory()
        var decoder = HeaderBlockDecoder(limits: TripleLimits(), memory: memory)
        let sixtySecond: [UInt8] = [0x80 | 62]
        #expect(Self.decode(Self.adding("a", "1"), with: &decoder) == ["a=1"])
        for _ in 0..<4 { #expect(Self.decode(sixtySecond, with: &decoder) == ["a=1"]) }
        #expect(decoder.blocksReused == 2)
        #expect(Self.decode(Self.adding("b", "2"), with: &decoder) == ["b=2"])
        for _ in 0..<4 { #expect(Self.decode(sixtySecond, with: &decoder) == ["b=2"]) }
        #expect(Self.decode([0x80 | 63], with: &decoder) == ["a=1"])
        #expect(decoder.blocksReused == 4)
        // A size update to 0 empties the table: index 62 no longer exists, and the table is known no more.
        #expect(Self.decode([0x20], with: &decoder) == [])
        #expect(Self.decode(sixtySecond, with: &decoder) == nil)
        #expect(!decoder.tableKnown && decoder.blocksReused == 4)
        // A SETTINGS table size retires them too (the encoder may evict): a fresh decoder, same steps.
        var other = HeaderBlockDecoder(limits: TripleLimits(), memory: memory)
        #expect(Self.decode(Self.adding("c", "3"), with: &other) == ["c=3"])
        for _ in 0..<3 { #expect(Self.decode(sixtySecond, with: &other) == ["c=3"]) }
        #expect(other.blocksReused == 1)
        other.peerAnnouncedTableSize(8_192)
        #expect(Self.decode(sixtySecond, with: &other) == ["c=3"] && other.blocksReused == 1)
    }

    @Test("a block that reads no table is shared by every connection; one that reads a table only by its own")
    func sharedAcrossConnections() {
        let memory = HeaderBlockMemory()
        var first = HeaderBlockDecoder(limits: TripleLimits(), memory: memory)
        var second = HeaderBlockDecoder(limits: TripleLimits(), memory: memory)
        let plain = Self.literal("grpc-status", "0")
        #expect(Self.decode(plain, with: &first) == ["grpc-status=0"])
        #expect(Self.decode(plain, with: &first) == ["grpc-status=0"])
        #expect(Self.decode(plain, with: &second) == ["grpc-status=0"] && second.blocksReused == 1)
        // Each table holds a different entry 62: neither may answer for the other.
        #expect(Self.decode(Self.adding("x", "first"), with: &first) == ["x=first"])
        #expect(Self.decode(Self.adding("x", "second"), with: &second) == ["x=second"])
        for _ in 0..<3 {
            #expect(Self.decode([0x80 | 62], with: &first) == ["x=first"])
            #expect(Self.decode([0x80 | 62], with: &second) == ["x=second"])
        }
        // With its table unknown a decoder still reads static-only blocks, from the memory too.
        second.lostBlocks()
        #expect(Self.decode(plain, with: &second) == ["grpc-status=0"] && second.blocksReused == 3)
        #expect(Self.decode([0x80 | 62], with: &second) == nil)
    }

    @Test("bounded: a block seen once is never kept, long blocks are not, and the budget holds over many blocks")
    func bounded() {
        let memory = HeaderBlockMemory(budget: 64 << 10)
        var decoder = HeaderBlockDecoder(limits: TripleLimits(), memory: memory)
        for index in 0..<200 {
            #expect(Self.decode(Self.literal("n", "\(index)"), with: &decoder) == ["n=\(index)"])
        }
        #expect(memory.count == 0 && decoder.blocksReused == 0)
        for index in 0..<2_000 {
            for _ in 0..<3 { #expect(Self.decode(Self.literal("m", "\(index)"), with: &decoder) == ["m=\(index)"]) }
        }
        #expect(decoder.blocksReused == 2_000)
        #expect(memory.count > 0 && memory.heldBytes <= 64 << 10 && memory.count < 2_000)
        let long = Self.literal("long", String(repeating: "v", count: HeaderBlockMemory.maxBlockLength))
        for _ in 0..<3 { #expect(Self.decode(long, with: &decoder)?.count == 1) }
        #expect(decoder.blocksReused == 2_000)
    }

    @Test("a remembered block works out its Triple meaning once; trailers change only the fields they carry")
    func meaningWorkedOutOnce() throws {
        var decoder = HeaderBlockDecoder(limits: TripleLimits(), memory: HeaderBlockMemory())
        let request = Self.literal(":path", "/org.example.Greeter/sayHello") + Self.literal("grpc-timeout", "250m")
            + Self.literal("content-type", "application/json") + Self.literal("traceid", "t1")
        let blocks = (0..<3).compactMap { _ in request.withUnsafeBufferPointer { decoder.decode($0) } }
        try #require(blocks.count == 3)
        #expect(blocks[1] === blocks[2] && decoder.blocksReused == 1)
        let meaning = blocks[2].request
        #expect(meaning.service == "org.example.Greeter" && meaning.method == "sayHello")
        #expect(meaning.timeoutMicroseconds == 250_000 && meaning.content == .json)
        #expect(meaning.attachments.map { "\($0.name)=\($0.value)" } == ["traceid=t1"])

        let headers = Self.literal(":status", "200") + Self.literal("x-a", "1")
        let trailers = Self.literal("grpc-status", "5") + Self.literal("grpc-message", "not%20found")
            + Self.literal("x-b", "2")
        var call = TripleCall(kind: .call, streamID: 1)
        for block in [headers, trailers] {
            let decoded = try #require(block.withUnsafeBufferPointer { decoder.decode($0) })
            decoded.response(maxProtobufDepth: 8).apply(to: &call)
        }
        #expect(call.httpStatus == 200 && call.grpcStatus == 5 && call.grpcMessage == "not found")
        #expect(call.responseAttachments.map { "\($0.name)=\($0.value)" } == ["x-a=1", "x-b=2"])
        // A field present but unreadable replaces the earlier value, as reading the fields one by one would.
        let unreadable = try #require(Self.literal(":status", "2x").withUnsafeBufferPointer { decoder.decode($0) })
        unreadable.response(maxProtobufDepth: 8).apply(to: &call)
        #expect(call.httpStatus == nil && call.grpcStatus == 5 && unreadable.response(maxProtobufDepth: 8).encoding == nil)
    }
}
