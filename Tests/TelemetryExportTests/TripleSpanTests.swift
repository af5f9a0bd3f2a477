import Correlation
import InspectorCore
import NetworkLayers
import Testing
import TripleWire
@testable import TelemetryExport

/// Triple calls export like dubbo ones, with HTTP/2 named as the network protocol and gRPC status names.
@Suite("OTLP spans of Triple calls")
struct TripleSpanTests {
    static func tripleRecord(status: Int) -> CallRecord {
        var call = TripleCall(kind: .call, streamID: 7)
        call.service = "org.apache.dubbo.demo.GreeterService"
        call.method = "sayHello"
        call.version = "1.0.0"
        call.group = "blue"
        call.grpcStatus = status
        call.grpcMessage = status == 0 ? nil : "no user"
        call.requestTime = CallBuilders.base
        call.responseTime = CallBuilders.base.adding(nanoseconds: 250_000)
        call.responseEndTime = call.responseTime
        call.requestMessages = 1
        call.responseMessages = status == 0 ? 1 : 0
        return CallRecord(triple: call, client: CallBuilders.client, server: CallBuilders.server)
    }

    @Test("a Triple span: rpc.method <interface>/<method>, network.protocol http 2, gRPC status name, group, timing")
    func tripleSpan() throws {
        let call = try #require(ExportedCall(Self.tripleRecord(status: 5), includeAttachments: false))
        let span = call.span(includeMessages: true)
        let attributes = SpanMappingTests().attributes(span)
        #expect(span.name == "org.apache.dubbo.demo.GreeterService/sayHello")
        #expect(attributes["network.protocol.name"] == "http" && attributes["network.protocol.version"] == "2")
        #expect(attributes["rpc.response.status_code"] == "NOT_FOUND" && attributes["error.type"] == "NOT_FOUND")
        #expect(attributes["dubbo_inspect.group"] == "blue" && attributes["dubbo_inspect.request_id"] == "7")
        #expect(span.endTimeUnixNano - span.startTimeUnixNano == 250_000)
        #expect(span.status.code == .error && span.status.message == "no user")
    }

    @Test("a dubbo span names no network protocol")
    func dubboSpanUnchanged() throws {
        let call = try #require(ExportedCall(CallBuilders.record(), includeAttachments: false))
        #expect(SpanMappingTests().attributes(call.span(includeMessages: true))["network.protocol.name"] == nil)
    }
}
