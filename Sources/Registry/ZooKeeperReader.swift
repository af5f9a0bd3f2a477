import InspectorCore

/// Reads a Dubbo ZooKeeper registry once, both layouts (PROTOCOL.md §6.6), into a `ServiceDirectory`:
///
/// * interface-level: `<root>/<interface>/<category>/<URL-encoded URL>` — each category becomes the directory key
///   `<root>/<interface>/<category>` whose fields are the decoded URLs (no expiry: a znode lives while its owner's
///   session does, so presence is liveness);
/// * application-level: `<servicesRoot>/<application>/<ip:port>` instance JSON, and the mapping
///   `<root>/mapping/<interface>` (comma-separated applications).
///
/// `<root>/config` and `<root>/metadata` (Dubbo's configuration centre and metadata report) are not registrations
/// and are skipped. Only `exists`, `get children` and `get` are sent. Bounded by `RegistryLimits`: children per
/// znode and data per znode (both checked before fetching), znodes per read, and wall time per read.
public struct ZooKeeperReader: Sendable {
    public var address: ZooKeeperAddress
    public var limits: RegistryLimits

    public init(address: ZooKeeperAddress, limits: RegistryLimits = .default) {
        self.address = address
        self.limits = limits
    }

    public struct Result: Sendable {
        public var directory: ServiceDirectory
        /// The server that answered, `host:port`.
        public var server: String
    }

    /// Connects (the client tries the servers of the ensemble in turn), reads everything, and closes.
    public func read() throws(RegistryError) -> Result {
        let session: ZooKeeperSession
        do {
            session = try Self.open(address, limits: limits)
        } catch {
            throw .allNodesFailed([error])
        }
        defer { session.close() }
        let directory = try Self.readDirectory(session, address: address, limits: limits, watch: false)
        return Result(directory: directory, server: session.currentServer ?? address.connectString)
    }

    static func open(_ address: ZooKeeperAddress, limits: RegistryLimits) throws(RegistryError) -> ZooKeeperSession {
        try ZooKeeperSession(
            hosts: address.connectString, sessionTimeoutMilliseconds: address.sessionTimeoutMilliseconds,
            connectTimeoutMilliseconds: address.timeoutMilliseconds, limits: limits)
    }

    /// The directory key root (`/dubbo/`) for an address.
    static func directoryRoot(_ address: ZooKeeperAddress) -> String { address.root + "/" }

    /// Znode subtrees under the interface-level root that are not interfaces.
    static let skippedRootChildren: Set<String> = ["mapping", "config", "metadata"]

    /// Everything, optionally leaving watches on every znode read (the watcher's full read).
    static func readDirectory(
        _ session: ZooKeeperSession, address: ZooKeeperAddress, limits: RegistryLimits, watch: Bool
    ) throws(RegistryError) -> ServiceDirectory {
        var budget = ReadBudget(limits: limits, server: session.currentServer ?? address.connectString)
        var keys: [RegistryKeyContents] = []
        for interface in try budget.children(session, address.root, watch: watch) {
            guard !skippedRootChildren.contains(interface) else { continue }
            let interfacePath = address.root + "/" + interface
            for category in try budget.children(session, interfacePath, watch: watch) {
                keys.append(
                    try readCategory(
                        session, path: interfacePath + "/" + category, address: address, budget: &budget,
                        watch: watch))
            }
        }
        var directory = ServiceDirectory(
            root: directoryRoot(address), source: address.description, keys: keys)
        var instances: [ServiceInstance] = []
        var problems: [RegistryProblem] = []
        for application in try budget.children(session, address.servicesRoot, watch: watch) {
            let (found, trouble) = try readApplication(
                session, application: application, address: address, budget: &budget, watch: watch)
            instances += found
            problems += trouble
        }
        var mappings: [String: [String]] = [:]
        for interface in try budget.children(session, address.mappingRoot, watch: watch) {
            let (applications, trouble) = try readMapping(
                session, interface: interface, address: address, budget: &budget, watch: watch)
            if let applications { mappings[interface] = applications }
            problems += trouble
        }
        directory = directory.replacingApplicationLevel(instances: instances, mappings: mappings, problems: problems)
        return directory
    }

    /// One `<root>/<interface>/<category>` znode's children as a directory key.
    static func readCategory(
        _ session: ZooKeeperSession, path: String, address: ZooKeeperAddress, budget: inout ReadBudget, watch: Bool
    ) throws(RegistryError) -> RegistryKeyContents {
        var fields: [String: String] = [:]
        for name in try budget.children(session, path, watch: watch) {
            fields[ZooKeeperLayout.url(fromNodeName: name)] = RegistryEntry.presenceMarker
        }
        return RegistryKeyContents(
            key: path, root: directoryRoot(address), fields: fields,
            observedAtMilliseconds: SystemClock.wallMilliseconds, limits: budget.limits)
    }

