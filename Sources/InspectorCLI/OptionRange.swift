import ArgumentParser

/// Range checks for option values, so a slip (bytes given where MiB are meant, a negative count, seconds in
/// milliseconds) is a clear error naming the option and its range instead of a setting silently clamped.
enum OptionRange {
    static func check<Value: Comparable>(
        _ value: Value, in range: ClosedRange<Value>, option: String, unit: String = ""
    ) throws {
        guard range.contains(value) else {
            let unitText = unit.isEmpty ? "" : " " + unit
            throw ValidationError(
                "\(option) \(value) is out of range: it must be \(range.lowerBound)...\(range.upperBound)\(unitText)")
        }
    }

    /// A number of seconds: finite, above zero, at most `maximum`.
    static func checkSeconds(_ value: Double, option: String, maximum: Double, allowZero: Bool = false) throws {
        guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= maximum else {
            throw ValidationError(
                "\(option) \(value) is out of range: it must be \(allowZero ? "0" : "above 0") to \(Int(maximum)) seconds")
        }
    }

    /// A week: the longest timeout, duration or interval that is not a slip.
    static let week = 7 * 86_400.0
}
