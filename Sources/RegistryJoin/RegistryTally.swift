/// Counts of registry statuses over a run, for the closing summary.
public struct RegistryTally: Sendable, Equatable {
    public private(set) var counts: [RegistryStatus: Int] = [:]
    /// Records whose service was taken from the registry.
    public private(set) var inferredServices = 0
    /// Records that got a provider application.
    public private(set) var namedProviders = 0
    public private(set) var records = 0
    /// Records whose wire serialization the matched provider does not list (`registered_serializations`).
    public private(set) var serializationNotRegistered = 0

    public init() {}

    public mutating func add(_ annotation: RegistryAnnotation, serialization: String? = nil) {
        records += 1
        if let serialization, annotation.doesNotList(serialization) { serializationNotRegistered += 1 }
        counts[annotation.status, default: 0] += 1
        if annotation.serviceInferred { inferredServices += 1 }
        if annotation.providerApplication != nil { namedProviders += 1 }
    }

    public subscript(status: RegistryStatus) -> Int { counts[status] ?? 0 }

    /// `  registry: 12 records, provider named for 10; registered 9, not_registered 1, … services inferred 1`
    public var text: String {
        let statuses = RegistryStatus.allCases.filter { $0 != .noRegistry && $0 != .namedFromCapture }
            .map { "\($0.rawValue) \(self[$0])" }.joined(separator: ", ")
        return "  registry: \(records) records, provider named for \(namedProviders); \(statuses)"
            + (self[.noRegistry] > 0 ? ", no_registry \(self[.noRegistry])" : "")
            + (self[.namedFromCapture] > 0 ? ", named_from_capture \(self[.namedFromCapture])" : "")
            + "; services inferred \(inferredServices)"
            + (serializationNotRegistered > 0 ? "; serialization not registered \(serializationNotRegistered)" : "") + "\n"
    }
}
