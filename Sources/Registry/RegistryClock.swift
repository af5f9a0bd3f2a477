import Glibc
import InspectorCore

/// The clocks the registry side needs: wall time for "when was this read" (compared with capture times and
/// Redis expiries, both epoch based) and a monotonic clock for timeouts and back-off.
public enum RegistryClock {
    /// Epoch milliseconds (`CLOCK_REALTIME`).
    public static func nowMilliseconds() -> Int64 {
        SystemClock.wallNanoseconds / 1_000_000
    }

    /// Milliseconds on a clock that never jumps (`CLOCK_MONOTONIC`).
    static func monotonicMilliseconds() -> Int64 {
        SystemClock.monotonicNanoseconds / 1_000_000
    }

    /// Sleeps `milliseconds` in slices of at most 50 ms, returning early once `shouldStop` says so.
    static func sleep(milliseconds: Int64, unless shouldStop: () -> Bool) {
        let deadline = monotonicMilliseconds() + milliseconds
        while !shouldStop() {
            let left = deadline - monotonicMilliseconds()
            guard left > 0 else { return }
            usleep(UInt32(min(left, 50) * 1_000))
        }
    }
}
