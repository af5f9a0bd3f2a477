import Glibc
import InspectorCore

/// A plain POSIX thread for the live capture's two long-running loops (capture, analysis).
///
/// Not a task: both loops block (in `pcap_next_ex`, or on the queue with short sleeps) and must never hold a
/// cooperative-pool thread. `join()` waits for the body to return.
final class LiveThread {
    private var thread: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread. Traps when the system cannot create a thread (out of resources).
    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        precondition(status == 0, "cannot start a thread: error \(status)")
        self.thread = thread
    }

    func join() {
        _ = pthread_join(thread, nil)
    }
}

/// Hands a non-`Sendable` value to exactly one other thread. The sender must not touch it after `init`.
final class Handoff<Value>: @unchecked Sendable {
    // @unchecked: written once before the receiving thread starts, read once by it (`take`); thread creation
    // orders the write before the read.
    private var value: Value?

    init(_ value: Value?) {
        self.value = value
    }

    func take() -> Value? {
        defer { value = nil }
        return value
    }
}

/// Seconds on a clock that never jumps (`CLOCK_MONOTONIC`), for deadlines and refresh intervals.
func monotonicSeconds() -> Double {
    Double(SystemClock.monotonicNanoseconds) / 1e9
}

/// The wall clock as a capture time: what live packets are stamped with (`CLOCK_REALTIME`).
func wallClockNow() -> CaptureTime {
    let now = SystemClock.wallNanoseconds
    return CaptureTime(seconds: now / 1_000_000_000, nanoseconds: now % 1_000_000_000)
}
