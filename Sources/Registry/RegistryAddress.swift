import InspectorCore

/// Where the Dubbo Redis registry lives, as Dubbo users write it (PROTOCOL.md §6.4):
///
/// * `redis://host:port`
/// * `redis://[user][:password@]host:port?backup=h2:p2,h3:p3&cluster=failover|replicate&group=dubbo&db.index=N`
///   `&timeout=MS`
/// * `host:port,host2:port2` (the scheme is optional; extra hosts are backups, as Dubbo's `UrlUtils.parseURL`
///   reads them)
///
/// `cluster=failover` (the default) uses the first node that answers, in the order written; `replicate` means
/// every node holds the data, so one is read at random and the others are the fallbacks. `group` sets the key
/// root (`dubbo` → `/dubbo/`). Parameters Dubbo accepts but a reader has no use for (`session`, `redis-client`,
/// …) are ignored.
///
/// The password is never printed: `description` and every error show `***` in its place.
public struct RegistryAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Cluster: String, Sendable, CaseIterable {
        case failover, replicate
    }

    /// The main node first, then the `backup` nodes, duplicates removed.
    public var nodes: [RedisNode]
    public var cluster: Cluster
    /// The registry group; the key root is `/<group>/`.
    public var group: String
    /// `db.index`: the Redis database selected after connecting.
    public var database: Int
    /// Connect, send and read timeout for every node (Dubbo's Jedis pools default to 1000 ms).
    public var timeoutMilliseconds: Int
    /// Redis 6 ACL user sent with `AUTH` (only when a password is given too).
    public var username: String?
    /// Sent with `AUTH`; internal so that nothing outside this module can print it.
    var password: String?

    public static let defaultTimeoutMilliseconds = 1_000
    /// The longest address text read (after trimming spaces), in UTF-8 bytes.
    public static let maxTextLength = 4_096
    public static let maxNodes = 32
    public static let maxTimeoutMilliseconds = 600_000

    public init(
        nodes: [RedisNode], cluster: Cluster = .failover, group: String = "dubbo", database: Int = 0,
        timeoutMilliseconds: Int = RegistryAddress.defaultTimeoutMilliseconds, username: String? = nil,
        password: String? = nil
    ) {
        self.nodes = nodes
        self.cluster = cluster
        self.group = group
        self.database = database
        self.timeoutMilliseconds = timeoutMilliseconds
        self.username = username
        self.password = password
    }

    /// The key prefix: `group` with a leading and a trailing `/`, as `RedisRegistry`'s constructor builds it.
    public var root: String {
        var root = group
        if !root.hasPrefix("/") { root = "/" + root }
        if !root.hasSuffix("/") { root += "/" }
        return root
    }

    public var hasPassword: Bool { password != nil }

    /// The address in its canonical form with the password replaced by `***`; default parameters are left out.
    public var description: String {
        var text = "redis://"
        if hasPassword {
            text += (username ?? "") + ":***@"
        } else if let username {
            text += username + "@"
        }
        text += nodes.first?.description ?? ""
        var parameters: [String] = []
        if nodes.count > 1 {
            parameters.append("backup=" + nodes.dropFirst().map(\.description).joined(separator: ","))
        }
        if cluster != .failover { parameters.append("cluster=\(cluster.rawValue)") }
        if database != 0 { parameters.append("db.index=\(database)") }
        if group != "dubbo" { parameters.append("group=\(group)") }
        if timeoutMilliseconds != Self.defaultTimeoutMilliseconds {
            parameters.append("timeout=\(timeoutMilliseconds)")
        }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }
}

// MARK: Parsing

extension RegistryAddress {
    /// Parses an address as written on the command line. Throws `.invalidAddress` with the text redacted.
    public init(parsing text: String) throws(RegistryError) {
        let parts = try RegistryAddressText(text, schemes: ["redis"], schemeOptional: true)
        func invalid(_ reason: String) -> RegistryError { .invalidAddress(parts.shown, reason: reason) }

        var username: String?
        var password: String?
        if let userInfo = parts.userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                username = PercentDecoding.decode(userInfo[..<colon])
                password = PercentDecoding.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                username = PercentDecoding.decode(userInfo)
            }
        }

        var nodes: [RedisNode] = []
        for part in parts.hosts {
            nodes.append(try RegistryAddressText.parseNode(part, defaultPort: RedisNode.defaultPort, invalid: invalid))
        }
        guard !nodes.isEmpty else { throw invalid("no host") }

        var cluster = Cluster.failover
        var group = "dubbo"
        var database = 0
        var timeout = Self.defaultTimeoutMilliseconds
        for (key, value) in parts.parameters {
            switch key.lowercased() {
            case "backup":
                for backup in value.split(separator: ",", omittingEmptySubsequences: true) {
                    nodes.append(
                        try RegistryAddressText.parseNode(backup, defaultPort: RedisNode.defaultPort, invalid: invalid))
                }
            case "cluster":
                guard let mode = Cluster(rawValue: value.lowercased()) else {
                    throw invalid("unsupported cluster '\(value)', expected failover or replicate")
                }
                cluster = mode
            case "group":
                guard !value.isEmpty, value != "/", !value.contains("*") else {
                    throw invalid("group must name a key root, e.g. group=dubbo")
                }
                group = value
            case "db.index":
                guard let index = Int(value), index >= 0, index <= Int(Int32.max) else {
                    throw invalid("db.index must be a database number, got '\(value)'")
                }
                database = index
            case "timeout":
                guard let milliseconds = Int(value), milliseconds > 0, milliseconds <= Self.maxTimeoutMilliseconds
                else {
                    throw invalid("timeout must be 1...\(Self.maxTimeoutMilliseconds) milliseconds, got '\(value)'")
                }
                timeout = milliseconds
            case "password":
                password = value
            case "username":
                username = value
            default:
                break
            }
        }

        var unique: [RedisNode] = []
        for node in nodes where !unique.contains(node) { unique.append(node) }
        guard unique.count <= Self.maxNodes else { throw invalid("more than \(Self.maxNodes) nodes") }
        if username?.isEmpty == true { username = nil }
        if password?.isEmpty == true { password = nil }
        self.init(
            nodes: unique, cluster: cluster, group: group, database: database, timeoutMilliseconds: timeout,
            username: username, password: password
        )
    }

    /// `text` with any password in it replaced by `***`: the user-info part of the authority (`user:***@`, or
    /// `***@` when there is no colon) and the value of a `password=` parameter. Safe on text that is not a valid
    /// address, which is what error messages need.
    public static func redact(_ text: String) -> String {
        Redaction.redactURL(text, secretKeys: ["password"])
    }
}
