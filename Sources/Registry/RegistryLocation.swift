/// Any registry address the tool reads: `redis://…` (or no scheme, as before) or `zookeeper://…`.
public enum RegistryLocation: Sendable, Equatable, CustomStringConvertible {
    case redis(RegistryAddress)
    case zookeeper(ZooKeeperAddress)

    /// Parses a `--registry` value; the scheme decides the kind.
    public init(parsing text: String) throws(RegistryError) {
        if text.lowercased().drop(while: { $0 == " " }).hasPrefix("zookeeper://") {
            self = .zookeeper(try ZooKeeperAddress(parsing: text))
        } else {
            self = .redis(try RegistryAddress(parsing: text))
        }
    }

    public var description: String {
        switch self {
        case .redis(let address): return address.description
        case .zookeeper(let address): return address.description
        }
    }

    /// One full read.
    public struct ReadResult: Sendable {
        public var directory: ServiceDirectory
        /// The server or node that answered.
        public var server: String
        /// Nodes that failed before it (Redis failover), each with its error.
        public var failures: [RegistryError]
    }

    public func read(limits: RegistryLimits = .default) throws(RegistryError) -> ReadResult {
        switch self {
        case .redis(let address):
            let result = try RegistryReader(address: address, limits: limits).read()
            return ReadResult(directory: result.directory, server: result.node.description, failures: result.failures)
        case .zookeeper(let address):
            let result = try ZooKeeperReader(address: address, limits: limits).read()
            return ReadResult(directory: result.directory, server: result.server, failures: [])
        }
    }
}

/// Anything that keeps a current directory for the join: a Redis or ZooKeeper watcher, or several merged.
public protocol ServiceDirectorySource: AnyObject, Sendable {
    /// The latest directory; nil until a first read succeeds. Never blocks on a registry.
    var directory: ServiceDirectory? { get }
    func stop()
}

extension RegistryWatcher: ServiceDirectorySource {}
