import Glibc
import InspectorCore

/// Follows a ZooKeeper registry for a long-running process (`live --registry zookeeper://…`): reads both layouts
/// whole, leaving a watch on every znode read, then re-reads just the part a watch names — one category of an
/// interface, one application's instances, one mapping — so providers coming and going (an ephemeral znode
/// vanishing with its owner's session) show up within a round trip.
///
/// One background POSIX thread owns the session and publishes each new `ServiceDirectory` as an immutable value;
/// the analysis takes the latest with `directory` and never waits on ZooKeeper.
///
/// Faults: when the connection drops, the C client moves on to the next server of the ensemble by itself and
/// keeps the session if the ensemble still has it; the watcher keeps the last directory, says so through `log`,
/// and re-reads everything once connected again (landing on another server counts as a failover). When the
/// session expires, or no server answers, it keeps the last directory and opens a new session with back-off from
/// 100 ms to 5 s. Call `stop()` before dropping the watcher; it returns within about one connect timeout.
public final class ZooKeeperWatcher: ServiceDirectorySource {
    public struct Statistics: Sendable, Equatable {
        public var connected = false
        /// The server followed (or last followed), `host:port`.
        public var server: String?
        public var fullReads = 0
        /// Parts re-read after a watch fired.
        public var partialReads = 0
        /// Watches that fired.
        public var notifications = 0
        /// Connections re-established after a loss (same session or a new one).
        public var reconnects = 0
        /// Reconnections that landed on another server than the one before.
        public var failovers = 0
        public var sessionExpiries = 0
        /// Attempts in which no server gave a session.
        public var failedAttempts = 0
        public var lastError: RegistryError?
    }

    public let address: ZooKeeperAddress
    private let limits: RegistryLimits
    private let log: @Sendable (String) -> Void
    private let state = Locked(State())

    private struct State: Sendable {
        var directory: ServiceDirectory?
        var version = 0
        var statistics = Statistics()
        var firstAttemptDone = false
        var stopping = false
        var thread: pthread_t?
    }

    public init(
        address: ZooKeeperAddress, limits: RegistryLimits = .default, log: @escaping @Sendable (String) -> Void
    ) {
        self.address = address
        self.limits = limits
        self.log = log
    }

    public var directory: ServiceDirectory? { state.withLock { $0.directory } }
    public var version: Int { state.withLock { $0.version } }
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Waits until the first attempt is over: the directory, or the error that kept it from being read.
    public func waitForFirstRead(timeoutMilliseconds: Int64) -> Result<ServiceDirectory, RegistryError> {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while true {
            let (directory, done, error) = state.withLock { ($0.directory, $0.firstAttemptDone, $0.statistics.lastError) }
            if let directory { return .success(directory) }
            if done { return .failure(error ?? .allNodesFailed([])) }
            guard SystemClock.monotonicMilliseconds < deadline else {
                return .failure(.timedOut(node: address.connectString, command: "first read"))
            }
            SystemClock.sleep(milliseconds: 10, unless: { false })
        }
    }

    /// Waits until a directory newer than `version` is published (or the timeout passes); returns the version.
    public func waitForUpdate(after version: Int, timeoutMilliseconds: Int64) -> Int {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while self.version <= version, SystemClock.monotonicMilliseconds < deadline {
            SystemClock.sleep(milliseconds: 10, unless: { false })
        }
        return self.version
    }

