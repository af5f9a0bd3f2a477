import Glibc

/// A value that threads share behind a pthread mutex.
///
/// Used instead of `Synchronization.Mutex`, which works but whose locking ThreadSanitizer cannot see on Linux (it
/// happens inside the uninstrumented standard library), so every access under it would be reported as a race and
/// the sanitizer pass over the live, registry and export threads would show only noise. pthread calls are
/// intercepted by the sanitizer. The mutex lives at a fixed address of its own, as pthread requires.
public final class Locked<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock; keep it short (no I/O, no waiting).
    public func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

// The value is only reached through `withLock`, under the mutex.
extension Locked: @unchecked Sendable where Value: Sendable {}
