import Hessian2

/// A minimal protobuf wire-format reader (no schema): enough to take Triple's wrapper messages apart and to show
/// IDL messages field by field the way `protoc --decode_raw` does.
struct ProtobufReader {
    enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5 }

    enum Field {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(Range<Int>)
        case group(Range<Int>)
    }

    struct Malformed: Error, Equatable {
        var reason: String
        var offset: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var offset: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    var atEnd: Bool { offset >= end }

    mutating func varint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw Malformed(reason: "varint longer than 10 bytes", offset: offset) }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw Malformed(reason: "varint cut short", offset: offset)
    }

    /// The next field's number and value; nil at the end. An end-group tag is returned as field number and a
    /// `group` of the empty range at the tag, for the group reader to stop on.
    mutating func next() throws(Malformed) -> (number: UInt64, field: Field)? {
        guard !atEnd else { return nil }
        let tagOffset = offset
        let tag = try varint()
        let number = tag >> 3
        guard number >= 1, number <= 0x1FFF_FFFF else { throw Malformed(reason: "field number \(number)", offset: tagOffset) }
        guard let wire = WireType(rawValue: UInt8(tag & 7)) else {
            throw Malformed(reason: "wire type \(tag & 7)", offset: tagOffset)
        }
        switch wire {
        case .varint: return (number, .varint(try varint()))
        case .fixed64:
            guard end - offset >= 8 else { throw Malformed(reason: "fixed64 cut short", offset: offset) }
            var value: UInt64 = 0
            for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
            offset += 8
            return (number, .fixed64(value))
        case .fixed32:
            guard end - offset >= 4 else { throw Malformed(reason: "fixed32 cut short", offset: offset) }
            var value: UInt32 = 0
            for index in (0..<4).reversed() { value = value << 8 | UInt32(bytes[offset + index]) }
            offset += 4
            return (number, .fixed32(value))
        case .lengthDelimited:
            let length = try varint()
            guard length <= UInt64(end - offset) else {
                throw Malformed(reason: "length \(length) past the end", offset: offset)
            }
            let start = offset
            offset += Int(length)
            return (number, .bytes(start..<offset))
        case .startGroup:
            let start = offset
            // Walk to the matching end-group tag.
            while true {
                guard let (inner, field) = try next() else { throw Malformed(reason: "group not closed", offset: start) }
                if case .group(let range) = field, range.isEmpty, range.lowerBound == -1 {
                    guard inner == number else { throw Malformed(reason: "end group \(inner) inside \(number)", offset: offset) }
                    return (number, .group(start..<(offset - Self.tagLength(number: number))))
                }
            }
        case .endGroup:
            return (number, .group(-1 ..< -1))
        }
    }

    private static func tagLength(number: UInt64) -> Int {
        var value = number << 3
        var length = 1
        while value >= 0x80 {
            value >>= 7
            length += 1
        }
        return length
    }

    func string(_ range: Range<Int>) -> String? {
        guard isText(range) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whether the bytes are valid UTF-8 (what `string` would return), without making the string.
    func isText(_ range: Range<Int>) -> Bool {
        // Java class names are ASCII: eight bytes at a time, validating only from the first word with a high bit.
        let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range])
        var ascii = 0
        while ascii + 8 <= raw.count, raw.loadUnaligned(fromByteOffset: ascii, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            ascii += 8
        }
        var iterator = UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + ascii)..<range.upperBound]).makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}

/// Renders a protobuf message with no schema the way `protoc --decode_raw` reads it: field numbers as keys,
/// varints and fixed values as numbers, length-delimited values as a nested message when they parse as one,
/// else as text when they are UTF-8, else as binary; a repeated field becomes a list.
enum ProtobufRendering {
    static func render(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(ProtobufReader.Malformed) -> HessianValue {
        try message(bytes, range: 0..<bytes.count, depth: maxDepth)
    }

    private static func message(
        _ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, depth: Int
    ) throws(ProtobufReader.Malformed) -> HessianValue {
        guard depth > 0 else { throw ProtobufReader.Malformed(reason: "nested too deep", offset: range.lowerBound) }
        var reader = ProtobufReader(bytes, range: range)
        var keys: [UInt64] = []
        var values: [UInt64: [HessianValue]] = [:]
        while let (number, field) = try reader.next() {
            let value: HessianValue
            switch field {
            case .varint(let raw): value = .long(Int64(bitPattern: raw))
            case .fixed64(let raw): value = .long(Int64(bitPattern: raw))
            case .fixed32(let raw): value = .long(Int64(raw))
            case .group(let inner):
                guard inner.lowerBound >= 0 else { throw ProtobufReader.Malformed(reason: "end group outside a group", offset: reader.offset) }
                value = try message(bytes, range: inner, depth: depth - 1)
            case .bytes(let inner):
                if !inner.isEmpty, let nested = try? message(bytes, range: inner, depth: depth - 1) {
                    value = nested
                } else if let text = reader.string(inner) {
                    value = .string(text)
                } else {
                    value = .binary(Array(UnsafeBufferPointer(rebasing: bytes[inner])))
                }
            }
            if values[number] == nil { keys.append(number) }
            values[number, default: []].append(value)
        }
        let entries = keys.map { key -> HessianMapEntry in
            let all = values[key] ?? []
            return HessianMapEntry(key: .string(String(key)), value: all.count == 1 ? all[0] : .list(HessianList(elements: all)))
        }
        return .map(HessianMap(entries: entries))
    }
}
