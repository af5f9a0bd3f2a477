public import Hessian2
import TripleWire
import DubboWire
import InspectorCore

/// The consumer's deadline for a call, as its request states it, and whether the call kept it.
public enum CallTimeout {
    /// Largest timeout accepted (about 24.8 days, Java's `Integer.MAX_VALUE` ms): anything larger is not a deadline
    /// a consumer could set, so it is treated as absent rather than trusted.
    public static let maxMilliseconds: Int64 = Int64(Int32.max)

    /// Dubbo's `timeout` attachment: milliseconds as a decimal string (what Dubbo 2 writes) or an int/long.
    /// nil when absent, not a number, negative or above `maxMilliseconds`.
    public static func milliseconds(attachment value: HessianValue?) -> Int64? {
        guard let value else { return nil }
        if let number = value.integerValue { return accepted(number) }
        if let text = value.stringValue { return milliseconds(text: text) }
        return nil
    }

    /// A decimal count of milliseconds, optionally surrounded by spaces; nil for anything else.
    public static func milliseconds(text: String) -> Int64? {
        var text = text
        // Read once per call and per output format: one pass over contiguous UTF-8, no intermediate collections.
        return text.withUTF8 { bytes in
            var start = 0
            var end = bytes.count
            while start < end, bytes[start] == 0x20 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 { end -= 1 }
            guard end > start, end - start <= 10 else { return nil }
            var total: Int64 = 0
            for byte in bytes[start..<end] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                total = total * 10 + Int64(byte - 0x30)
            }
            return accepted(total)
        }
    }

    /// Whether a call with `timeoutMilliseconds` overran it: answered after `latencyMicroseconds`, or (no answer)
    /// still unanswered `waitedMicroseconds` after its request. nil when it cannot be told: no timeout, or no
    /// answer and the capture ended before the deadline.
    public static func exceeded(
        timeoutMilliseconds: Int64?, latencyMicroseconds: Int64?, waitedMicroseconds: Int64?
    ) -> Bool? {
        guard let timeoutMilliseconds else { return nil }
        let deadline = timeoutMilliseconds * 1_000
        if let latencyMicroseconds { return latencyMicroseconds > deadline }
        guard let waitedMicroseconds, waitedMicroseconds > deadline else { return nil }
        return true
    }

    static func accepted(_ value: Int64) -> Int64? {
        value >= 0 && value <= maxMilliseconds ? value : nil
    }
}

extension CallRecord {
    /// The consumer's deadline in milliseconds (`timeout_ms`): the dubbo request's `timeout` attachment, or Triple's
    /// `grpc-timeout` (parsed by TripleWire, rounded up to whole milliseconds).
    public var timeoutMilliseconds: Int64? {
        if let box = tripleBox { return box.call.timeoutMicroseconds.flatMap { CallTimeout.accepted(($0 + 999) / 1_000) } }
        return CallTimeout.milliseconds(attachment: request?.attachments?["timeout"])
    }

    /// `timeout_exceeded`: see `CallTimeout.exceeded`. An unanswered call is judged against `unansweredUntil`.
    public var timeoutExceeded: Bool? { timeoutExceeded(given: timeoutMilliseconds) }

    /// `timeoutExceeded` for a caller that already read `timeoutMilliseconds`.
    public func timeoutExceeded(given timeout: Int64?) -> Bool? {
        guard let timeout else { return nil }
        let waited: Int64? =
            if outcome == .noResponse, let start = requestFrame?.firstByteTime, let until = unansweredUntil {
                until.microseconds(since: start)
            } else { nil }
        return CallTimeout.exceeded(
            timeoutMilliseconds: timeout, latencyMicroseconds: responseFrame == nil ? nil : latencyMicroseconds,
            waitedMicroseconds: waited)
    }
}
