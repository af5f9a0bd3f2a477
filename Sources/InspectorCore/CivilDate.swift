/// A proleptic Gregorian calendar date, from a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
/// Shared by every place that prints a date, so they cannot disagree.
public struct CivilDate: Sendable, Equatable {
    public var year: Int64
    /// 1–12.
    public var month: Int64
    /// 1–31.
    public var day: Int64

    public init(daysSinceEpoch days: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1st
        let monthIndex = (5 * dayOfYear + 2) / 153  // 0 = March
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `2023-11-14`; years have at least four digits, years before 1 BCE a leading `-` (year 0 is 1 BCE).
    public var text: String {
        var text = year < 0 ? "-" : ""
        Self.append(year.magnitude, width: 4, to: &text)
        text.append("-")
        Self.append(UInt64(month), width: 2, to: &text)
        text.append("-")
        Self.append(UInt64(day), width: 2, to: &text)
        return text
    }

    /// Appends `value` in decimal, zero-padded to `width` digits.
    public static func append(_ value: UInt64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}
