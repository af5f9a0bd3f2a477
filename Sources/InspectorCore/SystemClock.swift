import Glibc

/// The two system clocks the tool reads, in one place, with the units its callers use. Neither is ever used for
/// what a record or report says about traffic (capture time is the only clock for that); they serve deadlines,
/// back-off, refresh intervals, live packet stamps and "when was this read".
public enum SystemClock {
    /// Nanoseconds on a clock that never jumps (`CLOCK_MONOTONIC`).
    public static var monotonicNanoseconds: Int64 { read(CLOCK_MONOTONIC) }

    /// Milliseconds on the monotonic clock.
    public static var monotonicMilliseconds: Int64 { monotonicNanoseconds / 1_000_000 }

    /// Seconds on the monotonic clock, for deadlines and refresh intervals.
    public static var monotonicSeconds: Double { Double(monotonicNanoseconds) / 1e9 }

    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
    public static var wallNanoseconds: Int64 { read(CLOCK_REALTIME) }

    /// Milliseconds since the Unix epoch.
    public static var wallMilliseconds: Int64 { wallNanoseconds / 1_000_000 }

    /// The wall clock as a capture time: what live packets are stamped with.
    public static var wallCaptureTime: CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: wallNanoseconds)
    }

    /// Sleeps `milliseconds` in slices of at most 50 ms, returning early once `shouldStop` says so (for back-off
    /// that a stop request must cut short).
    public static func sleep(milliseconds: Int64, unless shouldStop: () -> Bool) {
        let deadline = monotonicMilliseconds + milliseconds
        while !shouldStop() {
            let left = deadline - monotonicMilliseconds
            guard left > 0 else { return }
            usleep(UInt32(min(left, 50) * 1_000))
        }
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
