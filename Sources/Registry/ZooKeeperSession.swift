import Glibc
import InspectorCore
internal import CZooKeeper

/// One ZooKeeper session through Debian's C client (`libzookeeper_mt`): the only code that calls it.
///
/// Read operations only — `children`, `data` and `exists` (each optionally leaving a watch) — because nothing
/// else is wrapped: the client's create, set and delete functions are never called from this package. Every
/// call is bounded: the client gives up on a server that does not answer within two thirds of the session
/// timeout (`ZCONNECTIONLOSS`), child counts and data sizes are checked against `RegistryLimits` from the node's
/// `Stat` before the list or the data is fetched, and data is read into a buffer of at most the limit.
///
/// Watches and connection-state changes arrive on the client's own thread; they are queued here and taken with
/// `nextEvents(waitMilliseconds:)` on the caller's thread, so nothing of ours runs on the client's thread but an
/// append under a lock.
final class ZooKeeperSession: @unchecked Sendable {
    /// A watch that fired, or a change of the session's state.
    enum Event: Sendable, Equatable {
        /// The children of `path` changed (a node was created or deleted under it).
        case childrenChanged(path: String)
        /// The data of `path` changed, or the node was created or deleted.
        case nodeChanged(path: String)
        case connected
        /// The connection dropped; the client is trying the other servers and keeps the session if it can.
        case disconnected
        /// The server forgot the session (its ephemeral nodes and watches are gone): a new session is needed.
        case expired
        /// More events came than are queued: some were dropped, so everything must be read again.
        case overflowed
    }

    /// The node `Stat` fields the reader and the tests use.
    struct NodeStat: Sendable, Equatable {
        var dataLength: Int
        var childCount: Int
        var ephemeralOwner: Int64
        var modifiedTransaction: Int64
        var childrenVersion: Int
    }

    let hosts: String
    private let handle: OpaquePointer
    private let events: Unmanaged<EventQueue>
    private let limits: RegistryLimits

    /// Connects and waits up to `connectTimeoutMilliseconds` for a session. `hosts` is `h1:p1,h2:p2`.
    init(
        hosts: String, sessionTimeoutMilliseconds: Int, connectTimeoutMilliseconds: Int, limits: RegistryLimits
    ) throws(RegistryError) {
        Self.silenceClientLog
        self.hosts = hosts
        self.limits = limits
        let queue = EventQueue()
        let context = Unmanaged.passRetained(queue)
        let watcher: watcher_fn = { _, type, state, path, context in
            guard let context else { return }
            let queue = Unmanaged<EventQueue>.fromOpaque(context).takeUnretainedValue()
            let text = path.map { String(cString: $0) } ?? ""
            if type == ZOO_SESSION_EVENT {
                if state == ZOO_CONNECTED_STATE {
                    queue.append(.connected)
                } else if state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE {
                    queue.append(.expired)
                } else {
                    queue.append(.disconnected)
                }
            } else if type == ZOO_CHILD_EVENT {
                queue.append(.childrenChanged(path: text))
            } else if type == ZOO_CREATED_EVENT || type == ZOO_DELETED_EVENT || type == ZOO_CHANGED_EVENT {
                queue.append(.nodeChanged(path: text))
            }
        }
        let created = zookeeper_init(
            hosts, watcher, Int32(clamping: sessionTimeoutMilliseconds), nil, context.toOpaque(),
            ZOO_NO_LOG_CLIENTENV)
        guard let created else {
            context.release()
            throw .connectionFailed(node: hosts, reason: String(cString: strerror(errno)))
        }
        handle = created
        events = context
        let deadline = SystemClock.monotonicMilliseconds + Int64(connectTimeoutMilliseconds)
        while zoo_state(handle) != ZOO_CONNECTED_STATE {
            let state = zoo_state(handle)
            if state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE {
                close()
                throw .connectionFailed(node: hosts, reason: "session refused")
            }
            guard SystemClock.monotonicMilliseconds < deadline else {
                close()
                throw .connectionFailed(node: hosts, reason: "no ZooKeeper session within \(connectTimeoutMilliseconds) ms")
            }
            SystemClock.sleep(milliseconds: 10, unless: { false })
        }
    }

    private var closed = false

    /// Ends the session (the server drops our watches; we own no nodes). Idempotent; call from one thread.
    func close() {
        guard !closed else { return }
        closed = true
        zookeeper_close(handle)
        // No callback runs after zookeeper_close returns.
        events.release()
    }

    deinit { close() }

    /// The server this session is talking to now, `host:port`.
    var currentServer: String? {
        zoo_get_current_server(handle).map { String(cString: $0) }
    }

    var isConnected: Bool { zoo_state(handle) == ZOO_CONNECTED_STATE }

    /// Waits up to `waitMilliseconds` for at least one event and returns all queued ones.
    func nextEvents(waitMilliseconds: Int64) -> [Event] {
        events.takeUnretainedValue().take(waitMilliseconds: waitMilliseconds)
    }

    // MARK: Reads

    /// The node's `Stat`; nil when it does not exist.
    func exists(_ path: String, watch: Bool = false) throws(RegistryError) -> NodeStat? {
        var stat = Stat()
        let rc = zoo_exists(handle, path, watch ? 1 : 0, &stat)
        if rc == ZNONODE.rawValue { return nil }
        try check(rc, "exists", path)
        return NodeStat(stat)
    }