    /// Every instance of one application; unusable instance znodes become problems.
    static func readApplication(
        _ session: ZooKeeperSession, application: String, address: ZooKeeperAddress, budget: inout ReadBudget,
        watch: Bool
    ) throws(RegistryError) -> ([ServiceInstance], [RegistryProblem]) {
        let applicationPath = address.servicesRoot + "/" + application
        var instances: [ServiceInstance] = []
        var problems: [RegistryProblem] = []
        for id in try budget.children(session, applicationPath, watch: watch) {
            let path = applicationPath + "/" + id
            switch try budget.data(session, path, watch: watch) {
            case .bytes(let bytes):
                do {
                    instances.append(
                        try ServiceInstance(
                            path: path, data: bytes, observedAtMilliseconds: SystemClock.wallMilliseconds))
                } catch {
                    problems.append(RegistryProblem(key: path, field: nil, reason: error.reason))
                }
            case .tooLarge(let size):
                problems.append(
                    RegistryProblem(
                        key: path, field: nil,
                        reason: "instance data of \(size) bytes is larger than \(budget.limits.maxZooKeeperDataBytes)"))
            case .missing:
                continue  // gone between the listing and the read
            }
        }
        return (instances, problems)
    }

    /// One mapping znode: nil applications when it is gone; a problem when unusable.
    static func readMapping(
        _ session: ZooKeeperSession, interface: String, address: ZooKeeperAddress, budget: inout ReadBudget,
        watch: Bool
    ) throws(RegistryError) -> ([String]?, [RegistryProblem]) {
        let path = address.mappingRoot + "/" + interface
        switch try budget.data(session, path, watch: watch) {
        case .bytes(let bytes):
            return (ZooKeeperLayout.applications(fromMapping: bytes), [])
        case .tooLarge(let size):
            let reason = "mapping of \(size) bytes is larger than \(budget.limits.maxZooKeeperDataBytes)"
            return (nil, [RegistryProblem(key: path, field: nil, reason: reason)])
        case .missing:
            return (nil, [])
        }
    }
}

/// Counts znodes and time across one read, so that no registry can make it run without end.
struct ReadBudget {
    let limits: RegistryLimits
    let server: String
    private var visited = 0
    private let deadline: Int64

    init(limits: RegistryLimits, server: String) {
        self.limits = limits
        self.server = server
        deadline = SystemClock.monotonicMilliseconds + limits.maxZooKeeperReadMilliseconds
    }

    private mutating func spend(_ count: Int, _ path: String) throws(RegistryError) {
        visited += count
        guard visited <= limits.maxZooKeeperNodes else {
            throw .limitExceeded(node: server, what: "znodes in one read", limit: limits.maxZooKeeperNodes)
        }
        guard SystemClock.monotonicMilliseconds < deadline else {
            throw .timedOut(node: server, command: "read of \(path) (whole read over \(limits.maxZooKeeperReadMilliseconds) ms)")
        }
    }

    /// Children of `path`, none when it does not exist.
    mutating func children(_ session: ZooKeeperSession, _ path: String, watch: Bool) throws(RegistryError) -> [String] {
        let names = try session.children(path, watch: watch) ?? []
        try spend(1 + names.count, path)
        return names
    }

    mutating func data(
        _ session: ZooKeeperSession, _ path: String, watch: Bool
    ) throws(RegistryError) -> ZooKeeperSession.Data {
        try spend(1, path)
        return try session.data(path, watch: watch)
    }
}

/// Names and paths of the Dubbo ZooKeeper layouts.
public enum ZooKeeperLayout {
    /// A provider/consumer znode name → the URL text: Dubbo writes `URL.encode(url.toFullString())`, Java's
    /// form encoding (`+` for a space, `%XX` for the rest).
    public static func url(fromNodeName name: String) -> String {
        PercentDecoding.decodeForm(name)
    }

    /// A mapping znode's data: comma-separated application names, trimmed, empty ones and duplicates dropped.
    public static func applications(fromMapping bytes: [UInt8]) -> [String] {
        var names: [String] = []
        for part in String(decoding: bytes, as: UTF8.self).split(separator: ",") {
            let name = String(part).trimmingSpaces
            if !name.isEmpty, name.utf8.count <= 1_024, !names.contains(name) { names.append(name) }
            if names.count >= 4_096 { break }
        }
        return names
    }
}
