public import NetworkLayers

/// What the registry said, as an immutable value: every key read, and indexes for joining with traffic —
/// provider endpoint `ip:port` → the providers registered there, consumer host → the consumers registered there.
///
/// A value type (`Sendable`): a watcher publishes a new one on every change and readers keep whichever they
/// took, so the analysis never waits on the registry. Updating one key re-indexes only that key's entries.
public struct ServiceDirectory: Sendable, Equatable {
    /// The key root, `/dubbo/` by default.
    public let root: String
    /// Where it came from, for messages: a redacted registry address or a snapshot path.
    public let source: String
    public private(set) var keys: [String: RegistryKeyContents]
    private var providerIndex: [Bucket: [RegistryEntry]] = [:]
    private var consumerIndex: [Bucket: [RegistryEntry]] = [:]
    /// Dubbo 3 application-level instances by znode path, and the interface → applications mapping
    /// (ServiceDirectory+Instances.swift).
    public internal(set) var instances: [String: ServiceInstance] = [:]
    public internal(set) var mappings: [String: [String]] = [:]
    var instanceIndex: [Endpoint: [ServiceInstance]] = [:]
    /// Problems found outside registry keys (instance znodes, mappings), ordered by path.
    var nodeProblems: [RegistryProblem] = []

    /// An index key: an IP endpoint or address, which captured traffic can match (hashing it needs no text), or a
    /// host name, which only listings show.
    private enum Bucket: Hashable, Sendable {
        case endpoint(Endpoint)
        case address(IPAddress)
        case named(String)
    }

    public init(root: String, source: String, keys: [RegistryKeyContents] = []) {
        self.root = root
        self.source = source
        self.keys = [:]
        for contents in keys { insert(contents) }
    }

    /// Parses raw hashes (key → URL → expiry), all read at `observedAtMilliseconds`.
    public init(
        root: String, source: String, hashes: [String: [String: String]], observedAtMilliseconds: Int64,
        limits: RegistryLimits = .default
    ) {
        self.init(
            root: root, source: source,
            keys: hashes.map {
                RegistryKeyContents(
                    key: $0.key, root: root, fields: $0.value, observedAtMilliseconds: observedAtMilliseconds,
                    limits: limits
                )
            }
        )
    }

    public static func == (lhs: ServiceDirectory, rhs: ServiceDirectory) -> Bool {
        lhs.root == rhs.root && lhs.keys == rhs.keys && lhs.instances == rhs.instances && lhs.mappings == rhs.mappings
            && lhs.nodeProblems == rhs.nodeProblems
    }

    // MARK: Updating

    /// A copy with `contents` in place of whatever that key held.
    public func replacing(_ contents: RegistryKeyContents) -> ServiceDirectory {
        var copy = self
        copy.remove(key: contents.key)
        copy.insert(contents)
        return copy
    }

    /// A copy without `key` (its hash was deleted or emptied).
    public func removing(key: String) -> ServiceDirectory {
        var copy = self
        copy.remove(key: key)
        return copy
    }

    private mutating func insert(_ contents: RegistryKeyContents) {
        guard !contents.fields.isEmpty || !contents.problems.isEmpty else { return }
        keys[contents.key] = contents
        var touchedProviders = Set<Bucket>()
        var touchedConsumers = Set<Bucket>()
        for entry in contents.entries {
            if let bucket = Self.providerBucket(entry) {
                providerIndex[bucket, default: []].append(entry)
                touchedProviders.insert(bucket)
            }
            if let bucket = Self.consumerBucket(entry) {
                consumerIndex[bucket, default: []].append(entry)
                touchedConsumers.insert(bucket)
            }
        }
        // Key order (stable sort: a key's entries keep their URL order), so every query answers the same way
        // whatever order the keys were read or updated in.
        for bucket in touchedProviders { providerIndex[bucket]?.sort { $0.key < $1.key } }
        for bucket in touchedConsumers { consumerIndex[bucket]?.sort { $0.key < $1.key } }
    }

    private mutating func remove(key: String) {
        guard let old = keys.removeValue(forKey: key) else { return }
        for entry in old.entries {
            if let bucket = Self.providerBucket(entry) {
                providerIndex[bucket]?.removeAll { $0.key == key }
                if providerIndex[bucket]?.isEmpty == true { providerIndex[bucket] = nil }
            }
            if let bucket = Self.consumerBucket(entry) {
                consumerIndex[bucket]?.removeAll { $0.key == key }
                if consumerIndex[bucket]?.isEmpty == true { consumerIndex[bucket] = nil }
            }
        }
    }

    /// Providers by endpoint: `10.0.0.2`, `::ffff:…` and bracketed or bare IPv6 spellings all parse to the address
    /// a capture shows; a named host keeps its lower-cased name.
    private static func providerBucket(_ entry: RegistryEntry) -> Bucket? {
        guard entry.category == .providers, let port = entry.url.port else { return nil }
        if let address = entry.url.address { return .endpoint(Endpoint(address: address, port: port)) }
        return .named(entry.url.host.lowercased() + ":\(port)")
    }

    private static func consumerBucket(_ entry: RegistryEntry) -> Bucket? {
        guard entry.category == .consumers else { return nil }
        if let address = entry.url.address { return .address(address) }
        return .named(entry.url.host.lowercased())
    }

    // MARK: Queries

    /// Providers registered at `endpoint`, stale ones included, in key then URL order.
    public func providers(at endpoint: Endpoint) -> [RegistryEntry] {
        providerIndex[.endpoint(endpoint)] ?? []
    }

    /// Consumers registered from `address` (consumer URLs carry no port), stale ones included.
    public func consumers(on address: IPAddress) -> [RegistryEntry] {
        consumerIndex[.address(address)] ?? []
    }

    /// Every entry, ordered by key then URL.
    public var entries: [RegistryEntry] {
        keys.keys.sorted().flatMap { keys[$0]?.entries ?? [] }
    }

    /// Every problem, ordered by key.
    public var problems: [RegistryProblem] {
        keys.keys.sorted().flatMap { keys[$0]?.problems ?? [] } + nodeProblems
    }

    public var providerCount: Int { providerIndex.values.reduce(0) { $0 + $1.count } }
    public var consumerCount: Int { consumerIndex.values.reduce(0) { $0 + $1.count } }
    /// Distinct provider endpoints.
    public var providerEndpointCount: Int { providerIndex.count }

    /// `3 providers at 2 endpoints, 1 consumer`.
    public var summary: String {
        let providers = providerCount
        let consumers = consumerCount
        let endpoints = providerEndpointCount
        return
            "\(providers) provider\(providers == 1 ? "" : "s") at \(endpoints) endpoint\(endpoints == 1 ? "" : "s"), "
            + "\(consumers) consumer\(consumers == 1 ? "" : "s")"
            + (instances.isEmpty ? "" : ", \(instances.count) application instance\(instances.count == 1 ? "" : "s")")
    }
}
