/// Why a JSONB document could not be decoded. Every case carries the byte offset in the document where the
/// problem was found (the type byte or length of the offending item).
public enum JSONBError: Error, Equatable, Sendable {
    /// The document ends before the item at `at` is complete, or a declared length needs more bytes than remain.
    case truncated(at: Int)
    /// A type byte JSONB does not define (`0x80`–`0x8F`), or one not allowed where it stands (an object end
    /// outside an object, a non-integer where a length is needed).
    case unknownType(UInt8, at: Int)
    case unexpectedType(UInt8, at: Int)
    /// Objects and arrays nested deeper than `Limits.maxHessianDepth`.
    case depthLimitExceeded(at: Int)
    /// An array declaring, or an object holding, more than `Limits.maxCollectionCount` items.
    case collectionTooLarge(count: Int, at: Int)
    /// A negative length or count.
    case negativeLength(Int, at: Int)
    /// A string longer than `Limits.maxStringLength` bytes, or binary longer than the body.
    case stringTooLong(length: Int, at: Int)
    /// A big integer longer than `Limits.maxJSONBBigNumberBytes`.
    case numberTooLong(length: Int, at: Int)
    /// More than `Limits.maxJSONBSymbols` symbol definitions in one document.
    case tooManySymbols(at: Int)
    /// A symbol reference to a number never defined in this document, or to the external symbol table
    /// (negative numbers) that Dubbo does not use.
    case undefinedSymbol(Int, at: Int)
    /// More than `Limits.maxValuesPerBody` values in the body, references counting what they point to.
    case valueLimitExceeded(at: Int)
    /// A reference path longer than `Limits.maxJSONBPathLength` bytes or deeper than `maxHessianDepth`
    /// segments, or one that does not parse.
    case badReferencePath(at: Int)
    /// A reference path naming nothing decoded so far.
    case unresolvedReference(String, at: Int)
    /// A date or time field out of range (month 13, hour 25, …).
    case invalidDate(at: Int)
    /// A string in an encoding this system cannot convert (GB18030 without iconv support) or with bytes
    /// invalid in it.
    case unconvertibleString(encoding: String, at: Int)
    /// Bytes left over after the document's one value.
    case trailingBytes(count: Int, at: Int)

    /// The byte offset carried by every case.
    public var offset: Int {
        switch self {
        case .truncated(let at), .unknownType(_, let at), .unexpectedType(_, let at), .depthLimitExceeded(let at),
            .collectionTooLarge(_, let at), .negativeLength(_, let at), .stringTooLong(_, let at),
            .numberTooLong(_, let at), .tooManySymbols(let at), .undefinedSymbol(_, let at),
            .valueLimitExceeded(let at), .badReferencePath(let at), .unresolvedReference(_, let at),
            .invalidDate(let at), .unconvertibleString(_, let at), .trailingBytes(_, let at):
            return at
        }
    }

    /// Whether the error only says the bytes stopped: what a cut-off body (`partial_body`) is expected to hit.
    public var isTruncation: Bool {
        if case .truncated = self { return true }
        return false
    }
}

extension JSONBError: CustomStringConvertible {
    /// One line for humans, e.g. `jsonb: unknown type 0x85 at offset 12`.
    public var description: String {
        switch self {
        case .truncated(let at): "jsonb: truncated value at offset \(at)"
        case .unknownType(let type, let at): "jsonb: unknown type \(Self.hex(type)) at offset \(at)"
        case .unexpectedType(let type, let at): "jsonb: unexpected type \(Self.hex(type)) at offset \(at)"
        case .depthLimitExceeded(let at): "jsonb: nesting too deep at offset \(at)"
        case .collectionTooLarge(let count, let at): "jsonb: collection of \(count) items too large at offset \(at)"
        case .negativeLength(let length, let at): "jsonb: negative length \(length) at offset \(at)"
        case .stringTooLong(let length, let at): "jsonb: string of \(length) bytes too long at offset \(at)"
        case .numberTooLong(let length, let at): "jsonb: big number of \(length) bytes too long at offset \(at)"
        case .tooManySymbols(let at): "jsonb: too many symbols at offset \(at)"
        case .undefinedSymbol(let symbol, let at): "jsonb: undefined symbol \(symbol) at offset \(at)"
        case .valueLimitExceeded(let at): "jsonb: too many values in body at offset \(at)"
        case .badReferencePath(let at): "jsonb: bad reference path at offset \(at)"
        case .unresolvedReference(let path, let at): "jsonb: reference \"\(Self.printable(path))\" to nothing at offset \(at)"
        case .invalidDate(let at): "jsonb: invalid date or time at offset \(at)"
        case .unconvertibleString(let encoding, let at): "jsonb: \(encoding) string not convertible at offset \(at)"
        case .trailingBytes(let count, let at): "jsonb: \(count) bytes after the value at offset \(at)"
        }
    }

    /// At most 64 characters of wire text, control characters as `?`: a message stays one line.
    private static func printable(_ text: String) -> String {
        String(text.prefix(64).map { $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && !$0.properties.isWhitespace || $0 == " " } ? $0 : "?" })
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }
}
