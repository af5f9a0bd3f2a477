public import RegistryJoin
import DubboWire
import NetworkLayers
public import Correlation
import Hessian2
import InspectorCore

/// One CSV row per record (RFC 4180), the same columns as the JSON-lines keys. Cells that hold structured values
/// carry their JSON text. Text cells that a spreadsheet would run as a formula are prefixed with `'`.
public struct CSVFormatter: Sendable {
    public var json: JSONLinesFormatter

    public init(options: RecordRenderOptions = RecordRenderOptions()) {
        self.json = JSONLinesFormatter(options: options)
    }

    public static let columns = [
        "kind", "client", "server", "request_id", "serialization", "dubbo_version", "service", "version", "group",
        "method", "parameter_types", "arguments", "attachments", "status", "status_name", "result", "return_value",
        "exception", "error_message", "response_attachments", "request_ts", "response_ts", "request_end_ts",
        "response_end_ts", "latency_us", "outcome", "request_bytes", "response_bytes", "quality",
        "provider_application", "consumer_application", "provider_url", "registry_status", "service_inferred",
        "registered_serializations",
        "protocol", "request_messages", "response_messages", "remote_application",
        "timeout_ms", "timeout_exceeded",
    ]

    public static var headerLine: String { columns.joined(separator: ",") + "\r\n" }

    public func row(_ record: CallRecord, registry: RegistryAnnotation = .noRegistry) -> String {
        let request = record.request
        let response = record.response
        let payload = json.options.includePayload
        var cells: [String] = []
        cells.reserveCapacity(Self.columns.count)
        cells.append(record.kind.rawValue)
        cells.append(record.client.description)
        cells.append(record.server.description)
        cells.append(String(record.requestID))
        cells.append(Self.text(record.serializationName))
        cells.append(Self.text(request?.dubboVersion))
        cells.append(Self.text(request?.service ?? registry.inferredService))
        cells.append(Self.text(request?.version))
        cells.append(Self.text(record.group))
        cells.append(Self.text(request?.method))
        cells.append(Self.text(record.parameterTypeNames?.joined(separator: ";")))
        cells.append(payload ? Self.text(argumentsJSON(record)) : "")
        cells.append(payload ? Self.text(request?.attachments.map { valueJSON(.map($0)) }) : "")
        cells.append(record.statusNumber.map { String($0) } ?? "")
        cells.append(record.statusName ?? "")
        cells.append(record.resultName ?? "")
        cells.append(payload ? Self.text(response?.value.map(valueJSON)) : "")
        cells.append(Self.text(response?.exceptionSummary))
        cells.append(Self.text(response?.errorMessage))
        cells.append(payload ? Self.text(response?.attachments.map { valueJSON(.map($0)) }) : "")
        cells.append(record.requestTime?.description ?? "")
        cells.append(record.responseTime?.description ?? "")
        cells.append(record.requestEndTime?.description ?? "")
        cells.append(record.responseEndTime?.description ?? "")
        cells.append(record.latencyMicroseconds.map { String($0) } ?? "")
        cells.append(record.outcome.rawValue)
        cells.append(record.requestBodyBytes.map { String($0) } ?? "")
        cells.append(record.responseBodyBytes.map { String($0) } ?? "")
        cells.append(record.quality.names.joined(separator: ";"))
        cells.append(Self.text(registry.providerApplication))
        cells.append(Self.text(registry.consumerApplication))
        cells.append(Self.text(registry.providerURL))
        cells.append(registry.status.rawValue)
        cells.append(registry.serviceInferred ? "true" : "false")
        cells.append(registry.registeredSerializations?.joined(separator: ";") ?? "")
        cells.append(record.wireProtocol.rawValue)
        cells.append(String(record.requestMessageCount))
        cells.append(String(record.responseMessageCount))
        cells.append(Self.text(record.remoteApplication))
        let timeout = record.timeoutMilliseconds
        cells.append(timeout.map { String($0) } ?? "")
        cells.append(record.timeoutExceeded(given: timeout).map { $0 ? "true" : "false" } ?? "")
        return cells.map(Self.quote).joined(separator: ",") + "\r\n"
    }

    private func argumentsJSON(_ record: CallRecord) -> String? {
        if record.kind == .event { return record.eventData.map { "[" + valueJSON($0) + "]" } }
        guard let request = record.request, request.argumentsDecoded else { return nil }
        return "[" + request.arguments.map(valueJSON).joined(separator: ",") + "]"
    }

    private func valueJSON(_ value: HessianValue) -> String {
        var writer = JSONWriter()
        json.writeValue(value, to: &writer)
        return writer.string
    }

    /// A text cell from the wire: neutralised if a spreadsheet would evaluate it, and with every control character
    /// but TAB, CR and LF (which quoting keeps inside the cell) shown as a visible escape, so CSV written to a
    /// terminal cannot carry an escape sequence (ESC, the C1 CSI/OSC, DEL, bidirectional overrides).
    package static func text(_ value: String?) -> String {
        guard var value, let first = value.unicodeScalars.first else { return "" }
        if value.unicodeScalars.contains(where: { TerminalText.isControl($0) && !["\t", "\r", "\n"].contains($0) }) {
            var visible = String.UnicodeScalarView()
            for scalar in value.unicodeScalars {
                if TerminalText.isControl(scalar), !["\t", "\r", "\n"].contains(scalar) {
                    visible.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
                } else {
                    visible.append(scalar)
                }
            }
            value = String(visible)
        }
        if ["=", "+", "-", "@", "\t", "\r", "|"].contains(first) { return "'" + value }
        return value
    }

    package static func quote(_ cell: String) -> String {
        let needsQuotes = cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingQuotes() + "\""
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\"" { result += "\"\"" } else { result.append(character) }
        }
        return result
    }
}
