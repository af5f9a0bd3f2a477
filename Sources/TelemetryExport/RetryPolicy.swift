/// When and how long to wait before sending a failed export again.
///
/// Retryable, as the OTLP/HTTP specification lists them: 429, 502, 503, 504, and failures to connect or to get an
/// answer at all. Any other status (400 malformed, 401/403, 404 wrong path, 413 too large, 500) fails the batch at
/// once: sending the same bytes again cannot help. Waits grow exponentially with ±20 % jitter, a server's
/// `Retry-After` (seconds) is honoured up to `maxDelay`, and no wait goes past the exporter's deadline.
package struct RetryPolicy: Sendable, Equatable {
    /// Attempts per export, the first included.
    package var maxAttempts: Int
    package var initialDelay: Double
    package var multiplier: Double
    package var maxDelay: Double

    package init(maxAttempts: Int = 5, initialDelay: Double = 0.5, multiplier: Double = 2, maxDelay: Double = 5) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
    }

    package static func isRetryable(status: Int) -> Bool {
        [429, 502, 503, 504].contains(status)
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based); `jitter` in [-1, 1] spreads it by ±20 %.
    package func delay(afterAttempt attempt: Int, retryAfter: Double?, jitter: Double) -> Double {
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, maxDelay) }
        var delay = initialDelay
        for _ in 1..<max(1, attempt) { delay *= multiplier }
        delay = min(delay, maxDelay)
        return max(0, delay * (1 + 0.2 * max(-1, min(1, jitter))))
    }
}