    public func start() {
        let body = Unmanaged.passRetained(ThreadBody { [self] in run() })
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, body.toOpaque())
        guard created == 0 else {
            body.release()
            log("cannot start the registry thread (error \(created))")
            return
        }
        state.withLock { $0.thread = thread }
    }

    public func stop() {
        let thread = state.withLock { state -> pthread_t? in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        if let thread { pthread_join(thread, nil) }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func kept() -> String {
        directory.map { "keeping the last directory (\($0.summary))" } ?? "no directory yet"
    }

    // MARK: The thread

    private func run() {
        var backoff: Int64 = 100
        var previousServer: String?
        var lastLogged = ""
        while !isStopping {
            let session: ZooKeeperSession
            do {
                session = try ZooKeeperReader.open(address, limits: limits)
            } catch {
                let failure = RegistryError.allNodesFailed([error])
                let message = "\(failure); \(kept()); retrying"
                if message != lastLogged {
                    log(message)
                    lastLogged = message
                }
                state.withLock {
                    $0.statistics.failedAttempts += 1
                    $0.statistics.lastError = failure
                    $0.statistics.connected = false
                    $0.firstAttemptDone = true
                }
                SystemClock.sleep(milliseconds: backoff) { isStopping }
                backoff = min(backoff * 2, 5_000)
                continue
            }
            defer { session.close() }
            lastLogged = ""
            backoff = 100
            do {
                try follow(session, previousServer: &previousServer)
                return
            } catch {
                log("registry session with \(address.connectString) ended: \(error); \(kept()); reconnecting")
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

    /// Follows one session until asked to stop (returns) or the session is over (throws).
    private func follow(_ session: ZooKeeperSession, previousServer: inout String?) throws(RegistryError) {
        var needFullRead = true
        var disconnected = false
        var dirty = Set<String>()
        var disconnectedSince: Int64?
        while !isStopping {
            // The client keeps trying the servers for a session only the ensemble can expire; a server outside it
            // (or one behind the session's last zxid) refuses it forever. Past the session timeout, start over.
            if disconnected, let since = disconnectedSince,
                SystemClock.monotonicMilliseconds - since > Int64(address.sessionTimeoutMilliseconds)
            {
                throw .connectionLost(
                    node: previousServer ?? address.connectString,
                    reason: "no server took the session back within \(address.sessionTimeoutMilliseconds) ms")
            }
            disconnectedSince = disconnected ? (disconnectedSince ?? SystemClock.monotonicMilliseconds) : nil
            if needFullRead, !disconnected {
                do {
                    let fresh = try ZooKeeperReader.readDirectory(session, address: address, limits: limits, watch: true)
                    publish(partial: false) { _ in fresh }
                    needFullRead = false
                    dirty.removeAll()
                    let server = session.currentServer ?? address.connectString
                    noteConnected(server: server, previous: &previousServer)
                } catch .connectionLost {
                    disconnected = true  // the session event follows; read again once connected
                }
            }
            for event in session.nextEvents(waitMilliseconds: 100) {
                switch event {
                case .expired:
                    state.withLock { $0.statistics.sessionExpiries += 1 }
                    throw .connectionLost(node: session.currentServer ?? address.connectString, reason: "session expired")
                case .disconnected:
                    if !disconnected {
                        log(
                            "registry connection to \(previousServer ?? address.connectString) lost; \(kept()); "
                                + "reconnecting")
                        state.withLock { $0.statistics.connected = false }
                    }
                    disconnected = true
                case .connected:
                    if disconnected {
                        disconnected = false
                        needFullRead = true
                    }
                case .overflowed:
                    needFullRead = true
                case .childrenChanged(let path), .nodeChanged(let path):
                    state.withLock { $0.statistics.notifications += 1 }
                    dirty.insert(path)
                }
            }
            guard !needFullRead, !disconnected, !dirty.isEmpty else { continue }
            let paths = dirty.sorted()
            dirty.removeAll()
            do {
                for path in paths { try reread(path, session: session, needFullRead: &needFullRead) }
            } catch .connectionLost {
                disconnected = true
                needFullRead = true
            }
        }
    }

    private func noteConnected(server: String, previous: inout String?) {
        let reconnected = previous != nil
        let failedOver = reconnected && previous != server
        if failedOver, let old = previous {
            log("registry: failed over from \(old) to \(server)")
        } else if reconnected {
            log("registry: reconnected to \(server)")
        }
        previous = server
        state.withLock {
            $0.statistics.connected = true
            $0.statistics.server = server
            if reconnected { $0.statistics.reconnects += 1 }
            if failedOver { $0.statistics.failovers += 1 }
        }
    }

    /// Re-reads the part of the registry a watch named; anything above the per-part level means a full read.
    private func reread(_ path: String, session: ZooKeeperSession, needFullRead: inout Bool) throws(RegistryError) {
        var budget = ReadBudget(limits: limits, server: session.currentServer ?? address.connectString)
        switch ZooKeeperLayout.part(of: path, address: address) {
        case .category(let key):
            let contents = try ZooKeeperReader.readCategory(
                session, path: key, address: address, budget: &budget, watch: true)
            publish(partial: true) { $0.removing(key: key).replacing(contents) }
        case .application(let application):
            let (instances, problems) = try ZooKeeperReader.readApplication(
                session, application: application, address: address, budget: &budget, watch: true)
            publish(partial: true) {
                $0.replacingInstances(
                    ofApplication: application, servicesRoot: address.servicesRoot, with: instances,
                    problems: problems)
            }
        case .mapping(let interface):
            let (applications, _) = try ZooKeeperReader.readMapping(
                session, interface: interface, address: address, budget: &budget, watch: true)
            publish(partial: true) { $0.replacingMapping(of: interface, with: applications) }
        case .everything:
            needFullRead = true
        }
    }

    private func publish(partial: Bool, _ change: (ServiceDirectory) -> ServiceDirectory) {
        state.withLock { state in
            let current =
                state.directory
                ?? ServiceDirectory(root: ZooKeeperReader.directoryRoot(address), source: address.description)
            state.directory = change(current)
            state.version += 1
            state.firstAttemptDone = true
            if partial { state.statistics.partialReads += 1 } else { state.statistics.fullReads += 1 }
        }
    }
}

extension ZooKeeperLayout {
    /// What a watched path belongs to.
    enum Part: Equatable {
        /// `<root>/<interface>/<category>` (the path itself, or a URL znode under it).
        case category(String)
        case application(String)
        case mapping(String)
        case everything
    }

    static func part(of path: String, address: ZooKeeperAddress) -> Part {
        func below(_ root: String) -> [Substring]? {
            guard path.hasPrefix(root + "/") else { return nil }
            return path.dropFirst(root.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        }
        if let rest = below(address.mappingRoot), rest.count == 1, !rest[0].isEmpty {
            return .mapping(String(rest[0]))
        }
        if let rest = below(address.servicesRoot), rest.count <= 2, !rest[0].isEmpty {
            return .application(String(rest[0]))
        }
        if let rest = below(address.root), rest.count >= 2, rest.count <= 3, !rest[0].isEmpty, !rest[1].isEmpty,
            !ZooKeeperReader.skippedRootChildren.contains(String(rest[0]))
        {
            return .category(address.root + "/" + rest[0] + "/" + rest[1])
        }
        return .everything
    }
}

/// The thread's body, boxed to cross `pthread_create`'s `void *`.
private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
