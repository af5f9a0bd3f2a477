public import InspectorCore

/// Decodes Hessian 2.0 values (hessian-lite dialect, PROTOCOL §5) from one complete body.
///
/// The decoder keeps the three per-body tables — class definitions, types and value references — across calls,
/// because Dubbo writes every part of a body with one `Hessian2Output` (PROTOCOL §3.1, §5.7 item 4). Call
/// `reset()` (or make a new decoder) for each new body.
///
/// The body is complete (its length came from the frame header), so running out of bytes is an error
/// (`.truncated`), never "need more". Every declared length or count is checked against `limits` and against
/// the bytes that remain before anything is allocated. Nesting is capped by `maxHessianDepth`, which is what
/// bounds the recursion; total work is linear in the body length because every step consumes at least one byte
/// and a back-reference is a constant-time copy-on-write copy.
///
/// After a thrown error the decoder's offset and tables are unspecified: `reset()` before reusing it. The one
/// exception: when the first byte is not a string (`decodeString`) or an integer (`decodeInteger`), they throw
/// `.unexpectedTag` without consuming anything, so the caller may fall back to `decodeValue` at the same offset.
public struct HessianDecoder: Sendable {
    /// The bounds applied to this body.
    public var limits: Limits
    /// Position in the body of the next value.
    public var offset: Int = 0

    var classDefinitions: [HessianClassDefinition] = []
    var types: [String] = []
    var references: [ReferenceSlot] = []
    var valueCount = 0
    /// Reused UTF-8 output buffer for strings that need transcoding, so decoding allocates only the final String.
    var scratch: [UInt8] = []
    /// Repeated short strings (names, descriptors, attachment keys) reused across bodies; kept by `reset()`.
    var interner = StringInterner()

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    // MARK: Observers

    /// Values decoded or skipped since the last reset, references counted with the size of what they point to.
    public var valuesDecoded: Int { valueCount }
    /// Entries in the value-reference table (lists, maps and objects started so far).
    public var referenceCount: Int { references.count }
    /// Class definitions registered so far.
    public var classDefinitionCount: Int { classDefinitions.count }
    /// Types registered so far (the table that int type references index).
    public var typeCount: Int { types.count }

    // MARK: Decoding

    /// One value starting at `offset`; on return `offset` is just past it.
    ///
    /// A class definition (`'C'`) is not a value on its own: it is registered and the value that follows it is
    /// returned. Lists, maps and objects are registered in the reference table before their children.
    public mutating func decodeValue(in body: Span<UInt8>) throws(HessianError) -> HessianValue {
        try checkOffset(body)
        return try readValue(body, depth: 0, build: true)
    }

    /// Same validation and table bookkeeping (references, class definitions, types, limits) as `decodeValue`,
    /// without building the tree; strings are validated but not materialised. Containers skipped here stay in the
    /// reference table as placeholders, so a later reference to them decodes as `.reference(index)`.
    public mutating func skipValue(in body: Span<UInt8>) throws(HessianError) {
        try checkOffset(body)
        _ = try readValue(body, depth: 0, build: false)
    }

    /// Like `decodeValue`, except that a map keeps only the entries whose key is one of `keys`: the other values
    /// are read as `skipValue` reads them (checked, counted and registered, not built). For the few attachments a
    /// report reads out of a request's many. Offsets, tables and errors are those of `decodeValue`; a kept value
    /// that refers back to a container skipped here is `.reference(index)`, as after `skipValue`.
    public mutating func decodeMap(in body: Span<UInt8>, keepingKeys keys: HessianKeys)
        throws(HessianError) -> HessianValue
    {
        try checkOffset(body)
        let (tag, at) = try readValueTag(body)
        switch tag {
        case HessianTag.untypedMap:
            return try readMap(body, at: at, typed: false, depth: 0, build: true, keptKeys: keys)
        case HessianTag.typedMap:
            return try readMap(body, at: at, typed: true, depth: 0, build: true, keptKeys: keys)
        default: return try readValue(body, tag: tag, at: at, depth: 0, build: true)
        }
    }

    /// A string (any form, chunked or not) or `nil` for Hessian null. Any other tag throws `.unexpectedTag`
    /// without moving `offset`.
    public mutating func decodeString(in body: Span<UInt8>) throws(HessianError) -> String? {
        try checkOffset(body)
        let at = offset
        guard at < body.count else { throw .truncated(at: at) }
        let tag = body[at]
        if tag == HessianTag.null {
            offset += 1
            try countValues(1, at: at)
            return nil
        }
        guard HessianTag.isString(tag) else { throw .unexpectedTag(tag, at: at) }
        offset += 1
        try countValues(1, at: at)
        return try readString(body, tag: tag, at: at, build: true)
    }

    /// Any int or long encoding, widened to `Int64`. Any other tag throws `.unexpectedTag` without moving `offset`.
    public mutating func decodeInteger(in body: Span<UInt8>) throws(HessianError) -> Int64 {
        try checkOffset(body)
        let at = offset
        guard at < body.count else { throw .truncated(at: at) }
        let tag = body[at]
        if HessianTag.isInt(tag) {
            offset += 1
            try countValues(1, at: at)
            return Int64(try readInt(body, tag: tag, at: at))
        }
        guard HessianTag.isLong(tag) else { throw .unexpectedTag(tag, at: at) }
        offset += 1
        try countValues(1, at: at)
        return try readLong(body, tag: tag, at: at)
    }

    /// Forgets the class definitions, types and references of the previous body and moves `offset` to 0.
    public mutating func reset() {
        offset = 0
        valueCount = 0
        classDefinitions.removeAll(keepingCapacity: true)
        types.removeAll(keepingCapacity: true)
        references.removeAll(keepingCapacity: true)
        // Keep a modest scratch buffer between bodies, but do not pin the memory of one huge string.
        if scratch.capacity > 1 << 16 { scratch = [] } else { scratch.removeAll(keepingCapacity: true) }
    }

    // MARK: Bookkeeping

    private func checkOffset(_ body: Span<UInt8>) throws(HessianError) {
        guard offset >= 0, offset <= body.count else { throw .truncated(at: offset) }
    }

    /// Adds `count` values to the body's total; throws once it exceeds `maxValuesPerBody`.
    mutating func countValues(_ count: Int, at: Int) throws(HessianError) {
        valueCount += count
        guard valueCount <= limits.maxValuesPerBody else { throw .valueLimitExceeded(at: at) }
    }
}
