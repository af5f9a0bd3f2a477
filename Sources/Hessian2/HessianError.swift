/// Why a Hessian body could not be decoded. Every case carries the byte offset in the body where the problem
/// was found (the tag or length field of the offending item).
public enum HessianError: Error, Equatable, Sendable {
    /// The body ends before the item at `at` is complete, or a declared length needs more bytes than remain.
    case truncated(at: Int)
    /// A valid byte code where this position does not allow it (e.g. `'Z'` as a value, an int where a string
    /// is required).
    case unexpectedTag(UInt8, at: Int)
    /// A byte code Hessian 2.0 does not define for values (`0x40`, `0x45`, `0x47`, `0x50`).
    case reservedTag(UInt8, at: Int)
    /// Lists, maps and objects nested deeper than `Limits.maxHessianDepth`.
    case depthLimitExceeded(at: Int)
    /// A list, map or class definition declaring or holding more than `Limits.maxCollectionCount` items.
    case collectionTooLarge(count: Int, at: Int)
    /// A length or count that is negative.
    case negativeLength(Int, at: Int)
    /// A string longer than `Limits.maxStringLength` UTF-16 units (all chunks together).
    case stringTooLong(length: Int, at: Int)
    /// More than `Limits.maxClassDefinitions` class definitions in one body.
    case tooManyClassDefinitions(at: Int)
    /// More than `Limits.maxValuesPerBody` values, references expanded.
    case valueLimitExceeded(at: Int)
    /// A value reference (`0x51`) to an index that was never assigned.
    case invalidReference(Int, at: Int)
    /// An object instance naming a class definition that does not exist.
    case invalidClassReference(Int, at: Int)
    /// A type reference (an int in a type position) beyond the type table.
    case invalidTypeReference(Int, at: Int)
    /// A string character whose bytes are not a 1-, 2-, 3- or 4-byte UTF-8 sequence.
    case invalidUTF8(at: Int)

    /// The byte offset carried by every case.
    public var offset: Int {
        switch self {
        case .truncated(let at), .unexpectedTag(_, let at), .reservedTag(_, let at), .depthLimitExceeded(let at),
            .collectionTooLarge(_, let at), .negativeLength(_, let at), .stringTooLong(_, let at),
            .tooManyClassDefinitions(let at), .valueLimitExceeded(let at), .invalidReference(_, let at),
            .invalidClassReference(_, let at), .invalidTypeReference(_, let at), .invalidUTF8(let at):
            return at
        }
    }
}

extension HessianError: CustomStringConvertible {
    /// One line for humans, e.g. `hessian: unexpected tag 0x5a at offset 12`.
    public var description: String {
        switch self {
        case .truncated(let at):
            return "hessian: truncated value at offset \(at)"
        case .unexpectedTag(let tag, let at):
            return "hessian: unexpected tag \(Self.hex(tag)) at offset \(at)"
        case .reservedTag(let tag, let at):
            return "hessian: reserved tag \(Self.hex(tag)) at offset \(at)"
        case .depthLimitExceeded(let at):
            return "hessian: nesting too deep at offset \(at)"
        case .collectionTooLarge(let count, let at):
            return "hessian: collection of \(count) items too large at offset \(at)"
        case .negativeLength(let length, let at):
            return "hessian: negative length \(length) at offset \(at)"
        case .stringTooLong(let length, let at):
            return "hessian: string of \(length) chars too long at offset \(at)"
        case .tooManyClassDefinitions(let at):
            return "hessian: too many class definitions at offset \(at)"
        case .valueLimitExceeded(let at):
            return "hessian: too many values in body at offset \(at)"
        case .invalidReference(let index, let at):
            return "hessian: reference to unknown value #\(index) at offset \(at)"
        case .invalidClassReference(let index, let at):
            return "hessian: reference to unknown class definition #\(index) at offset \(at)"
        case .invalidTypeReference(let index, let at):
            return "hessian: reference to unknown type #\(index) at offset \(at)"
        case .invalidUTF8(let at):
            return "hessian: invalid UTF-8 in string at offset \(at)"
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }
}
