import Hessian2
import InspectorCore
import TestSupport
import Testing

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
