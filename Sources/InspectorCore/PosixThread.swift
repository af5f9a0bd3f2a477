import Glibc

/// A joinable POSIX thread running one closure: the tool's one thread wrapper (the live capture and analysis
/// loops, the record thread, the OTLP export thread, the registry watcher).
///
/// Not a task: these loops block (in `pcap_next_ex`, on a condition, on a socket) and must never hold a
/// cooperative-pool thread. `join()` waits for the body to return; later calls return at once.
package final class PosixThread: @unchecked Sendable {
    // @unchecked: `thread` is set once in `init`; `joined` is only touched under its lock.
    private let thread: pthread_t
    private let joined = Locked(false)

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private init(thread: pthread_t) {
        self.thread = thread
    }

    /// Starts `body` on a new thread; nil when the system cannot create one (out of resources), in which case
    /// `body` never runs.
    package static func start(_ body: @escaping @Sendable () -> Void) -> PosixThread? {
        let context = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context.toOpaque())
        guard status == 0 else {
            context.release()
            return nil
        }
        return PosixThread(thread: thread)
    }

    /// Starts `body` on a new thread; traps when the system cannot create one (for threads the tool cannot run
    /// without).
    package convenience init(_ body: @escaping @Sendable () -> Void) {
        guard let started = PosixThread.start(body) else { preconditionFailure("cannot start a thread") }
        self.init(thread: started.thread)
    }

    /// Waits for the body to return (once; later calls return at once).
    package func join() {
        let first = joined.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { _ = pthread_join(thread, nil) }
    }
}

/// Hands a non-`Sendable` value to exactly one other thread. The sender must not touch it after `init`.
package final class Handoff<Value>: @unchecked Sendable {
    // @unchecked: written once before the receiving thread starts, read once by it (`take`); thread creation
    // orders the write before the read.
    private var value: Value?

    package init(_ value: Value?) {
        self.value = value
    }

    package func take() -> Value? {
        defer { value = nil }
        return value
    }
}
