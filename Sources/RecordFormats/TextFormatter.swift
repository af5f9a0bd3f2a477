import NetworkLayers
public import Correlation
import DubboWire
import Hessian2
import InspectorCore

/// One aligned, human-readable line per record. Every string from the wire passes through `TerminalText`.
public struct TextFormatter: Sendable {
    public var options: RecordRenderOptions
    /// Widest a line's free-text tail (arguments, errors) may get.
    public var detailWidth: Int

    public init(options: RecordRenderOptions = RecordRenderOptions(), detailWidth: Int = 120) {
        self.options = options
        self.detailWidth = detailWidth
    }

    public static let header =
        "time                         kind       client                 server                 id          status  latency      call"

    public func line(_ record: CallRecord) -> String {
        let time = record.startTime?.iso8601 ?? "-"
        let latency = record.latencyMicroseconds.map(Self.formatLatency) ?? "-"
        let status: String = switch record.outcome {
        case .noResponse: "none"
        case .oneway: "oneway"
        case .cancelled: "reset"
        default: record.statusNumber.map { String($0) } ?? "-"
        }
        var line = TerminalText.pad(time, columns: 28)
        line += " " + TerminalText.pad(record.kind.rawValue, columns: 10)
        line += " " + TerminalText.pad(record.client.description, columns: 22)
        line += " " + TerminalText.pad(record.server.description, columns: 22)
        line += " " + TerminalText.pad(String(record.requestID), columns: 11)
        line += " " + TerminalText.pad(status, columns: 7)
        line += " " + TerminalText.pad(latency, columns: 12, rightAligned: true)
        line += " " + TerminalText.sanitize(record.displayName)
        if let detail = detail(record), !detail.isEmpty {
            line += " " + TerminalText.fit(TerminalText.sanitize(detail), columns: detailWidth)
        }
        if !record.quality.isEmpty {
            line += " [" + record.quality.names.joined(separator: ",") + "]"
        }
        return line
    }

    private func detail(_ record: CallRecord) -> String? {
        if let message = record.response?.errorMessage { return "error: \(message)" }
        if let exception = record.response?.exceptionSummary { return "threw \(exception)" }
        guard options.includePayload else { return nil }
        if let request = record.request, request.argumentsDecoded {
            var text = "(" + request.arguments.map { compactJSON($0) }.joined(separator: ", ") + ")"
            if let value = record.response?.value { text += " → " + compactJSON(value) }
            return text
        }
        if let value = record.response?.value { return "→ " + compactJSON(value) }
        if let data = record.eventData { return compactJSON(data) }
        return nil
    }

    private func compactJSON(_ value: HessianValue) -> String {
        var writer = JSONWriter()
        var budget = detailWidth + 1
        value.writeJSON(to: &writer, budget: &budget)
        return writer.string
    }

    static func formatLatency(_ microseconds: Int64) -> String {
        if microseconds < 1_000 { return "\(microseconds) µs" }
        let milliseconds = Double(microseconds) / 1_000
        if milliseconds < 10_000 {
            let rounded = (milliseconds * 1_000).rounded() / 1_000
            return "\(rounded) ms"
        }
        return "\((milliseconds / 1_000 * 100).rounded() / 100) s"
    }
}
