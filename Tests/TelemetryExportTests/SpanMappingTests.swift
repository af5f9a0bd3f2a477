import Correlation
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers
import Testing
@testable import TelemetryExport

/// One span per call, following the OpenTelemetry Dubbo conventions.
@Suite("OTLP span mapping")
struct SpanMappingTests {
    func attributes(_ span: Opentelemetry_Proto_Trace_V1_Span) -> [String: String] {
        var out: [String: String] = [:]
        for pair in span.attributes {
            switch pair.value.value {
            case .stringValue(let text)?: out[pair.key] = text
            case .intValue(let number)?: out[pair.key] = String(number)
            case .arrayValue(let array)?: out[pair.key] = array.values.map(\.stringValue).joined(separator: ",")
            default: out[pair.key] = "?"
            }
        }
        return out
    }

    @Test("an answered call is a CLIENT span named <interface>/<method> from request to response first byte")
    func answeredCall() throws {
        let call = try #require(ExportedCall(CallBuilders.record(), includeAttachments: false))
        let span = call.span(includeMessages: true)
        #expect(span.name == "org.apache.dubbo.demo.DemoService/sayHello")
        #expect(span.kind == .client)
        #expect(span.startTimeUnixNano == 1_700_000_000_000_363_000)
        #expect(span.endTimeUnixNano == 1_700_000_000_001_852_000)
        #expect(span.status.code == .unset)
        #expect(span.parentSpanID.isEmpty)
        #expect(
            attributes(span) == [
                "rpc.system.name": "dubbo",
                "rpc.method": "org.apache.dubbo.demo.DemoService/sayHello",
                "rpc.response.status_code": "OK",
                "server.address": "10.0.0.2",
                "server.port": "20880",
                "network.peer.address": "10.0.0.2",
                "network.peer.port": "20880",
                "network.local.address": "10.0.0.1",
                "network.local.port": "54228",
                "dubbo_inspect.request_id": "3",
                "dubbo_inspect.outcome": "ok",
                "dubbo_inspect.service_version": "0.0.0",
            ])
    }

    @Test("a failed status sets error.type to the status name and the span status to ERROR")
    func failedStatus() throws {
        let record = CallBuilders.record(status: 80, errorMessage: "dispatcher failed")
        let span = try #require(ExportedCall(record, includeAttachments: false)).span(includeMessages: true)
        #expect(attributes(span)["rpc.response.status_code"] == "SERVER_ERROR")
        #expect(attributes(span)["error.type"] == "SERVER_ERROR")
        #expect(span.status.code == .error)
        #expect(span.status.message == "dispatcher failed")
        let quiet = try #require(ExportedCall(record, includeAttachments: false)).span(includeMessages: false)
        #expect(quiet.status.message == "SERVER_ERROR")
    }

    @Test("a business exception keeps status OK and sets error.type to the exception class, with an event")
    func businessException() throws {
        let exception = HessianValue.object(
            HessianObject(
                className: "java.lang.IllegalStateException", fieldNames: ["detailMessage"],
                fieldValues: [.string("boom")]))
        let span = try #require(
            ExportedCall(CallBuilders.record(exception: exception), includeAttachments: false)
        ).span(includeMessages: true)
        #expect(attributes(span)["rpc.response.status_code"] == "OK")
        #expect(attributes(span)["error.type"] == "java.lang.IllegalStateException")
        #expect(span.status.code == .error)
        #expect(span.events.map(\.name) == ["exception"])
        #expect(span.events.first?.timeUnixNano == span.endTimeUnixNano)
        #expect(
            span.events.first?.attributes.map(\.key) == ["exception.type", "exception.message"])
    }

    @Test("an unanswered request is a zero-length span at the request time marked no_response")
    func unanswered() throws {
        let span = try #require(
            ExportedCall(CallBuilders.record(status: nil), includeAttachments: false)
        ).span(includeMessages: true)
        #expect(span.startTimeUnixNano == 1_700_000_000_000_363_000)
        #expect(span.endTimeUnixNano == span.startTimeUnixNano)
        #expect(attributes(span)["rpc.response.status_code"] == nil)
        #expect(attributes(span)["error.type"] == "no_response")
        #expect(attributes(span)["dubbo_inspect.outcome"] == "no_response")
        #expect(span.status.code == .error)
        #expect(span.status.message == "no response in the capture")
    }

    @Test("heartbeats, events and orphan responses are not exported")
    func nonRPCRecordsAreSkipped() {
        var heartbeat = CallBuilders.record()
        heartbeat.kind = .heartbeat
        var orphan = CallBuilders.record()
        orphan.kind = .orphanResponse
        orphan.requestFrame = nil
        #expect(ExportedCall(heartbeat, includeAttachments: false) == nil)
        #expect(ExportedCall(orphan, includeAttachments: false) == nil)
    }

    @Test("a call whose method is unknown is named dubbo with rpc.method _OTHER")
    func unknownMethod() throws {
        var record = CallBuilders.record()
        record.request = nil
        let span = try #require(ExportedCall(record, includeAttachments: false)).span(includeMessages: true)
        #expect(span.name == "dubbo")
        #expect(attributes(span)["rpc.method"] == "_OTHER")
    }

    @Test("ids are derived from the call: the same call gives the same ids, another call other ids")
    func deterministicIDs() throws {
        let first = try #require(ExportedCall(CallBuilders.record(id: 3), includeAttachments: false))
        let again = try #require(ExportedCall(CallBuilders.record(id: 3), includeAttachments: false))
        let other = try #require(ExportedCall(CallBuilders.record(id: 4), includeAttachments: false))
        #expect(first.spanID == again.spanID)
        #expect(first.traceID == again.traceID)
        #expect(first.spanID != other.spanID)
        #expect(first.traceID != other.traceID)
        #expect(first.spanID.isValid && first.traceID.isValid)
        let span = first.span(includeMessages: true)
        #expect(span.spanID.count == 8)
        #expect(span.traceID.count == 16)
        #expect(span.flags == 0x101)
    }

    @Test("a traceparent attachment puts the span in that trace under that parent")
    func joinsW3CTrace() throws {
        let record = CallBuilders.record(attachments: [
            ("traceparent", .string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        ])
        let call = try #require(ExportedCall(record, includeAttachments: false))
        let span = call.span(includeMessages: true)
        #expect(call.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(Array(span.traceID) == call.traceID.bytes)
        #expect(Array(span.parentSpanID) == [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        #expect(span.flags == 0x301)  // sampled, parent is remote
        #expect(attributes(span)["rpc.request.metadata.traceparent"] == nil)  // attachments are opt-in
    }

    @Test("--otlp-attachments adds every attachment as rpc.request.metadata.<lowercased key>")
    func attachmentsAreOptIn() throws {
        let record = CallBuilders.record(attachments: [
            ("path", .string("org.apache.dubbo.demo.DemoService")), ("Timeout", .int(3000)),
        ])
        let span = try #require(ExportedCall(record, includeAttachments: true)).span(includeMessages: true)
        #expect(attributes(span)["rpc.request.metadata.path"] == "org.apache.dubbo.demo.DemoService")
        #expect(attributes(span)["rpc.request.metadata.timeout"] == "3000")
        let metadata = span.attributes.first { $0.key == "rpc.request.metadata.path" }
        #expect(metadata?.value.arrayValue.values.count == 1)  // string[] as the convention says
    }

    @Test("a long attachment value is cut to the limit")
    func longAttachmentIsCut() {
        let text = ExportedCall.metadataText(.string(String(repeating: "x", count: 5_000)))
        #expect(text.utf8.count <= ExportedCall.maxMetadataValueBytes)
        #expect(text.hasSuffix("…"))
    }
}
