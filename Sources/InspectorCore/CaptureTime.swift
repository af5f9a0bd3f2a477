/// A point in capture time: nanoseconds since the Unix epoch, as stamped by the capture.
///
/// Capture time is the only clock the analysis uses (latency, idle flushing, timeouts), so a replayed
/// capture always gives the same answers.
public struct CaptureTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(seconds: Int64, nanoseconds: Int64) {
        self.nanosecondsSinceEpoch = seconds &* 1_000_000_000 &+ nanoseconds
    }

    public static let zero = CaptureTime(nanosecondsSinceEpoch: 0)

    public static func < (lhs: CaptureTime, rhs: CaptureTime) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// Epoch seconds as a `Double` (sub-microsecond precision for any date this century).
    public var epochSeconds: Double { Double(nanosecondsSinceEpoch) / 1e9 }

    /// Whole microseconds from `earlier` to `self` (negative when `earlier` is later), rounded toward zero.
    public func microseconds(since earlier: CaptureTime) -> Int64 {
        (nanosecondsSinceEpoch &- earlier.nanosecondsSinceEpoch) / 1_000
    }

    public func adding(nanoseconds: Int64) -> CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: nanosecondsSinceEpoch &+ nanoseconds)
    }

    public func adding(seconds: Double) -> CaptureTime {
        adding(nanoseconds: Int64(seconds * 1e9))
    }

    /// `seconds.micros` with exactly six decimals: `1795303779.317596`.
    public var description: String {
        let seconds = nanosecondsSinceEpoch.floorDivided(by: 1_000_000_000)
        let micros = (nanosecondsSinceEpoch - seconds * 1_000_000_000) / 1_000
        let fraction = String(micros)
        return "\(seconds).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}

extension Int64 {
    @usableFromInline
    package func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
