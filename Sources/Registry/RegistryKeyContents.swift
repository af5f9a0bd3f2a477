/// What one registry key held when it was last read: its raw hash and what could be made of it.
public struct RegistryKeyContents: Sendable, Equatable {
    public var key: String
    /// `<interface>` and `<category>` from `<root><interface>/<category>`; nil when the key has another shape.
    public var interface: String?
    public var category: RegistryCategory?
    /// The hash as read: URL text → expiry text. Kept so a directory can be saved and re-read unchanged.
    public var fields: [String: String]
    public var entries: [RegistryEntry]
    public var problems: [RegistryProblem]
    /// Wall-clock epoch milliseconds of the read.
    public var observedAtMilliseconds: Int64

    /// Parses every field of one hash. Malformed URLs and expiries become `problems`; nothing throws.
    public init(
        key: String, root: String, fields: [String: String], observedAtMilliseconds: Int64,
        limits: RegistryLimits = .default
    ) {
        self.key = key
        self.fields = fields
        self.observedAtMilliseconds = observedAtMilliseconds
        self.entries = []
        self.problems = []
        guard let (interface, category) = Self.split(key: key, root: root) else {
            problems.append(RegistryProblem(key: key, field: nil, reason: "not a \(root)<interface>/<category> key"))
            return
        }
        self.interface = interface
        self.category = category
        // Sorted, so that entries and problems come out in the same order on every read.
        for url in fields.keys.sorted() {
            let expiryText = fields[url] ?? ""
            let parsed: DubboURL
            do {
                parsed = try DubboURL(parsing: url, maxLength: limits.maxURLLength)
            } catch {
                problems.append(RegistryProblem(key: key, field: url, reason: "malformed URL (\(error))"))
                continue
            }
            let expiry = Int64(expiryText.trimmingSpaces)
            if expiry == nil, expiryText != RegistryEntry.presenceMarker {
                problems.append(
                    RegistryProblem(
                        key: key, field: url,
                        reason: "expiry '\(Redaction.shortened(expiryText, limit: 40))' is not epoch milliseconds"
                    )
                )
            }
            entries.append(
                RegistryEntry(
                    key: key, keyInterface: interface, category: category, url: parsed, expiresAtMilliseconds: expiry,
                    observedAtMilliseconds: observedAtMilliseconds
                )
            )
        }
    }

    /// `/dubbo/com.foo.Bar/providers` under root `/dubbo/` → (`com.foo.Bar`, `.providers`).
    static func split(key: String, root: String) -> (String, RegistryCategory)? {
        guard key.hasPrefix(root) else { return nil }
        let rest = key.dropFirst(root.count)
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let interface = rest[..<slash]
        let category = rest[rest.index(after: slash)...]
        guard !interface.isEmpty, !category.isEmpty else { return nil }
        return (String(interface), RegistryCategory(String(category)))
    }
}
