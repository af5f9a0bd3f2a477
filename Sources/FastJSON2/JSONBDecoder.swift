public import Hessian2
public import InspectorCore

/// Decodes fastjson2 JSONB documents (PROTOCOL.md §3.6.1) into the project's value model, `HessianValue`, so every
/// serializer renders the same way (docs/RECORDS.md).
///
/// One call decodes one complete document: Dubbo writes every part of a body as an independent document, so the
/// symbol table and the reference paths restart at every call, while the value count (`Limits.maxValuesPerBody`)
/// runs over the whole body until `reset()`.
///
/// Every declared length or count is checked against `limits` and against the bytes that remain before anything
/// is allocated; nesting (typed wrappers included) is capped by `maxHessianDepth`, which bounds the recursion.
/// Every step consumes at least one byte, and a reference is a copy-on-write copy of a value already built, counted
/// with the size of what it points to; so work is linear in the document. After a thrown error the decoder's state is
/// unspecified until the next `decodeDocument`.
public struct JSONBDecoder: Sendable {
    /// The bounds applied to this body.
    public var limits: Limits
    /// Position in the document of the next value.
    public internal(set) var offset = 0

    var valueCount = 0
    /// Symbols defined so far in this document (field and type names), by number.
    var symbols: [Int: String] = [:]
    /// Containers being decoded, outermost first: what reference paths are resolved against.
    var open: [OpenContainer] = []
    /// The path of the previous reference, which the writer abbreviates as `#-1` when it repeats.
    var lastReferencePath: String?
    /// Repeated names (service, method, descriptor, attachment keys and values) reused across bodies, as Hessian2
    /// does; kept by `reset()`.
    var interner = StringInterner()

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Values decoded since the last reset, references counted with the size of what they point to.
    public var valuesDecoded: Int { valueCount }

    /// Starts a new body: the value count returns to zero.
    public mutating func reset() {
        valueCount = 0
        offset = 0
    }

    /// The one value that `document` holds, which must fill it exactly.
    public mutating func decodeDocument(_ document: Span<UInt8>) throws(JSONBError) -> HessianValue {
        startDocument()
        let value = try readValue(document, depth: 0, segment: nil)
        guard offset == document.count else { throw .trailingBytes(count: document.count - offset, at: offset) }
        return value
    }

    /// A document that is one object of string keys and string values — what Dubbo's attachments are — decoded
    /// without the container bookkeeping reference paths need. The same map, the same limits and the same errors as
    /// `decodeDocument`; nil (the value count as it was) when the document is anything else: decode it with
    /// `decodeDocument` then.
    public mutating func decodeStringMap(_ document: Span<UInt8>) throws(JSONBError) -> HessianMap? {
        startDocument()
        guard !document.isEmpty, document[0] == 0xA6 else { return nil }
        let countBefore = valueCount
        try countValues(1, at: 0)
        offset = 1
        try enter(depth: 0, at: 0)
        var entries: [HessianMapEntry] = []
        entries.reserveCapacity(8)
        while true {
            let type = try typeByte(document)
            if type == 0xA5 {
                offset += 1
                break
            }
            guard entries.count < limits.maxCollectionCount else {
                throw .collectionTooLarge(count: limits.maxCollectionCount + 1, at: 0)
            }
            // Strings, and symbols standing for them (as `readValue` takes them); anything else could be a container
            // or a reference: the general path.
            guard Self.stringTypeBytes.contains(type) else {
                valueCount = countBefore
                return nil
            }
            try countValues(1, at: offset)
            let key = try readString(document)
            guard Self.stringTypeBytes.contains(try typeByte(document)) else {
                valueCount = countBefore
                return nil
            }
            try countValues(1, at: offset)
            entries.append(HessianMapEntry(key: .string(key), value: .string(try readString(document))))
        }
        guard offset == document.count else { throw .trailingBytes(count: document.count - offset, at: offset) }
        return HessianMap(type: nil, entries: entries)
    }

    /// Every document restarts its symbol table and its reference paths (the value count runs on until `reset()`).
    private mutating func startDocument() {
        offset = 0
        symbols.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        lastReferencePath = nil
    }

