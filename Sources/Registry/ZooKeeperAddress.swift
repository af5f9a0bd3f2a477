/// Where a Dubbo ZooKeeper registry lives, as Dubbo users write it (PROTOCOL.md §6.6):
///
/// * `zookeeper://host:port`, default port 2181;
/// * `zookeeper://h1:p1,h2:p2` or `zookeeper://host:port?backup=h2:p2,h3:p3` (one ensemble, several servers);
/// * parameters `group` (interface-level root: `dubbo` → `/dubbo`, as `ZookeeperRegistry` builds it), `rootPath`
///   (application-level root, default `/services`, as `ZookeeperServiceDiscovery` reads it), `timeout` (connect
///   timeout, ms) and `session` (session timeout, ms).
///
/// Dubbo's other parameters are accepted and ignored. Credentials are not supported (ZooKeeper digest auth is
/// rare for registries); a user-info part is refused rather than silently dropped.
public struct ZooKeeperAddress: Sendable, Equatable, CustomStringConvertible {
    /// Every server, main one first, duplicates removed (`RedisNode` is just host and port).
    public var servers: [RedisNode]
    public var group: String
    public var servicesRoot: String
    public var timeoutMilliseconds: Int
    public var sessionTimeoutMilliseconds: Int

    public static let defaultPort = 2_181
    /// Shorter than Dubbo's 30 s connect timeout: a command-line reader should give up sooner.
    public static let defaultTimeoutMilliseconds = 5_000
    /// The client notices a silent server after two thirds of this; ZooKeeper servers allow 4 s to 40 s by default.
    public static let defaultSessionTimeoutMilliseconds = 10_000
    public static let defaultServicesRoot = "/services"

    public init(
        servers: [RedisNode], group: String = "dubbo", servicesRoot: String = ZooKeeperAddress.defaultServicesRoot,
        timeoutMilliseconds: Int = ZooKeeperAddress.defaultTimeoutMilliseconds,
        sessionTimeoutMilliseconds: Int = ZooKeeperAddress.defaultSessionTimeoutMilliseconds
    ) {
        self.servers = servers
        self.group = group
        self.servicesRoot = servicesRoot
        self.timeoutMilliseconds = timeoutMilliseconds
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
    }

    /// The interface-level root znode, `/dubbo`.
    public var root: String {
        var root = group.hasPrefix("/") ? group : "/" + group
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        return root
    }

    /// The service-name mapping of Dubbo 3 (`/dubbo/mapping/<interface>`).
    public var mappingRoot: String { root + "/mapping" }

    /// `h1:p1,h2:p2`, as the C client takes it.
    var connectString: String { servers.map(\.description).joined(separator: ",") }

    public var description: String {
        var text = "zookeeper://" + (servers.first?.description ?? "")
        var parameters: [String] = []
        if servers.count > 1 {
            parameters.append("backup=" + servers.dropFirst().map(\.description).joined(separator: ","))
        }
        if group != "dubbo" { parameters.append("group=\(group)") }
        if servicesRoot != Self.defaultServicesRoot { parameters.append("rootPath=\(servicesRoot)") }
        if timeoutMilliseconds != Self.defaultTimeoutMilliseconds { parameters.append("timeout=\(timeoutMilliseconds)") }
        if sessionTimeoutMilliseconds != Self.defaultSessionTimeoutMilliseconds {
            parameters.append("session=\(sessionTimeoutMilliseconds)")
        }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }
}

extension ZooKeeperAddress {
    /// Parses `zookeeper://…` (the scheme is required: without one an address means Redis, as before).
    public init(parsing text: String) throws(RegistryError) {
        let parts = try RegistryAddressText(text, schemes: ["zookeeper"])
        func invalid(_ reason: String) -> RegistryError { .invalidAddress(parts.shown, reason: reason) }
        guard parts.userInfo == nil else { throw invalid("credentials are not supported for ZooKeeper") }
        var servers = try parts.hosts.map { (host) throws(RegistryError) in
            try RegistryAddressText.parseNode(host, defaultPort: Self.defaultPort, invalid: invalid)
        }
        var group = "dubbo"
        var servicesRoot = Self.defaultServicesRoot
        var timeout = Self.defaultTimeoutMilliseconds
        var session = Self.defaultSessionTimeoutMilliseconds
        func milliseconds(_ value: String, _ name: String) throws(RegistryError) -> Int {
            guard let number = Int(value), number > 0, number <= RegistryAddress.maxTimeoutMilliseconds else {
                throw invalid("\(name) must be 1...\(RegistryAddress.maxTimeoutMilliseconds) milliseconds, got '\(value)'")
            }
            return number
        }
        for (key, value) in parts.parameters {
            switch key.lowercased() {
            case "backup":
                for backup in value.split(separator: ",", omittingEmptySubsequences: true) {
                    servers.append(
                        try RegistryAddressText.parseNode(backup, defaultPort: Self.defaultPort, invalid: invalid))
                }
            case "group":
                guard Self.isZnodePath(value, allowingSlashes: false) else {
                    throw invalid("group must name a znode, e.g. group=dubbo")
                }
                group = value
            case "rootpath":
                guard value.hasPrefix("/"), value.count > 1, Self.isZnodePath(value, allowingSlashes: true) else {
                    throw invalid("rootPath must be a znode path such as /services")
                }
                servicesRoot = value.hasSuffix("/") ? String(value.dropLast()) : value
            case "timeout":
                timeout = try milliseconds(value, "timeout")
            case "session":
                session = try milliseconds(value, "session")
            default:
                break
            }
        }
        var unique: [RedisNode] = []
        for server in servers where !unique.contains(server) { unique.append(server) }
        guard !unique.isEmpty else { throw invalid("no host") }
        guard unique.count <= RegistryAddress.maxNodes else { throw invalid("more than \(RegistryAddress.maxNodes) servers") }
        self.init(
            servers: unique, group: group, servicesRoot: servicesRoot, timeoutMilliseconds: timeout,
            sessionTimeoutMilliseconds: session)
    }

    /// A znode name (or, with slashes, a path): not empty, no `.`/`..` component, no empty component, printable.
    private static func isZnodePath(_ text: String, allowingSlashes: Bool) -> Bool {
        let trimmed = text.hasPrefix("/") ? text.dropFirst() : Substring(text)
        let components = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, allowingSlashes || components.count == 1 || (components.count == 2 && components[1].isEmpty)
        else { return false }
        for (index, component) in components.enumerated() {
            if component.isEmpty, index == components.count - 1, index > 0 { continue }
            guard !component.isEmpty, component != ".", component != "..",
                component.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F })
            else { return false }
        }
        return true
    }
}
