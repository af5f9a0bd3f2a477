/// The serialization id in the low five bits of the flags byte (PROTOCOL.md §2.1).
public struct Serialization: Sendable, Hashable, CustomStringConvertible {
    public var id: UInt8

    public init(id: UInt8) {
        self.id = id & 0x1F
    }

    public static let hessian2 = Serialization(id: 2)
    public static let fastjson = Serialization(id: 6)
    public static let fastjson2 = Serialization(id: 23)

    /// Names as Dubbo's SPI files spell them; ids Apache code does not assign are `unknown-<id>`.
    private static let names: [UInt8: String] = [
        1: "dubbo", 2: "hessian2", 3: "java", 4: "compactedjava", 5: "json", 6: "fastjson", 7: "nativejava",
        8: "kryo", 9: "fst", 10: "native-hessian", 11: "avro", 12: "protostuff", 16: "gson", 18: "jackson",
        21: "protobuf-json", 22: "protobuf", 23: "fastjson2", 25: "kryo2", 27: "msgpack", 28: "fury",
        29: "fury-compatible", 31: "custom-msgpack",
    ]

    public var isKnown: Bool { Self.names[id] != nil }

    public var name: String { Self.names[id] ?? "unknown-\(id)" }

    public var description: String { name }

    /// The serializer's encoding of `null`: a heartbeat body is exactly these bytes (PROTOCOL.md §1.6).
    public var nullEncodings: [[UInt8]] {
        switch id {
        case 2, 10: [[0x4E]]
        case 3, 4: [[0xAC, 0xED, 0x00, 0x05, 0x77, 0x01, 0x00]]
        case 6: [[0x6E, 0x75, 0x6C, 0x6C, 0x0A], [0x6E, 0x75, 0x6C, 0x6C, 0x0D, 0x0A]]
        case 7: [[0xAC, 0xED, 0x00, 0x05, 0x70]]
        case 23: [[0x00, 0x00, 0x00, 0x01, 0xAF]]
        default: []
        }
    }
}