    /// The type bytes of strings and symbol references (`readString`).
    static var stringTypeBytes: ClosedRange<UInt8> { 0x49...0x7F }

    /// The string at the start of `bytes`, whatever follows it: the type name of a typed value (after its `0x92`)
    /// at the head of a document that was cut off.
    public mutating func leadingString(_ bytes: Span<UInt8>) throws(JSONBError) -> String {
        offset = 0
        symbols.removeAll(keepingCapacity: true)
        return try readString(bytes)
    }

    // MARK: Values

    mutating func readValue(_ bytes: Span<UInt8>, depth: Int, segment: PathSegment?) throws(JSONBError) -> HessianValue {
        let start = offset
        let type = try typeByte(bytes)
        try countValues(1, at: start)
        switch type {
        case 0xF0...0xFF, 0x00...0x2F:
            offset += 1
            return .int(Int32(Int8(bitPattern: type)))
        case 0x30...0x48:
            return .int(try readInt32(bytes))
        case 0x49...0x7F:  // stringTypeBytes
            return .string(try readString(bytes))
        case 0x90:
            offset += 1
            // Java's `char` is one UTF-16 unit; a lone surrogate cannot stand alone in a string.
            let unit = UInt16(truncatingIfNeeded: try readInt32(bytes))
            return .string(String(Unicode.Scalar(unit).map(Character.init) ?? "\u{FFFD}"))
        case 0x91:
            offset += 1
            let length = try readLength(bytes)
            return .binary(try take(length, from: bytes, at: start) { Array($0) })
        case 0x92:
            return try readTyped(bytes, depth: depth, segment: segment)
        case 0x93:
            offset += 1
            return try readReference(bytes, at: start)
        case 0x94...0xA4:
            return try readArray(bytes, depth: depth, segment: segment)
        case 0xA6:
            return try readObject(bytes, depth: depth, segment: segment)
        case 0xA7...0xAE:
            return try readTemporal(bytes)
        case 0xAF:
            offset += 1
            return .null
        case 0xB0, 0xB1:
            offset += 1
            return .bool(type == 0xB1)
        case 0xB2, 0xB3:
            offset += 1
            return .double(type == 0xB3 ? 1 : 0)
        case 0xB4:
            offset += 1
            return .double(Double(try readInt64(bytes)))
        case 0xB5:
            offset += 1
            return .double(Double(bitPattern: try readFixed(bytes, as: UInt64.self)))
        case 0xB6:
            offset += 1
            // Java's `(float) int`: the int rounded to the nearest float.
            return Self.float(Float(try readInt32(bytes)))
        case 0xB7:
            offset += 1
            return Self.float(Float(bitPattern: try readFixed(bytes, as: UInt32.self)))
        case 0xB8, 0xBA:
            offset += 1
            return .number(String(try readInt64(bytes)))
        case 0xB9:
            offset += 1
            return try readDecimal(bytes)
        case 0xBB:
            offset += 1
            return .number(try readBigIntegerDigits(bytes, at: start))
        case 0xBC:
            offset += 1
            return .int(Int32(Int16(bitPattern: try readFixed(bytes, as: UInt16.self))))
        case 0xBD:
            offset += 1
            return .int(Int32(Int8(bitPattern: try readFixed(bytes, as: UInt8.self))))
        case 0xBE...0xEF:
            return .long(try readInt64(bytes))
        case 0xA5:
            throw .unexpectedType(type, at: start)
        default:
            throw .unknownType(type, at: start)
        }
    }

    /// A float as the JSON a Java program would print: its shortest decimal text, not the wider double's.
    static func float(_ value: Float) -> HessianValue {
        guard value.isFinite else { return .double(Double(value)) }
        return .double(Double("\(value)") ?? Double(value))
    }

    // MARK: Containers

    private mutating func readArray(_ bytes: Span<UInt8>, depth: Int, segment: PathSegment?) throws(JSONBError) -> HessianValue {
        let start = offset
        let type = bytes[start]
        offset += 1
        let count = type == 0xA4 ? try readLength(bytes) : Int(type - 0x94)
        // Every element takes at least one byte.
        guard count <= limits.maxCollectionCount, count <= bytes.count - offset else {
            throw count > limits.maxCollectionCount
                ? .collectionTooLarge(count: count, at: start) : .truncated(at: start)
        }
        try enter(depth: depth, at: start)
        open.append(OpenContainer(segment: segment, isObject: false, capacity: count))
        for index in 0..<count {
            let before = valueCount
            let element = try readValue(bytes, depth: depth + 1, segment: .index(index))
            open[open.count - 1].append(element, valueCount: valueCount - before)
        }
        let container = open.removeLast()
        return .list(HessianList(type: nil, elements: container.values))
    }

