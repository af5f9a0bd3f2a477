/// A Hessian map: `'H'` (untyped) or `'M'` (typed), entries in wire order (PROTOCOL §5.2).
public struct HessianMap: Sendable, Equatable {
    /// The Java map class written with `'M'` (`java.util.LinkedHashMap`, …); `nil` for `'H'`.
    public var type: String?
    /// Entries in the order they were written; duplicate keys are kept as written.
    public var entries: [HessianMapEntry]

    public init(type: String? = nil, entries: [HessianMapEntry] = []) {
        self.type = type
        self.entries = entries
    }

    /// The value of the first entry whose key is the string `key`; linear in the number of entries.
    public subscript(key: String) -> HessianValue? {
        for entry in entries {
            if case .string(let candidate) = entry.key, candidate == key { return entry.value }
        }
        return nil
    }
}
