
extension CaptureTime {
    /// `2026-11-21T23:50:57.123456Z` (UTC, microseconds).
    public var iso8601: String {
        let totalMicros = nanosecondsSinceEpoch.floorDivided(by: 1_000)
        let seconds = totalMicros.floorDivided(by: 1_000_000)
        let micros = UInt64(totalMicros - seconds * 1_000_000)
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = UInt64(seconds - days * 86_400)
        var text = CivilDate(daysSinceEpoch: days).text
        text.append("T")
        CivilDate.append(secondOfDay / 3600, width: 2, to: &text)
        text.append(":")
        CivilDate.append(secondOfDay / 60 % 60, width: 2, to: &text)
        text.append(":")
        CivilDate.append(secondOfDay % 60, width: 2, to: &text)
        text.append(".")
        CivilDate.append(micros, width: 6, to: &text)
        text.append("Z")
        return text
    }
}