    /// The names of `path`'s children, sorted; nil when the node does not exist. More than
    /// `limits.maxZooKeeperChildren` children is `.limitExceeded`, checked before the list is fetched.
    func children(_ path: String, watch: Bool = false) throws(RegistryError) -> [String]? {
        guard let stat = try exists(path) else { return nil }
        guard stat.childCount <= limits.maxZooKeeperChildren else {
            throw .limitExceeded(node: hosts, what: "children of \(path)", limit: limits.maxZooKeeperChildren)
        }
        var list = String_vector()
        let rc = zoo_get_children(handle, path, watch ? 1 : 0, &list)
        if rc == ZNONODE.rawValue { return nil }
        try check(rc, "get children", path)
        defer { deallocate_String_vector(&list) }
        // Grown between the two calls past the limit: still refused.
        guard Int(list.count) <= limits.maxZooKeeperChildren else {
            throw .limitExceeded(node: hosts, what: "children of \(path)", limit: limits.maxZooKeeperChildren)
        }
        var names: [String] = []
        names.reserveCapacity(Int(max(0, list.count)))
        for index in 0..<Int(max(0, list.count)) {
            if let name = list.data[index] { names.append(String(cString: name)) }
        }
        return names.sorted()
    }

    /// A node's data; `.missing` when it does not exist, `.tooLarge` (not read) past `limits.maxZooKeeperDataBytes`.
    enum Data: Sendable, Equatable {
        case bytes([UInt8])
        case missing
        case tooLarge(Int)
    }

    func data(_ path: String, watch: Bool = false) throws(RegistryError) -> Data {
        guard let stat = try exists(path, watch: watch) else { return .missing }
        guard stat.dataLength <= limits.maxZooKeeperDataBytes else { return .tooLarge(stat.dataLength) }
        // One byte more than the limit, so that data grown past it since `exists` is seen as too large.
        var buffer = [UInt8](repeating: 0, count: max(stat.dataLength, 0) + 1)
        var length = Int32(buffer.count)
        var after = Stat()
        let rc = buffer.withUnsafeMutableBytes { raw in
            zoo_get(
                handle, path, watch ? 1 : 0, raw.baseAddress?.assumingMemoryBound(to: CChar.self), &length, &after)
        }
        if rc == ZNONODE.rawValue { return .missing }
        try check(rc, "get", path)
        guard length >= 0 else { return .bytes([]) }  // a node with null data
        guard Int(after.dataLength) <= limits.maxZooKeeperDataBytes, Int(length) < buffer.count else {
            return .tooLarge(Int(after.dataLength))
        }
        return .bytes(Array(buffer[0..<Int(length)]))
    }

    private func check(_ rc: Int32, _ operation: String, _ path: String) throws(RegistryError) {
        guard rc != ZOK.rawValue else { return }
        let reason = String(cString: zerror(rc))
        if rc == ZOPERATIONTIMEOUT.rawValue {
            throw .timedOut(node: currentServer ?? hosts, command: "\(operation) \(path)")
        }
        if rc == ZCONNECTIONLOSS.rawValue || rc == ZSESSIONEXPIRED.rawValue || rc == ZINVALIDSTATE.rawValue
            || rc == ZCLOSING.rawValue
        {
            throw .connectionLost(node: currentServer ?? hosts, reason: reason)
        }
        throw .commandFailed(node: currentServer ?? hosts, command: "\(operation) \(path)", reply: reason)
    }

    /// The client logs to stderr by default (every refused connection); our own messages say what matters.
    /// `DUBBO_INSPECT_ZOOKEEPER_LOG=1` brings its debug log back, for diagnosing a cluster.
    private static let silenceClientLog: Void = {
        zoo_set_debug_level(getenv("DUBBO_INSPECT_ZOOKEEPER_LOG") != nil ? ZOO_LOG_LEVEL_DEBUG : ZooLogLevel(rawValue: 0))
    }()
}

extension ZooKeeperSession.NodeStat {
    fileprivate init(_ stat: Stat) {
        self.init(
            dataLength: Int(stat.dataLength), childCount: Int(stat.numChildren), ephemeralOwner: stat.ephemeralOwner,
            modifiedTransaction: stat.mzxid, childrenVersion: Int(stat.cversion))
    }
}

/// Events from the client's thread, waiting for the session's owner.
private final class EventQueue: @unchecked Sendable {
    private let state = Locked([ZooKeeperSession.Event]())
    /// Bounded: a flood of watches (each fires once per read) never grows past this; a full re-read heals it.
    private static let maxQueued = 10_000

    func append(_ event: ZooKeeperSession.Event) {
        state.withLock { queue in
            if queue.count < Self.maxQueued {
                queue.append(event)
            } else {
                queue[queue.count - 1] = .overflowed
            }
        }
    }

    func take(waitMilliseconds: Int64) -> [ZooKeeperSession.Event] {
        let deadline = SystemClock.monotonicMilliseconds + waitMilliseconds
        while true {
            let taken = state.withLock { queue -> [ZooKeeperSession.Event] in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            if !taken.isEmpty || SystemClock.monotonicMilliseconds >= deadline { return taken }
            SystemClock.sleep(milliseconds: 10, unless: { false })
        }
    }
}
