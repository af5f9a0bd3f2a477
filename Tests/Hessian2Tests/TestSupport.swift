import Hessian2
import InspectorCore
import Testing

/// Bytes from hex text; spaces and newlines are ignored ("4c 00 01").
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd hex digit count")
    var bytes: [UInt8] = []
    for index in stride(from: 0, to: digits.count, by: 2) {
        let pair = String(decoding: digits[index...index + 1], as: UTF8.self)
        guard let byte = UInt8(pair, radix: 16) else { preconditionFailure("bad hex \(pair)") }
        bytes.append(byte)
    }
    return bytes
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}

/// The shortest Hessian string encoding of ASCII `text` (compact forms only, so fewer than 1024 chars).
func str(_ text: String) -> [UInt8] {
    let utf8 = Array(text.utf8)
    precondition(utf8.count < 1024)
    if utf8.count < 32 { return [UInt8(utf8.count)] + utf8 }
    return [0x30 + UInt8(utf8.count >> 8), UInt8(utf8.count & 0xFF)] + utf8
}

/// Concatenation of byte arrays.
func cat(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }

func repeated(_ byte: UInt8, _ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }

/// Decodes one value from the whole of `bytes` with a fresh decoder, expecting every byte to be consumed.
func decodeOne(_ bytes: [UInt8], limits: Limits = .default) throws(HessianError) -> HessianValue {
    var decoder = HessianDecoder(limits: limits)
    let value = try decoder.decodeValue(in: bytes.span)
    #expect(decoder.offset == bytes.count, "decoder stopped at \(decoder.offset) of \(bytes.count)")
    return value
}

/// Skips one value from `bytes` with a fresh decoder; returns where it stopped.
func skipOne(_ bytes: [UInt8], limits: Limits = .default) throws(HessianError) -> Int {
    var decoder = HessianDecoder(limits: limits)
    try decoder.skipValue(in: bytes.span)
    return decoder.offset
}

/// The error thrown by decoding `bytes`, or nil when it decodes.
func decodeError(_ bytes: [UInt8], limits: Limits = .default) -> HessianError? {
    var decoder = HessianDecoder(limits: limits)
    do {
        _ = try decoder.decodeValue(in: bytes.span)
        return nil
    } catch {
        return error
    }
}

/// The error thrown by skipping `bytes`, or nil when it skips.
func skipError(_ bytes: [UInt8], limits: Limits = .default) -> HessianError? {
    var decoder = HessianDecoder(limits: limits)
    do {
        try decoder.skipValue(in: bytes.span)
        return nil
    } catch {
        return error
    }
}

func list(_ elements: [HessianValue]) -> HessianValue {
    .list(HessianList(type: nil, elements: elements))
}

func list(_ type: String, _ elements: [HessianValue]) -> HessianValue {
    .list(HessianList(type: type, elements: elements))
}

func map(_ entries: [(HessianValue, HessianValue)]) -> HessianValue {
    .map(HessianMap(type: nil, entries: entries.map { HessianMapEntry(key: $0.0, value: $0.1) }))
}

func map(_ type: String, _ entries: [(HessianValue, HessianValue)]) -> HessianValue {
    .map(HessianMap(type: type, entries: entries.map { HessianMapEntry(key: $0.0, value: $0.1) }))
}

func object(_ className: String, _ fields: [(String, HessianValue)]) -> HessianValue {
    .object(HessianObject(className: className, fieldNames: fields.map(\.0), fieldValues: fields.map(\.1)))
}

/// SplitMix64: a tiny seeded generator so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A named byte vector and the value it must decode to.
struct Vector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var value: HessianValue
    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ value: HessianValue) {
        self.name = name
        self.bytes = bytes
        self.value = value
    }
}
