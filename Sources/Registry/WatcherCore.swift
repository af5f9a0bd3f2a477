import Glibc
import InspectorCore

/// Statistics a watcher keeps; the core only needs the last error, for `waitForFirstRead`.
protocol WatcherStatistics: Sendable {
    var lastError: RegistryError? { get }
}

/// What every registry watcher (Redis, ZooKeeper) shares: the published directory and its version, the
/// statistics, the background thread (InspectorCore's `PosixThread`) and the waits on the first read and on updates. The analysis reads
/// `directory` under a lock held for a copy and never waits on a registry.
final class WatcherCore<Statistics: WatcherStatistics>: Sendable {
    struct State: Sendable {
        var directory: ServiceDirectory?
        var version = 0
        var statistics: Statistics
        var firstAttemptDone = false
        var stopping = false
        var thread: PosixThread?
    }

    let state: Locked<State>

    init(_ statistics: Statistics) {
        state = Locked(State(statistics: statistics))
    }

    var directory: ServiceDirectory? { state.withLock { $0.directory } }
    var version: Int { state.withLock { $0.version } }
    var statistics: Statistics { state.withLock { $0.statistics } }
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Waits until the first connection attempt has ended, at most `timeoutMilliseconds`: the directory when it
    /// read one, else the error it met (a timeout naming `node` when it was still running).
    func waitForFirstRead(timeoutMilliseconds: Int64, node: String) -> Result<ServiceDirectory, RegistryError> {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while true {
            let (directory, done, error) = state.withLock {
                ($0.directory, $0.firstAttemptDone, $0.statistics.lastError)
            }
            if let directory { return .success(directory) }
            if done { return .failure(error ?? .allNodesFailed([])) }
            guard SystemClock.monotonicMilliseconds < deadline else {
                return .failure(.timedOut(node: node, command: "the first read"))
            }
            usleep(10_000)
        }
    }

    /// Waits until a directory newer than `version` is published, at most `timeoutMilliseconds`; returns the
    /// version then current.
    func waitForUpdate(after version: Int, timeoutMilliseconds: Int64) -> Int {
        let deadline = SystemClock.monotonicMilliseconds + timeoutMilliseconds
        while SystemClock.monotonicMilliseconds < deadline {
            let current = self.version
            if current > version { return current }
            usleep(5_000)
        }
        return self.version
    }

    /// Starts `run` on a background thread; returns at once. A second call does nothing.
    func start(log: @Sendable (String) -> Void, _ run: @escaping @Sendable () -> Void) {
        let alreadyStarted = state.withLock { $0.thread != nil || $0.stopping }
        guard !alreadyStarted else { return }
        guard let thread = PosixThread.start(run) else {
            log("registry: cannot start the watcher thread; no live updates")
            state.withLock { $0.firstAttemptDone = true }
            return
        }
        state.withLock { $0.thread = thread }
    }

    /// Asks the thread to stop and waits for it to end. The last directory stays readable.
    func stop() {
        let thread = state.withLock { state -> PosixThread? in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }

    /// Publishes `change` applied to the current directory (`empty` when there is none yet) as a new version.
    func publish(
        empty: () -> ServiceDirectory, count: (inout Statistics) -> Void,
        _ change: (ServiceDirectory) -> ServiceDirectory
    ) {
        state.withLock { state in
            state.directory = change(state.directory ?? empty())
            state.version += 1
            state.firstAttemptDone = true
            count(&state.statistics)
        }
    }
}
