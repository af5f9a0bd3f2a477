import Correlation
import DubboWire
import FoundationEssentials
import InspectorCore
import NetworkLayers

extension ExportedCall {
    /// The span id of this call: a stable hash of what identifies it on the wire (both ends, the request id and the
    /// capture time of the request's first byte), so reading the same capture twice gives the same ids.
    package var spanID: SpanID {
        var hash = StableHash(domain: 1)
        mixIdentity(into: &hash)
        return SpanID(hash.finalize())
    }

    /// The trace the span belongs to: the propagated one when the attachments carry one, else a stable id derived
    /// from the call like `spanID` (a one-span trace of its own).
    package var traceID: TraceID {
        if let traceContext { return traceContext.traceID }
        var high = StableHash(domain: 2)
        var low = StableHash(domain: 3)
        mixIdentity(into: &high)
        mixIdentity(into: &low)
        return TraceID(high: high.finalize(), low: low.finalize())
    }

    private func mixIdentity(into hash: inout StableHash) {
        hash.combine(client.description)
        hash.combine(server.description)
        hash.combine(UInt64(bitPattern: requestID))
        hash.combine(UInt64(bitPattern: requestTime.nanosecondsSinceEpoch))
    }

    /// The span name: `rpc.method`, or `rpc.system.name` when the method is not known (RPC span name rule).
    package var spanName: String { rpcMethod ?? OTLPAttribute.dubbo }

    /// Span attributes in the order they are written. `includeMessages` adds the server's error text; metadata
    /// attributes come from `metadata` (empty unless attachment export was asked for).
    package func spanAttributes() -> [(String, AttributeValue)] {
        var attributes: [(String, AttributeValue)] = [
            (OTLPAttribute.rpcSystemName, .string(OTLPAttribute.dubbo)),
            (OTLPAttribute.rpcMethod, .string(rpcMethod ?? OTLPAttribute.otherMethod)),
        ]
        if let statusName { attributes.append((OTLPAttribute.rpcResponseStatusCode, .string(statusName))) }
        if let errorType { attributes.append((OTLPAttribute.errorType, .string(errorType))) }
        attributes += [
            (OTLPAttribute.serverAddress, .string(server.address.description)),
            (OTLPAttribute.serverPort, .int(Int64(server.port))),
            (OTLPAttribute.networkPeerAddress, .string(server.address.description)),
            (OTLPAttribute.networkPeerPort, .int(Int64(server.port))),
            (OTLPAttribute.networkLocalAddress, .string(client.address.description)),
            (OTLPAttribute.networkLocalPort, .int(Int64(client.port))),
            (OTLPAttribute.requestID, .int(requestID)),
            (OTLPAttribute.outcome, .string(outcome.rawValue)),
        ]
        if wireProtocol == .triple {
            attributes += [
                (OTLPAttribute.networkProtocolName, .string("http")), (OTLPAttribute.networkProtocolVersion, .string("2")),
            ]
        }
        if let serviceVersion, !serviceVersion.isEmpty {
            attributes.append((OTLPAttribute.serviceVersion, .string(serviceVersion)))
        }
        if let group, !group.isEmpty { attributes.append((OTLPAttribute.group, .string(group))) }
        if !quality.isEmpty { attributes.append((OTLPAttribute.quality, .strings(quality.names))) }
        if let traceContext, traceContext.format != .w3c {
            attributes.append((OTLPAttribute.traceContextFormat, .string(traceContext.format.rawValue)))
            attributes.append((OTLPAttribute.originalTraceID, .string(traceContext.originalTraceID)))
        }
        for (key, value) in metadata {
            attributes.append((OTLPAttribute.requestMetadataPrefix + key, .strings([value])))
        }
        return attributes
    }

    /// The OTLP span: kind CLIENT; start at the request's first byte, end at the response's first byte (at the
    /// start when there is none); status ERROR for failed statuses, business exceptions and unanswered requests.
    func span(includeMessages: Bool) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = Data(traceID.bytes)
        span.spanID = Data(spanID.bytes)
        // Trace flags in bits 0-7; bit 8 says bit 9 is known; bit 9: the parent is remote (OTLP SpanFlags).
        var flags: UInt32 = 0x100
        if let traceContext {
            flags |= UInt32(traceContext.traceFlags)
            if let parent = traceContext.parentSpanID {
                span.parentSpanID = Data(parent.bytes)
                flags |= 0x200
            }
            if let state = traceContext.traceState { span.traceState = state }
        } else {
            flags |= 0x01
        }
        span.flags = flags
        span.name = spanName
        span.kind = .client
        span.startTimeUnixNano = Self.unixNanos(requestTime)
        span.endTimeUnixNano = Self.unixNanos(max(responseTime ?? requestTime, requestTime))
        span.attributes = spanAttributes().map { Opentelemetry_Proto_Common_V1_KeyValue($0.0, $0.1) }

        var status = Opentelemetry_Proto_Trace_V1_Status()
        switch outcome {
        case .ok, .oneway, .unknown:
            break
        case .error, .cancelled:
            status.code = .error
            status.message = includeMessages ? (errorMessage ?? statusName ?? "") : (statusName ?? "")
        case .exception:
            status.code = .error
            status.message = includeMessages ? (exceptionSummary ?? exceptionType ?? "") : (exceptionType ?? "")
            var event = Opentelemetry_Proto_Trace_V1_Span.Event()
            event.name = "exception"
            event.timeUnixNano = span.endTimeUnixNano
            var attributes = [Opentelemetry_Proto_Common_V1_KeyValue]()
            if let exceptionType { attributes.append(.init(OTLPAttribute.exceptionType, .string(exceptionType))) }
            if includeMessages, let exceptionSummary {
                attributes.append(.init(OTLPAttribute.exceptionMessage, .string(exceptionSummary)))
            }
            event.attributes = attributes
            span.events = [event]
        case .noResponse:
            status.code = .error
            status.message = "no response in the capture"
        }
        if status.code != .unset { span.status = status }
        return span
    }

    static func unixNanos(_ time: CaptureTime) -> UInt64 {
        UInt64(clamping: time.nanosecondsSinceEpoch)
    }
}
