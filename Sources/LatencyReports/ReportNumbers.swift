import RegistryJoin
import RecordFormats
/// Number formatting for reports, without Foundation: fixed decimals, durations, sizes, rates.
enum ReportNumbers {
    /// `value` with exactly `decimals` digits after the point (rounded half away from zero); `-` when not finite.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        let decimals = max(0, min(decimals, 9))
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return value < 0 ? "-\(abs(value))" : "\(value)" }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let whole = units / divisor
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let fraction = String(units % divisor)
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// Rounds to `decimals` places for machine formats (JSON), keeping the value a number.
    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        guard value.isFinite else { return value }
        var scale = 1.0
        for _ in 0..<max(0, min(decimals, 9)) { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// A duration for people: `850 µs`, `12.3 ms`, `1.25 s`, with three significant digits.
    static func duration(microseconds value: Int64?) -> String {
        guard let value else { return "-" }
        return duration(microseconds: Double(value))
    }

    static func duration(microseconds value: Double) -> String {
        guard value.isFinite else { return "-" }
        let magnitude = abs(value)
        if magnitude < 1_000 { return fixed(value, magnitude < 10 && value != value.rounded() ? 1 : 0) + " µs" }
        if magnitude < 1_000_000 { return significant(value / 1_000) + " ms" }
        if magnitude < 600_000_000 { return significant(value / 1_000_000) + " s" }
        return fixed(value / 60_000_000, 1) + " min"
    }

    /// A chart tick: like `duration` without trailing zeros (`20 ms`, `2.5 ms`).
    static func durationTick(microseconds value: Double) -> String {
        let text = duration(microseconds: value)
        guard let space = text.firstIndex(of: " "), text[..<space].contains(".") else { return text }
        var number = String(text[..<space])
        while number.hasSuffix("0") { number.removeLast() }
        if number.hasSuffix(".") { number.removeLast() }
        return number + text[space...]
    }

    /// Three significant digits for 1 ≤ |value| < 1000.
    static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude < 10 { return fixed(value, 2) }
        if magnitude < 100 { return fixed(value, 1) }
        return fixed(value, 0)
    }

    /// A size for people: `512 B`, `1.50 KiB`, `8.00 MiB`.
    static func bytes(_ value: Int64?) -> String {
        guard let value else { return "-" }
        let magnitude = Double(abs(value))
        if magnitude < 1_024 { return "\(value) B" }
        if magnitude < 1_048_576 { return significant(Double(value) / 1_024) + " KiB" }
        if magnitude < 1_073_741_824 { return significant(Double(value) / 1_048_576) + " MiB" }
        return significant(Double(value) / 1_073_741_824) + " GiB"
    }

    static func rate(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value >= 100 { return fixed(value, 0) }
        if value >= 10 { return fixed(value, 1) }
        return fixed(value, 2)
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return fixed(value * 100, value < 0.1 ? 2 : 1) + " %"
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}
