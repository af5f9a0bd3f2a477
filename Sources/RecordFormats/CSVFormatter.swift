public import RegistryJoin
import DubboWire
import NetworkLayers
public import Correlation
import Hessian2
public import InspectorCore

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

    /// The record's row, CRLF-terminated.
    public func row(_ record: CallRecord, registry: RegistryAnnotation = .noRegistry) -> String {
        var writer = JSONWriter()
        write(record, registry: registry, to: &writer)
        return writer.string
    }

    /// Appends the record's row and CRLF to `writer`'s bytes. Cells are written as bytes: a cell of printable text
    /// without `,` `"` CR LF is copied as it is; only a cell that may hold a control character takes the
    /// character-level path of `text`.
    public func write(_ record: CallRecord, registry: RegistryAnnotation = .noRegistry, to writer: inout JSONWriter) {
        let request = record.request
        let response = record.response
        let payload = json.options.includePayload
        var first = true
        var scratch = JSONWriter()
        func separate() {
            if first { first = false } else { writer.comma() }
        }
        /// A cell of our own text (names, numbers, times): quoted when it needs to be.
        func cell(_ value: String) {
            separate()
            Self.appendQuoted(value, to: &writer)
        }
        func cell(_ value: Int64?) {
            separate()
            if let value { writer.integer(value) }
        }
        /// A cell of text from the wire (`text`), or empty.
        func textCell(_ value: String?) {
            separate()
            if let value { Self.appendText(value, to: &writer) }
        }
        /// A cell of JSON rendered by `render`, treated as text from the wire.
        func jsonCell(_ render: (inout JSONWriter) -> Bool) {
            separate()
            scratch.removeAll()
            guard payload, render(&scratch) else { return }
            scratch.bytes.withUnsafeBufferPointer { Self.appendText(utf8: $0, to: &writer) }
        }
        func jsonCell(_ value: HessianValue?) {
            jsonCell { scratch in
                guard let value else { return false }
                json.writeValue(value, to: &scratch)
                return true
            }
        }

        cell(record.kind.rawValue)
        separate(); record.client.withText { Self.appendQuoted(utf8: $0, to: &writer) }
        separate(); record.server.withText { Self.appendQuoted(utf8: $0, to: &writer) }
        cell(record.requestID)
        textCell(record.serializationName)
        textCell(request?.dubboVersion)
        textCell(request?.service ?? registry.inferredService)
        textCell(request?.version)
        textCell(record.group)
        textCell(request?.method)
        textCell(record.parameterTypeNames?.joined(separator: ";"))
        jsonCell { scratch in json.writeArgumentList(record, to: &scratch) }
        jsonCell(request?.attachments.map(HessianValue.map))
        cell(record.statusNumber.map { Int64($0) })
        cell(record.statusName ?? "")
        cell(record.resultName ?? "")
        jsonCell(response?.value)
        textCell(response?.exceptionSummary)
        textCell(response?.errorMessage)
        jsonCell(response?.attachments.map(HessianValue.map))
        cell(record.requestTime?.description ?? "")
        cell(record.responseTime?.description ?? "")
        cell(record.requestEndTime?.description ?? "")
        cell(record.responseEndTime?.description ?? "")
        cell(record.latencyMicroseconds)
        cell(record.outcome.rawValue)
        cell(record.requestBodyBytes.map { Int64($0) })
        cell(record.responseBodyBytes.map { Int64($0) })
        cell(record.quality.names.joined(separator: ";"))
        textCell(registry.providerApplication)
        textCell(registry.consumerApplication)
        textCell(registry.providerURL)
        cell(registry.status.rawValue)
        cell(registry.serviceInferred ? "true" : "false")
        cell(registry.registeredSerializations?.joined(separator: ";") ?? "")
        cell(record.wireProtocol.rawValue)
        cell(Int64(record.requestMessageCount))
        cell(Int64(record.responseMessageCount))
        textCell(record.remoteApplication)
        let timeout = record.timeoutMilliseconds
        cell(timeout.map { Int64($0) })
        cell(record.timeoutExceeded(given: timeout).map { $0 ? "true" : "false" } ?? "")
        writer.raw("\r\n")
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
        if Self.startsFormula(first) { return "'" + value }
        return value
    }

    /// Whether a cell starting with `scalar` would be run by a spreadsheet as a formula.
    private static func startsFormula(_ scalar: Unicode.Scalar) -> Bool {
        ["=", "+", "-", "@", "\t", "\r", "|"].contains(scalar)
    }

    /// `text(value)`, quoted as a cell needs, appended as bytes.
    static func appendText(_ value: String, to writer: inout JSONWriter) {
        value.withUTF8Bytes { appendText(utf8: $0, to: &writer) }
    }

    /// `text` of UTF-8 bytes, quoted as a cell needs. Text without a control character is neutralised by its
    /// first byte alone; any other goes through `text`, character by character.
    static func appendText(utf8: UnsafeBufferPointer<UInt8>, to writer: inout JSONWriter) {
        guard let first = utf8.first else { return }
        guard !TextScan.containsTerminalControl(utf8) else {
            return appendQuoted(text(String(decoding: utf8, as: UTF8.self)), to: &writer)
        }
        // Plain text: its first character is ASCII exactly when its first byte is.
        appendQuoted(utf8, neutralised: first < 0x80 && startsFormula(Unicode.Scalar(first)), to: &writer)
    }

    package static func quote(_ cell: String) -> String {
        var writer = JSONWriter()
        appendQuoted(cell, to: &writer)
        return writer.string
    }

    static func appendQuoted(_ cell: String, to writer: inout JSONWriter) {
        cell.withUTF8Bytes { appendQuoted(utf8: $0, to: &writer) }
    }

    static func appendQuoted(utf8: UnsafeBufferPointer<UInt8>, to writer: inout JSONWriter) {
        appendQuoted(utf8, neutralised: false, to: &writer)
    }

    /// RFC 4180: a cell holding `,` `"` CR or LF is put in quotes, its quotes doubled. `neutralised` puts `'` first.
    private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, neutralised: Bool, to writer: inout JSONWriter) {
        var rest = utf8[...]
        let needsQuotes = TextScan.csvPlainPrefix(utf8) < utf8.count
        if needsQuotes { writer.raw("\"") }
        if neutralised { writer.raw("'") }
        if needsQuotes {
            while let quote = rest.firstIndex(of: UInt8(ascii: "\"")) {
                writer.appendRaw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: rest[...quote])))
                writer.raw("\"")
                rest = rest[(quote + 1)...]
            }
        }
        writer.appendRaw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: rest)))
        if needsQuotes { writer.raw("\"") }
    }
}
