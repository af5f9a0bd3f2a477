import InspectorCore
/// Reads a whole registry once: `SCAN <root>* ` for the keys (never `KEYS`), then `HGETALL` for each, into a
/// `ServiceDirectory`. Used by `read --registry` and `registry dump`; `RegistryWatcher` uses the same steps to
/// follow a registry over time.
///
/// Nodes are tried in `NodeOrder`; a node that fails at any step (connect, `AUTH`, `SELECT`, or dying part-way
/// through the read) is recorded and the read starts over on the next one. Bounded: every call has the
/// address's timeout, and key, field and iteration counts are capped by `RegistryLimits`.
public struct RegistryReader: Sendable {
    public var address: RegistryAddress
    public var limits: RegistryLimits
    /// Fixes the random choice of the first node for `cluster=replicate` (tests); nil picks at random.
    public var seed: UInt64?

    public init(address: RegistryAddress, limits: RegistryLimits = .default, seed: UInt64? = nil) {
        self.address = address
        self.limits = limits
        self.seed = seed
    }

    /// A finished read.
    public struct Result: Sendable {
        public var directory: ServiceDirectory
        /// The node that was read.
        public var node: RedisNode
        /// Why each node tried before it failed (each one is a failover).
        public var failures: [RegistryError]
    }

    /// Reads the directory from the first node that works; throws `.allNodesFailed` listing every node's error.
    public func read() throws(RegistryError) -> Result {
        var order = NodeOrder(seed: seed)
        var failures: [RegistryError] = []
        for node in order.nodes(for: address) {
            do {
                let connection = try Self.open(node, address: address, limits: limits)
                let directory = try Self.readDirectory(over: connection, address: address, limits: limits)
                return Result(directory: directory, node: node, failures: failures)
            } catch {
                failures.append(error)
            }
        }
        throw .allNodesFailed(failures)
    }

    // MARK: Steps shared with the watcher

    /// A connection to `node`, authenticated and on the right database.
    static func open(
        _ node: RedisNode, address: RegistryAddress, limits: RegistryLimits
    ) throws(RegistryError) -> RedisConnection {
        let connection = try RedisConnection(
            node: node, timeoutMilliseconds: address.timeoutMilliseconds, limits: limits)
        try connection.prepare(for: address)
        return connection
    }

    /// The `MATCH`/`PSUBSCRIBE` pattern for every key under the root: glob characters in the root escaped.
    static func pattern(root: String) -> String {
        var pattern = ""
        for character in root {
            if "*?[]\\".contains(character) { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "*"
    }

    /// Every key under the root, then every key's hash.
    static func readDirectory(
        over connection: RedisConnection, address: RegistryAddress, limits: RegistryLimits
    ) throws(RegistryError) -> ServiceDirectory {
        let keys = try scanKeys(over: connection, root: address.root, limits: limits)
        var contents: [RegistryKeyContents] = []
        contents.reserveCapacity(keys.count)
        for key in keys {
            if let read = try readKey(key, over: connection, root: address.root, limits: limits) {
                contents.append(read)
            }
        }
        return ServiceDirectory(root: address.root, source: address.description, keys: contents)
    }

    /// `SCAN 0 MATCH <root>* COUNT n` until the cursor comes back to 0; keys de-duplicated (SCAN may repeat
    /// one) and sorted.
    static func scanKeys(
        over connection: RedisConnection, root: String, limits: RegistryLimits
    ) throws(RegistryError) -> [String] {
        let node = connection.node.description
        let match = pattern(root: root)
        var cursor = "0"
        var keys = Set<String>()
        var iterations = 0
        repeat {
            iterations += 1
            guard iterations <= limits.maxScanIterations else {
                throw .limitExceeded(node: node, what: "SCAN iterations", limit: limits.maxScanIterations)
            }
            let reply = try connection.call(.scan(cursor: cursor, match: match, count: limits.scanCount))
            guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].text,
                case .array(let found) = parts[1]
            else {
                if case .error(let text) = reply { throw .commandFailed(node: node, command: "SCAN", reply: text) }
                throw .unexpectedReply(node: node, command: "SCAN", reply: reply.summary)
            }
            for item in found {
                if let key = item.text { keys.insert(key) }
            }
            guard keys.count <= limits.maxKeys else {
                throw .limitExceeded(node: node, what: "keys under \(root)", limit: limits.maxKeys)
            }
            cursor = next
        } while cursor != "0"
        return keys.sorted()
    }

    /// One key's hash; nil when the key no longer exists. A key that is not a hash, or too large, comes back
    /// with a problem rather than failing the read.
    static func readKey(
        _ key: String, over connection: RedisConnection, root: String, limits: RegistryLimits
    ) throws(RegistryError) -> RegistryKeyContents? {
        let node = connection.node.description
        let observed = SystemClock.wallMilliseconds
        func problem(_ reason: String) -> RegistryKeyContents {
            var contents = RegistryKeyContents(key: key, root: root, fields: [:], observedAtMilliseconds: observed)
            contents.problems = [RegistryProblem(key: key, field: nil, reason: reason)]
            return contents
        }
        let reply: RedisReply
        do {
            reply = try connection.call(.hgetall(key))
        } catch .limitExceeded {
            return problem("more than \(limits.maxFieldsPerKey) URLs; key skipped")
        }
        switch reply {
        case .array(let items):
            guard !items.isEmpty else { return nil }
            guard items.count % 2 == 0 else { return problem("HGETALL returned an odd number of items") }
            guard items.count / 2 <= limits.maxFieldsPerKey else {
                return problem("more than \(limits.maxFieldsPerKey) URLs; key skipped")
            }
            var fields: [String: String] = [:]
            fields.reserveCapacity(items.count / 2)
            var index = 0
            while index + 1 < items.count {
                if let field = items[index].text, let value = items[index + 1].text { fields[field] = value }
                index += 2
            }
            return RegistryKeyContents(
                key: key, root: root, fields: fields, observedAtMilliseconds: observed, limits: limits)
        case .error(let text) where text.hasPrefix("WRONGTYPE"):
            return problem("not a hash (\(text))")
        case .error(let text):
            throw .commandFailed(node: node, command: "HGETALL", reply: text)
        default:
            throw .unexpectedReply(node: node, command: "HGETALL", reply: reply.summary)
        }
    }
}