    private mutating func readObject(_ bytes: Span<UInt8>, depth: Int, segment: PathSegment?) throws(JSONBError) -> HessianValue {
        let start = offset
        offset += 1
        try enter(depth: depth, at: start)
        // Room for a typical bean or attachment map, so the first entries do not regrow the arrays.
        open.append(OpenContainer(segment: segment, isObject: true, capacity: 8))
        while true {
            guard offset < bytes.count else { throw .truncated(at: offset) }
            if bytes[offset] == 0xA5 {
                offset += 1
                break
            }
            guard open[open.count - 1].entries.count < limits.maxCollectionCount else {
                throw .collectionTooLarge(count: limits.maxCollectionCount + 1, at: start)
            }
            // Keys are strings or symbols in practice; anything else is kept, and cannot be a path segment.
            let key = try readValue(bytes, depth: depth + 1, segment: nil)
            let before = valueCount
            let value = try readValue(bytes, depth: depth + 1, segment: key.stringValue.map(PathSegment.name))
            open[open.count - 1].append(HessianMapEntry(key: key, value: value), valueCount: valueCount - before)
        }
        let container = open.removeLast()
        return .map(HessianMap(type: nil, entries: container.entries))
    }

    /// `0x92`: a type name (defined as a symbol, or a symbol defined earlier) and the value it types.
    private mutating func readTyped(_ bytes: Span<UInt8>, depth: Int, segment: PathSegment?) throws(JSONBError) -> HessianValue {
        let start = offset
        offset += 1
        // A chain of type wrappers recurses without nesting a container: count it as nesting.
        try enter(depth: depth, at: start)
        guard offset < bytes.count else { throw .truncated(at: offset) }
        let typeName: String
        switch bytes[offset] {
        case 0x49...0x7E:
            typeName = try readString(bytes)
            try defineSymbol(Int(try readInt32(bytes)), typeName, at: start)
        default:
            // `0x7F n` or a bare int: a type named earlier in this document.
            typeName = try readSymbolReference(bytes, at: start)
        }
        let value = try readValue(bytes, depth: depth + 1, segment: segment)
        switch value {
        case .map(let map) where !Self.isMapClass(typeName) && map.entries.allSatisfy({ $0.key.stringValue != nil }):
            return .object(HessianObject(
                className: typeName, fieldNames: map.entries.map { $0.key.stringValue ?? "" },
                fieldValues: map.entries.map(\.value)))
        case .map(var map):
            map.type = typeName
            return .map(map)
        case .list(var list):
            list.type = typeName
            return .list(list)
        default:
            return value
        }
    }

    /// Java map classes, which fastjson2 writes as typed objects like any bean: they render as maps.
    static func isMapClass(_ name: String) -> Bool {
        (name.hasPrefix("java.util.") && (name.hasSuffix("Map") || name.hasSuffix("Hashtable") || name.hasSuffix("Properties")))
            || name == "com.alibaba.fastjson2.JSONObject" || name == "com.alibaba.fastjson.JSONObject"
    }

    private mutating func enter(depth: Int, at position: Int) throws(JSONBError) {
        guard depth < limits.maxHessianDepth else { throw .depthLimitExceeded(at: position) }
    }

    mutating func countValues(_ count: Int, at position: Int) throws(JSONBError) {
        valueCount += count
        guard valueCount <= limits.maxValuesPerBody else { throw .valueLimitExceeded(at: position) }
    }

    // MARK: Integers

