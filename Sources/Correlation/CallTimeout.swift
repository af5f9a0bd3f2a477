public import Hessian2
import DubboWire
public import InspectorCore

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
        let digits = text.utf8.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var total: Int64 = 0
        for byte in digits {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            total = total * 10 + Int64(byte - 0x30)
        }
        return accepted(total)
    }

    /// gRPC's `grpc-timeout` header (`TimeoutValue TimeoutUnit`: at most 8 digits, then one of H M S m u n),
    /// in milliseconds rounded up so a sub-millisecond deadline is not reported as none. nil when malformed.
    public static func milliseconds(grpcTimeout text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var value: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        let nanosecondsPerUnit: Int64
        switch unit {
        case UInt8(ascii: "H"): nanosecondsPerUnit = 3_600_000_000_000
        case UInt8(ascii: "M"): nanosecondsPerUnit = 60_000_000_000
        case UInt8(ascii: "S"): nanosecondsPerUnit = 1_000_000_000
        case UInt8(ascii: "m"): nanosecondsPerUnit = 1_000_000
        case UInt8(ascii: "u"): nanosecondsPerUnit = 1_000
        case UInt8(ascii: "n"): nanosecondsPerUnit = 1
        default: return nil
        }
        // 99_999_999 H in ns overflows Int64, so large units convert to ms without passing through ns.
        let milliseconds: Int64
        if nanosecondsPerUnit >= 1_000_000 {
            let (product, overflow) = value.multipliedReportingOverflow(by: nanosecondsPerUnit / 1_000_000)
            guard !overflow else { return nil }
            milliseconds = product
        } else {
            let nanoseconds = value * nanosecondsPerUnit
            milliseconds = (nanoseconds + 999_999) / 1_000_000
        }
        return accepted(milliseconds)
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

    private static func accepted(_ value: Int64) -> Int64? {
        value >= 0 && value <= maxMilliseconds ? value : nil
    }
}

extension CallRecord {
    /// The request's `timeout` attachment in milliseconds (`timeout_ms`).
    public var timeoutMilliseconds: Int64? {
        CallTimeout.milliseconds(attachment: request?.attachments?["timeout"])
    }

    /// `timeout_exceeded`: see `CallTimeout.exceeded`. An unanswered call is judged against `unansweredUntil`.
    public var timeoutExceeded: Bool? {
        guard let timeout = timeoutMilliseconds else { return nil }
        let waited: Int64? =
            if outcome == .noResponse, let start = requestFrame?.firstByteTime, let until = unansweredUntil {
                until.microseconds(since: start)
            } else { nil }
        return CallTimeout.exceeded(
            timeoutMilliseconds: timeout, latencyMicroseconds: responseFrame == nil ? nil : latencyMicroseconds,
            waitedMicroseconds: waited)
    }
}
