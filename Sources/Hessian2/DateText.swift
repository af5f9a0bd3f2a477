import InspectorCore

/// ISO 8601 text for Hessian dates, without Foundation.
enum DateText {
    /// `2023-11-14T22:13:20Z`, or `2023-11-14T22:13:20.123Z` when the milliseconds are not zero; proleptic
    /// Gregorian calendar, UTC (see `CivilDate` for years). Every Int64 is accepted.
    static func iso8601(millisecondsSinceEpoch milliseconds: Int64) -> String {
        let millisecondsPerDay: Int64 = 86_400_000
        var days = milliseconds / millisecondsPerDay
        var millisecondOfDay = milliseconds % millisecondsPerDay
        if millisecondOfDay < 0 {
            // Floor division without multiplying back, which could overflow near Int64.min.
            millisecondOfDay += millisecondsPerDay
            days -= 1
        }
        var text = CivilDate(daysSinceEpoch: days).text
        text.reserveCapacity(24)
        text.append("T")
        CivilDate.append(UInt64(millisecondOfDay / 3_600_000), width: 2, to: &text)
        text.append(":")
        CivilDate.append(UInt64(millisecondOfDay / 60_000 % 60), width: 2, to: &text)
        text.append(":")
        CivilDate.append(UInt64(millisecondOfDay / 1_000 % 60), width: 2, to: &text)
        let fraction = millisecondOfDay % 1_000
        if fraction != 0 {
            text.append(".")
            CivilDate.append(UInt64(fraction), width: 3, to: &text)
        }
        text.append("Z")
        return text
    }
}
