import InspectorCore

/// Seconds on the monotonic clock (for timeouts and backoff; never for what is exported).
enum MonotonicClock {
    static var now: Double {
        Double(SystemClock.monotonicNanoseconds) / 1e9
    }

    /// Nanoseconds since the Unix epoch, wall clock (for `live` metric timestamps).
    static var wallNanoseconds: Int64 {
        SystemClock.wallNanoseconds
    }
}