    /// Any of the int32 forms (`0xF0`–`0x48`).
    mutating func readInt32(_ bytes: Span<UInt8>) throws(JSONBError) -> Int32 {
        let start = offset
        let type = try typeByte(bytes)
        offset += 1
        switch type {
        case 0xF0...0xFF, 0x00...0x2F:
            return Int32(Int8(bitPattern: type))
        case 0x30...0x3F:
            return (Int32(type) - 0x38) << 8 | Int32(try readFixed(bytes, as: UInt8.self))
        case 0x40...0x47:
            return (Int32(type) - 0x44) << 16 | Int32(try readFixed(bytes, as: UInt16.self))
        case 0x48:
            return Int32(bitPattern: try readFixed(bytes, as: UInt32.self))
        default:
            offset = start
            throw .unexpectedType(type, at: start)
        }
    }

    /// Any of the int64 forms (`0xBE`–`0xEF`), or an int32 form.
    mutating func readInt64(_ bytes: Span<UInt8>) throws(JSONBError) -> Int64 {
        let type = try typeByte(bytes)
        switch type {
        case 0xD8...0xEF:
            offset += 1
            return Int64(type) - 0xD8 - 8
        case 0xC8...0xD7:
            offset += 1
            return (Int64(type) - 0xD0) << 8 | Int64(try readFixed(bytes, as: UInt8.self))
        case 0xC0...0xC7:
            offset += 1
            return (Int64(type) - 0xC4) << 16 | Int64(try readFixed(bytes, as: UInt16.self))
        case 0xBF:
            offset += 1
            return Int64(Int32(bitPattern: try readFixed(bytes, as: UInt32.self)))
        case 0xBE:
            offset += 1
            return Int64(bitPattern: try readFixed(bytes, as: UInt64.self))
        default:
            return Int64(try readInt32(bytes))
        }
    }

    /// The type byte at `offset`, not consumed.
    func typeByte(_ bytes: Span<UInt8>) throws(JSONBError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(at: offset) }
        return bytes[offset]
    }

    /// A length or count: an int32 form, not negative.
    mutating func readLength(_ bytes: Span<UInt8>) throws(JSONBError) -> Int {
        let start = offset
        let length = Int(try readInt32(bytes))
        guard length >= 0 else { throw .negativeLength(length, at: start) }
        return length
    }

    /// A big-endian fixed-width integer.
    mutating func readFixed<T: FixedWidthInteger & UnsignedInteger>(_ bytes: Span<UInt8>, as _: T.Type) throws(JSONBError) -> T {
        var cursor = Cursor(offset)
        guard let value = bytes.readBigEndian(&cursor, as: T.self) else { throw .truncated(at: offset) }
        offset = cursor.offset
        return value
    }

    /// Lends the next `length` bytes (checked against what remains) to `body` and steps over them.
    mutating func take<R>(
        _ length: Int, from bytes: Span<UInt8>, at start: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) throws(JSONBError) -> R {
        guard length <= bytes.count - offset else { throw .truncated(at: start) }
        let result = bytes.extracting(offset..<(offset + length)).withUnsafeBufferPointer(body)
        offset += length
        return result
    }
}

/// One step of a reference path: a field or key name, or an array index.
enum PathSegment: Sendable, Equatable {
    case name(String)
    case index(Int)
}

/// An array or object being decoded: the elements (or entries) so far, each with its value count, so a reference
/// to one of them can be resolved and counted. They become the finished value as they are, without a copy.
struct OpenContainer: Sendable {
    /// Where the container sits in its parent; nil for the root and for a container used as a key.
    var segment: PathSegment?
    var isObject: Bool
    /// An array's elements.
    var values: [HessianValue] = []
    /// An object's entries.
    var entries: [HessianMapEntry] = []
    var valueCounts: [Int] = []

    init(segment: PathSegment?, isObject: Bool, capacity: Int) {
        self.segment = segment
        self.isObject = isObject
        if isObject { entries.reserveCapacity(capacity) } else { values.reserveCapacity(capacity) }
        valueCounts.reserveCapacity(capacity)
    }

    mutating func append(_ element: HessianValue, valueCount: Int) {
        values.append(element)
        valueCounts.append(valueCount)
    }

    mutating func append(_ entry: HessianMapEntry, valueCount: Int) {
        entries.append(entry)
        valueCounts.append(valueCount)
    }

    /// The finished element or entry value at `index`.
    func child(_ index: Int) -> HessianValue { isObject ? entries[index].value : values[index] }
}
