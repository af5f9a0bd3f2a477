import Glibc

/// A value guarded by a pthread mutex, with a condition variable to wait for changes to it (monotonic clock).
///
/// The lock-and-condition companion of `Locked` (same pthread reasoning: visible to ThreadSanitizer), with the
/// mutex and condition at fixed heap addresses as pthread requires. `@unchecked Sendable`: every access to `value` holds the mutex.
package final class WaitableState<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Runs `body` with the lock held, then wakes every waiter.
    @discardableResult
    package func update<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&value)
    }

    /// Runs `body` with the lock held; wakes nobody.
    package func read<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(value)
    }

    /// Waits until `ready` holds or the monotonic clock reaches `deadline` (seconds, `SystemClock.monotonicSeconds`),
    /// then runs `body` with the lock held and wakes every waiter (`body` may have changed what they wait for).
    /// `ready` is checked before the first wait.
    package func wait<Result>(
        until deadline: Double?, ready: (Value) -> Bool, then body: (inout Value) throws -> Result
    ) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        while !ready(value) {
            if let deadline {
                guard deadline > SystemClock.monotonicSeconds else { break }
                var time = timespec()
                time.tv_sec = Int(deadline)
                time.tv_nsec = Int((deadline - Double(Int(deadline))) * 1e9)
                _ = pthread_cond_timedwait(condition, mutex, &time)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        return try body(&value)
    }
}
