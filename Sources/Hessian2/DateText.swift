/// ISO 8601 text for Hessian dates, without Foundation.
enum DateText {
    /// `2023-11-14T22:13:20Z`, or `2023-11-14T22:13:20.123Z` when the milliseconds are not zero; proleptic
    /// Gregorian calendar, UTC. Years are at least four digits; years before 1 BCE get a leading `-` (year 0 is
    /// 1 BCE, as in ISO 8601). Every Int64 is accepted.
    static func iso8601(millisecondsSinceEpoch milliseconds: Int64) -> String {
        let millisecondsPerDay: Int64 = 86_400_000
        var days = milliseconds / millisecondsPerDay
        var millisecondOfDay = milliseconds % millisecondsPerDay
        if millisecondOfDay < 0 {
            // Floor division without multiplying back, which could overflow near Int64.min.
            millisecondOfDay += millisecondsPerDay
            days -= 1
        }
        let (year, month, day) = civilDate(daysSinceEpoch: days)

        var text = ""
        text.reserveCapacity(24)
        if year < 0 { text.append("-") }
        append(year.magnitude, width: 4, to: &text)
        text.append("-")
        append(UInt64(month), width: 2, to: &text)
        text.append("-")
        append(UInt64(day), width: 2, to: &text)
        text.append("T")
        append(UInt64(millisecondOfDay / 3_600_000), width: 2, to: &text)
        text.append(":")
        append(UInt64(millisecondOfDay / 60_000 % 60), width: 2, to: &text)
        text.append(":")
        append(UInt64(millisecondOfDay / 1_000 % 60), width: 2, to: &text)
        let fraction = millisecondOfDay % 1_000
        if fraction != 0 {
            text.append(".")
            append(UInt64(fraction), width: 3, to: &text)
        }
        text.append("Z")
        return text
    }

    /// Year, month (1–12), day (1–31) of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1st
        let monthIndex = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func append(_ value: UInt64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}
