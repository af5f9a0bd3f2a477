/// ISO 8601 text in UTC, without Foundation: every timestamp the tool prints (records' capture times, Hessian
/// dates). Proleptic Gregorian calendar (see `CivilDate` for years).
public enum ISO8601 {
    /// `2023-11-14T22:13:20Z`, or `2023-11-14T22:13:20.123Z` when the milliseconds are not zero (Hessian dates).
    /// Every Int64 is accepted.
    public static func text(millisecondsSinceEpoch milliseconds: Int64) -> String {
        let millisecondsPerDay: Int64 = 86_400_000
        var days = milliseconds / millisecondsPerDay
        var millisecondOfDay = milliseconds % millisecondsPerDay
        if millisecondOfDay < 0 {
            // Floor division without multiplying back, which could overflow near Int64.min.
            millisecondOfDay += millisecondsPerDay
            days -= 1
        }
        let fraction = UInt64(millisecondOfDay % 1_000)
        return text(days: days, secondOfDay: UInt64(millisecondOfDay / 1_000), fraction: fraction == 0 ? nil : (fraction, 3))
    }

    /// `days` since the epoch and the second of that day, with an optional fraction of `digits` digits.
    static func text(days: Int64, secondOfDay: UInt64, fraction: (value: UInt64, digits: Int)?) -> String {
        var text = CivilDate(daysSinceEpoch: days).text
        text.reserveCapacity(32)
        text.append("T")
        CivilDate.append(secondOfDay / 3600, width: 2, to: &text)
        text.append(":")
        CivilDate.append(secondOfDay / 60 % 60, width: 2, to: &text)
        text.append(":")
        CivilDate.append(secondOfDay % 60, width: 2, to: &text)
        if let fraction {
            text.append(".")
            CivilDate.append(fraction.value, width: fraction.digits, to: &text)
        }
        text.append("Z")
        return text
    }
}

extension CaptureTime {
    /// `2026-11-21T23:50:57.123456Z` (UTC, microseconds).
    public var iso8601: String {
        let totalMicros = nanosecondsSinceEpoch.floorDivided(by: 1_000)
        let seconds = totalMicros.floorDivided(by: 1_000_000)
        let micros = UInt64(totalMicros - seconds * 1_000_000)
        let days = seconds.floorDivided(by: 86_400)
        return ISO8601.text(days: days, secondOfDay: UInt64(seconds - days * 86_400), fraction: (micros, 6))
    }
}
