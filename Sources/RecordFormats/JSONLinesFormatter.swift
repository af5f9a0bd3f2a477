public import RegistryJoin
import NetworkLayers
public import Correlation
import DubboWire
package import Hessian2
public import InspectorCore

/// Writes a `CallRecord` as one JSON object with exactly the keys of docs/RECORDS.md, in that order.
public struct JSONLinesFormatter: Sendable {
    public var options: RecordRenderOptions

    public init(options: RecordRenderOptions = RecordRenderOptions()) {
        self.options = options
    }

    /// Appends the record and a newline to `writer`. `registry` fills the registry keys (RegistryJoin).
    public func write(_ record: CallRecord, registry: RegistryAnnotation = .noRegistry, to writer: inout JSONWriter) {
        let request = record.request
        let response = record.response
        writer.beginObject()
        writer.key("kind"); writer.string(record.kind.rawValue)
        writer.comma(); writer.key("client"); record.client.withText { writer.string(utf8: $0) }
        writer.comma(); writer.key("server"); record.server.withText { writer.string(utf8: $0) }
        writer.comma(); writer.key("request_id"); writer.integer(record.requestID)
        writer.comma(); writer.key("serialization"); writer.optionalString(record.serializationName)
        writer.comma(); writer.key("dubbo_version"); writer.optionalString(request?.dubboVersion)
        writer.comma(); writer.key("service"); writer.optionalString(request?.service ?? registry.inferredService)
        writer.comma(); writer.key("version"); writer.optionalString(request?.version)
        writer.comma(); writer.key("group"); writer.optionalString(record.group)
        writer.comma(); writer.key("method"); writer.optionalString(request?.method)
        writer.comma(); writer.key("parameter_types")
        if !record.isTriple, let descriptor = request?.parameterDescriptor {
            ParameterDescriptor.writeJavaNames(descriptor, to: &writer)
        } else {
            Self.writeStrings(record.parameterTypeNames, to: &writer)
        }
        writer.comma(); writer.key("arguments"); writeArguments(record, to: &writer)
        writer.comma(); writer.key("attachments"); writePayload(request?.attachments.map(HessianValue.map), to: &writer)
        writer.comma(); writer.key("status")
        if let status = record.statusNumber { writer.integer(status) } else { writer.null() }
        writer.comma(); writer.key("status_name"); writer.optionalString(record.statusName)
        writer.comma(); writer.key("result"); writer.optionalString(record.resultName)
        writer.comma(); writer.key("return_value"); writePayload(response?.value, to: &writer)
        writer.comma(); writer.key("exception"); writer.optionalString(response?.exceptionSummary)
        writer.comma(); writer.key("error_message"); writer.optionalString(response?.errorMessage)
        writer.comma(); writer.key("response_attachments")
        writePayload(response?.attachments.map(HessianValue.map), to: &writer)
        writer.comma(); writer.key("request_ts"); writeTime(record.requestTime, to: &writer)
        writer.comma(); writer.key("response_ts"); writeTime(record.responseTime, to: &writer)
        writer.comma(); writer.key("request_end_ts"); writeTime(record.requestEndTime, to: &writer)
        writer.comma(); writer.key("response_end_ts"); writeTime(record.responseEndTime, to: &writer)
        writer.comma(); writer.key("latency_us")
        if let latency = record.latencyMicroseconds { writer.integer(latency) } else { writer.null() }
        writer.comma(); writer.key("outcome"); writer.string(record.outcome.rawValue)
        writer.comma(); writer.key("request_bytes")
        if let bytes = record.requestBodyBytes { writer.integer(bytes) } else { writer.null() }
        writer.comma(); writer.key("response_bytes")
        if let bytes = record.responseBodyBytes { writer.integer(bytes) } else { writer.null() }
        writer.comma(); writer.key("quality")
        writer.beginArray()
        for (index, name) in record.quality.names.enumerated() {
            if index > 0 { writer.comma() }
            writer.string(name)
        }
        writer.endArray()
        writer.comma(); writer.key("provider_application"); writer.optionalString(registry.providerApplication)
        writer.comma(); writer.key("consumer_application"); writer.optionalString(registry.consumerApplication)
        writer.comma(); writer.key("provider_url"); writer.optionalString(registry.providerURL)
        writer.comma(); writer.key("registry_status"); writer.string(registry.status.rawValue)
        writer.comma(); writer.key("service_inferred"); writer.bool(registry.serviceInferred)
        writer.comma(); writer.key("registered_serializations")
        Self.writeStrings(registry.registeredSerializations, to: &writer)
        writer.comma(); writer.key("protocol"); writer.string(record.wireProtocol.rawValue)
        writer.comma(); writer.key("request_messages"); writer.integer(record.requestMessageCount)
        writer.comma(); writer.key("response_messages"); writer.integer(record.responseMessageCount)
        writer.comma(); writer.key("remote_application"); writer.optionalString(record.remoteApplication)
        let timeout = record.timeoutMilliseconds
        writer.comma(); writer.key("timeout_ms")
        if let timeout { writer.integer(timeout) } else { writer.null() }
        writer.comma(); writer.key("timeout_exceeded")
        if let exceeded = record.timeoutExceeded(given: timeout) { writer.bool(exceeded) } else { writer.null() }
        writer.endObject()
        writer.raw("\n")
    }

