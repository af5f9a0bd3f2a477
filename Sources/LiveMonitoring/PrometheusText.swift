/// Builds a Prometheus text exposition (format 0.0.4): `# HELP`, `# TYPE`, then one sample per line.
///
/// Label values are escaped as the format asks (`\` → `\\`, `"` → `\"`, line feed → `\n`); HELP text escapes
/// `\` and line feeds. Values are written so Prometheus parses them back exactly: integers as digits, other
/// numbers in Swift's shortest round-trip form, infinities as `+Inf`/`-Inf`, not-a-number as `NaN`.
package struct PrometheusText: Sendable {
    package private(set) var text = ""

    package init(reservingCapacity capacity: Int = 4_096) {
        text.reserveCapacity(capacity)
    }

    /// The content type a scrape answer carries.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    package enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    /// Starts a metric family. Every family is announced once, before its samples.
    package mutating func family(_ name: String, _ type: MetricType, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample line: `name{label="value",...} value`.
    package mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label
                text += "=\""
                text += Self.escapeLabelValue(labelValue)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += Self.format(value)
        text += "\n"
    }

    /// A sample whose value is a count.
    package mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: UInt64) {
        sample(name, labels, Double(value))
    }

    // MARK: Escaping and numbers

    package static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    package static func escapeHelp(_ help: String) -> String {
        help.replacingBackslashesAndNewlines()
    }

    /// A sample value as the exposition format writes it.
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension String {
    fileprivate func replacingBackslashesAndNewlines() -> String {
        guard utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return self }
        var escaped = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
