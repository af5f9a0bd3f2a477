/// What one POST came to.
package enum TransportResult: Sendable, Equatable {
    /// The server answered with this status; `retryAfter` from a `Retry-After` header in seconds; `body` is the
    /// answer's first 64 KiB.
    case answered(status: Int, retryAfter: Double?, body: [UInt8])
    /// No answer: connection refused or reset, timeout, … (always worth another try).
    case failed(String)
}

/// Sends one OTLP request body and reports the outcome. The exporter's thread is the only caller; an
/// implementation may block it for at most `timeout` seconds.
package protocol OTLPTransport: AnyObject {
    func post(path: String, body: [UInt8], timeout: Double) -> TransportResult
    /// Releases connections and threads; called once, at the end.
    func shutdown()
}
