import Glibc
import InspectorCore

/// Follows a registry for a long-running process (`live --registry`): reads it whole, then keeps a `PSUBSCRIBE
/// <root>*` open and re-reads a key whenever its channel says `register` or `unregister` (PROTOCOL.md §6.3), so
/// providers coming and going show up within a round trip.
///
/// One background POSIX thread owns both Redis connections (a subscribed connection cannot send `HGETALL`, so
/// there is one to listen and one to read); it publishes each new `ServiceDirectory` as an immutable value. The
/// analysis takes the latest with `directory`, a lock held only for a copy, and never waits on Redis.
///
/// Faults: when the connection drops or a node stops answering (no `PING` reply within the timeout), the watcher
/// keeps the last directory, says so through `log` (stderr in the CLI), and reconnects with back-off from 100 ms
/// to 5 s, trying the nodes in `NodeOrder` each time; every reconnect starts with a full read, and a full read
/// also runs every `refreshIntervalMilliseconds` to pick up expiries refreshed without a message. Moving to
/// another node than before counts as a failover. Call `stop()` before dropping the watcher.
public final class RegistryWatcher: Sendable {
    /// What the watcher has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Following a node right now.
        public var connected = false
        /// The node followed (or last followed).
        public var node: RedisNode?
        /// Whole-registry reads (the first, after each reconnect, and the periodic ones).
        public var fullReads = 0
        /// Single keys re-read after a notification.
        public var keyReads = 0
        /// `register` / `unregister` messages received.
        public var notifications = 0
        /// Connections re-established after a loss.
        public var reconnects = 0
        /// Reconnections that landed on another node than the one before.
        public var failovers = 0
        /// Connection attempts in which no node answered.
        public var failedAttempts = 0
        /// The last error met, if any.
        public var lastError: RegistryError?
    }

    public let address: RegistryAddress
    private let limits: RegistryLimits
    private let refreshIntervalMilliseconds: Int64
    private let pingIntervalMilliseconds: Int64
    private let seed: UInt64?
    private let log: @Sendable (String) -> Void
    private let state = Locked(State())

    private struct State: Sendable {
        var directory: ServiceDirectory?
        var version = 0
        var statistics = Statistics()
        var firstAttemptDone = false
        var stopping = false
        var thread: PosixThread?
    }

    /// - Parameters:
    ///   - refreshIntervalMilliseconds: a full re-read this often, besides the notifications.
    ///   - pingIntervalMilliseconds: a quiet subscription is checked with `PING` this often; no answer within the
    ///     address's timeout counts as a lost connection.
    ///   - log: one line per event worth telling a person (lost, reconnected, failed over), without a program
    ///     name or newline; called from the watcher's thread.
    public init(
        address: RegistryAddress, limits: RegistryLimits = .default, refreshIntervalMilliseconds: Int64 = 60_000,
        pingIntervalMilliseconds: Int64 = 5_000, seed: UInt64? = nil, log: @escaping @Sendable (String) -> Void
    ) {
        self.address = address
        self.limits = limits
        self.refreshIntervalMilliseconds = max(1_000, refreshIntervalMilliseconds)
        self.pingIntervalMilliseconds = max(100, pingIntervalMilliseconds)
        self.seed = seed
        self.log = log
    }

    // MARK: Reading the published state

    /// The latest directory; nil until the first read succeeds. Never blocks on Redis.
    public var directory: ServiceDirectory? { state.withLock { $0.directory } }

    /// Grows by one with every published directory.
    public var version: Int { state.withLock { $0.version } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Waits until the first connection attempt over every node has ended, at most `timeoutMilliseconds`.
    /// Returns the directory when that attempt read one, else the error that attempt met (a timeout when the
    /// attempt was still running).
    public func waitForFirstRead(timeoutMilliseconds: Int64) -> Result<ServiceDirectory, RegistryError> {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while true {
            let (directory, done, error) = state.withLock {
                ($0.directory, $0.firstAttemptDone, $0.statistics.lastError)
            }
            if let directory { return .success(directory) }
            if done { return .failure(error ?? .allNodesFailed([])) }
            guard SystemClock.monotonicMilliseconds < deadline else {
                return .failure(.timedOut(node: address.nodes.first?.description ?? "?", command: "the first read"))
            }
            usleep(10_000)
        }
    }

    /// Waits until a directory newer than `version` is published, at most `timeoutMilliseconds`; returns the
    /// version then current.
    @discardableResult
    public func waitForUpdate(after version: Int, timeoutMilliseconds: Int64) -> Int {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while SystemClock.monotonicMilliseconds < deadline {
            let current = self.version
            if current > version { return current }
            usleep(5_000)
        }
        return self.version
    }

    // MARK: Starting and stopping

    /// Starts the background thread; returns at once. A second call does nothing.
    public func start() {
        let alreadyStarted = state.withLock { $0.thread != nil || $0.stopping }
        guard !alreadyStarted else { return }
        guard let thread = PosixThread.start({ [self] in self.run() }) else {
            log("registry: cannot start the watcher thread; no live updates")
            state.withLock { $0.firstAttemptDone = true }
            return
        }
        state.withLock { $0.thread = thread }
    }

    /// Stops following and waits for the thread to end (at most about the address's timeout). The last
    /// directory stays readable.
    public func stop() {
        let thread = state.withLock { state -> PosixThread? in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: The thread

    private func run() {
        var order = NodeOrder(seed: seed)
        var backoff: Int64 = 100
        var previousNode: RedisNode?
        var lastLogged = ""
        while !isStopping {
            var failures: [RegistryError] = []
            var session: Session?
            for node in order.nodes(for: address) where !isStopping {
                do {
                    session = try Session(node: node, address: address, limits: limits)
                    break
                } catch {
                    failures.append(error)
                }
            }
            if isStopping { return }
            guard let session else {
                let error = RegistryError.allNodesFailed(failures)
                let kept = directory.map { "keeping the last directory (\($0.summary))" } ?? "no directory yet"
                let message = "\(error); \(kept); retrying"
                if message != lastLogged {
                    log(message)
                    lastLogged = message
                }
                state.withLock {
                    $0.statistics.failedAttempts += 1
                    $0.statistics.lastError = error
                    $0.statistics.connected = false
                    $0.firstAttemptDone = true
                }
                SystemClock.sleep(milliseconds: backoff) { isStopping }
                backoff = min(backoff * 2, 5_000)
                continue
            }

            do {
                // Counted once the node has given a full directory: "connected" means following, up to date.
                try follow(session) {
                    let failedOver = previousNode != nil && previousNode != session.node
                    let reconnected = previousNode != nil
                    if failedOver, let previousNode {
                        log("registry: failed over from \(previousNode) to \(session.node)")
                    } else if reconnected {
                        log("registry: reconnected to \(session.node)")
                    }
                    previousNode = session.node
                    lastLogged = ""
                    backoff = 100
                    state.withLock {
                        $0.statistics.connected = true
                        $0.statistics.node = session.node
                        if reconnected { $0.statistics.reconnects += 1 }
                        if failedOver { $0.statistics.failovers += 1 }
                    }
                }
                return
            } catch {
                let kept = directory.map { "keeping the last directory (\($0.summary))" } ?? "no directory yet"
                log("registry connection to \(session.node) lost: \(error); \(kept); reconnecting")
                state.withLock {
                    $0.statistics.connected = false
                    $0.statistics.lastError = error
                    $0.firstAttemptDone = true
                }
            }
            SystemClock.sleep(milliseconds: backoff) { isStopping }
            backoff = min(backoff * 2, 5_000)
        }
    }

    /// Reads everything, then handles notifications until asked to stop (returns) or the connection fails
    /// (throws). `onReady` runs once the first full read is published.
    private func follow(_ session: Session, onReady: () -> Void) throws(RegistryError) {
        try fullRead(session)
        onReady()
        var lastFullRead = SystemClock.monotonicMilliseconds
        var lastActivity = lastFullRead
        var pingSentAt: Int64?
        while !isStopping {
            let reply = try session.subscriber.nextReply(waitMilliseconds: 100)
            let now = SystemClock.monotonicMilliseconds
            if let reply {
                lastActivity = now
                if try handle(reply, session: session) { pingSentAt = nil }
            }
            if let sent = pingSentAt, now - sent > Int64(address.timeoutMilliseconds) {
                throw .timedOut(node: session.node.description, command: "PING")
            }
            if pingSentAt == nil, now - lastActivity >= pingIntervalMilliseconds {
                try session.subscriber.send(.ping)
                pingSentAt = now
                lastActivity = now
            }
            if now - lastFullRead >= refreshIntervalMilliseconds {
                try fullRead(session)
                lastFullRead = SystemClock.monotonicMilliseconds
            }
        }
    }

    /// Handles one message on the subscription; true when it was the answer to our `PING`.
    private func handle(_ reply: RedisReply, session: Session) throws(RegistryError) -> Bool {
        switch reply {
        case .array(let items) where items.first?.text?.lowercased() == "pmessage" && items.count == 4:
            guard let key = items[2].text, let message = items[3].text else { return false }
            guard message == "register" || message == "unregister" else { return false }
            state.withLock { $0.statistics.notifications += 1 }
            let contents = try RegistryReader.readKey(key, over: session.reader, root: address.root, limits: limits)
            publish(keyRead: true) { directory in
                guard let contents else { return directory.removing(key: key) }
                return directory.replacing(contents)
            }
            return false
        case .array(let items) where items.first?.text?.lowercased() == "pong":
            return true
        case .error(let text):
            throw .commandFailed(node: session.node.description, command: "PSUBSCRIBE", reply: text)
        default:
            return false
        }
    }

    private func fullRead(_ session: Session) throws(RegistryError) {
        let fresh = try RegistryReader.readDirectory(over: session.reader, address: address, limits: limits)
        publish(keyRead: false) { _ in fresh }
    }

    private func publish(keyRead: Bool, _ change: (ServiceDirectory) -> ServiceDirectory) {
        state.withLock { state in
            let current = state.directory ?? ServiceDirectory(root: address.root, source: address.description)
            state.directory = change(current)
            state.version += 1
            state.firstAttemptDone = true
            if keyRead { state.statistics.keyReads += 1 } else { state.statistics.fullReads += 1 }
        }
    }
}

/// The two connections to one node: one subscribed to `<root>*`, one for reading keys.
private struct Session {
    let node: RedisNode
    let subscriber: RedisConnection
    let reader: RedisConnection

    /// Subscribes first, so that no change made during the first full read goes unseen.
    init(node: RedisNode, address: RegistryAddress, limits: RegistryLimits) throws(RegistryError) {
        self.node = node
        subscriber = try RegistryReader.open(node, address: address, limits: limits)
        let pattern = RegistryReader.pattern(root: address.root)
        try subscriber.send(.psubscribe(pattern))
        let deadline = SystemClock.monotonicMilliseconds + Int64(address.timeoutMilliseconds)
        var confirmed = false
        while !confirmed {
            let left = deadline - SystemClock.monotonicMilliseconds
            guard left > 0 else { throw .timedOut(node: node.description, command: "PSUBSCRIBE") }
            switch try subscriber.nextReply(waitMilliseconds: Int32(clamping: left)) {
            case .array(let items)? where items.first?.text?.lowercased() == "psubscribe":
                confirmed = true
            case .error(let text)?:
                throw .commandFailed(node: node.description, command: "PSUBSCRIBE", reply: text)
            default:
                continue
            }
        }
        reader = try RegistryReader.open(node, address: address, limits: limits)
    }
}
