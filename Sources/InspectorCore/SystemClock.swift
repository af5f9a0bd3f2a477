import Glibc

/// The two system clocks the tool reads, in one place. Neither is ever used for what a record or report says about
/// traffic (capture time is the only clock for that); they serve deadlines, back-off and "when was this read".
public enum SystemClock {
    /// Nanoseconds on a clock that never jumps (`CLOCK_MONOTONIC`).
    public static var monotonicNanoseconds: Int64 { read(CLOCK_MONOTONIC) }

    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
    public static var wallNanoseconds: Int64 { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
