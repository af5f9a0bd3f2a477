/// One decoded Hessian 2.0 value, as hessian-lite writes it (PROTOCOL §5), with no Dubbo meaning attached.
///
/// Containers are value types backed by copy-on-write arrays, so a back-reference to a completed container is
/// a cheap copy that shares storage with the original.
public enum HessianValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int32)
    case long(Int64)
    /// Every double encoding, including `0x5F` (int32 milli-units, §5.7 pitfall 1).
    case double(Double)
    /// `0x4A` (milliseconds) or `0x4B` (minutes, converted to milliseconds).
    case date(millisecondsSinceEpoch: Int64)
    /// Surrogate pairs joined; a lone surrogate is U+FFFD.
    case string(String)
    case binary([UInt8])
    case list(HessianList)
    case map(HessianMap)
    case object(HessianObject)
    /// A back-reference to a list, map or object that was still being decoded when the reference was read
    /// (a cycle, such as an exception whose `cause` is itself), or that was skipped with `skipValue`.
    case reference(Int)

    // Cases other serializers need (fastjson2 JSONB, docs/RECORDS.md); Hessian itself never produces them.
    /// A number kept as its exact decimal text (a big integer or big decimal): a valid JSON number such as
    /// `-12345678901234567890` or `3.14159` or `12E+3`, rendered as written.
    case number(String)
    /// A date or time whose ISO 8601 text is given: a local date, time or date-time (no zone: `2024-05-06`,
    /// `10:11:12.5`, `2024-05-06T10:11:12`), an instant with nanoseconds, or a date-time in a named zone.
    /// Rendered `{"$date": "<text>"}` like `.date`.
    case dateText(String)
    /// A reference by path (`$.a.b[3]`, `..`) to a container still being decoded (a cycle), rendered
    /// `{"$ref": "<path>"}`.
    case referencePath(String)
}

extension HessianValue {
    /// The string payload, or `nil` for any other case.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An int or long widened to `Int64`, or `nil` for any other case.
    public var integerValue: Int64? {
        switch self {
        case .int(let value): return Int64(value)
        case .long(let value): return value
        default: return nil
        }
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