    /// An array of strings, or null.
    private static func writeStrings(_ strings: [String]?, to writer: inout JSONWriter) {
        guard let strings else { return writer.null() }
        writer.beginArray()
        for (index, string) in strings.enumerated() {
            if index > 0 { writer.comma() }
            writer.string(string)
        }
        writer.endArray()
    }

    private func writeArguments(_ record: CallRecord, to writer: inout JSONWriter) {
        guard options.includePayload, writeArgumentList(record, to: &writer) else { return writer.null() }
    }

    /// The arguments (an event's data) as a JSON array; false, writing nothing, when there are none to show.
    package func writeArgumentList(_ record: CallRecord, to writer: inout JSONWriter) -> Bool {
        if record.kind == .event {
            guard let data = record.eventData else { return false }
            writer.beginArray()
            writeValue(data, to: &writer)
            writer.endArray()
            return true
        }
        guard let request = record.request, request.argumentsDecoded else { return false }
        writer.beginArray()
        for (index, argument) in request.arguments.enumerated() {
            if index > 0 { writer.comma() }
            writeValue(argument, to: &writer)
        }
        writer.endArray()
        return true
    }

    private func writePayload(_ value: HessianValue?, to writer: inout JSONWriter) {
        guard options.includePayload, let value else { return writer.null() }
        writeValue(value, to: &writer)
    }

    /// A value, or a `$truncated` marker when its JSON is longer than `maxValueBytes`. Rendered in place; only
    /// a value that turns out too long is taken back out (its first bytes become the preview).
    package func writeValue(_ value: HessianValue, to writer: inout JSONWriter) {
        let start = writer.bytes.count
        // Rendering stops a little past the limit, so a huge value costs no more than the limit to find out.
        var budget = options.maxValueBytes + 1
        value.writeJSON(to: &writer, budget: &budget)
        guard writer.bytes.count - start > options.maxValueBytes else { return }
        let previewLength = min(options.maxValueBytes, 256)
        let preview = String(decoding: writer.bytes[start..<(start + previewLength)], as: UTF8.self)
        writer.truncate(to: start)
        writer.beginObject()
        writer.key("$truncated"); writer.bool(true)
        writer.comma(); writer.key("preview")
        writer.string(preview)
        writer.endObject()
    }

    private func writeTime(_ time: CaptureTime?, to writer: inout JSONWriter) {
        if let time { writer.timestamp(time) } else { writer.null() }
    }
}
