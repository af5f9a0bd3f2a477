package import Correlation
package import DubboWire
import Hessian2
package import InspectorCore
package import NetworkLayers

/// What the exporter keeps of a finished call: only the fields spans and metrics need, so a queued item holds no
/// decoded arguments or return values. Built on the analysis thread by `init?(_:options:)`, which is cheap (no
/// encoding, a few string copies).
package struct ExportedCall: Sendable, Equatable {
    package var kind: CallKind
    package var outcome: CallOutcome
    package var client: Endpoint
    package var server: Endpoint
    package var requestID: Int64
    package var service: String?
    package var method: String?
    package var serviceVersion: String?
    package var group: String?
    package var status: StatusCode?
    /// Class of the business exception of a status-20 response whose result is an exception.
    package var exceptionType: String?
    /// `"<class>: <message>"` of that exception.
    package var exceptionSummary: String?
    /// Message of a response whose status is not OK.
    package var errorMessage: String?
    /// Capture time of the request's first byte.
    package var requestTime: CaptureTime
    /// Capture time of the response's first byte.
    package var responseTime: CaptureTime?
    package var quality: CallQuality
    package var traceContext: TraceContext?
    /// Request attachments as `(lowercased key, text)`, only when attachment export was asked for.
    package var metadata: [(key: String, value: String)]
    /// `triple` for Dubbo 3's HTTP/2 protocol (spans then say `network.protocol.name=http`, version 2).
    package var wireProtocol: WireProtocol = .dubbo
    /// A Triple call's gRPC status name (`status` holds dubbo's status byte only).
    package var grpcStatusName: String?

    package static func == (lhs: ExportedCall, rhs: ExportedCall) -> Bool {
        lhs.kind == rhs.kind && lhs.outcome == rhs.outcome && lhs.client == rhs.client && lhs.server == rhs.server
            && lhs.requestID == rhs.requestID && lhs.service == rhs.service && lhs.method == rhs.method
            && lhs.serviceVersion == rhs.serviceVersion && lhs.group == rhs.group && lhs.status == rhs.status
            && lhs.exceptionType == rhs.exceptionType && lhs.exceptionSummary == rhs.exceptionSummary
            && lhs.errorMessage == rhs.errorMessage && lhs.requestTime == rhs.requestTime
            && lhs.responseTime == rhs.responseTime && lhs.quality == rhs.quality
            && lhs.traceContext == rhs.traceContext && lhs.metadata.elementsEqual(rhs.metadata, by: ==)
            && lhs.wireProtocol == rhs.wireProtocol && lhs.grpcStatusName == rhs.grpcStatusName
    }

    /// Longest attachment value exported as metadata; longer ones are cut (marked with `…`).
    package static let maxMetadataValueBytes = 1_024
    /// Most attachments exported per span.
    package static let maxMetadataEntries = 64

    /// The exportable part of `record`; `nil` for what is not an RPC: heartbeats, other events, and responses
    /// whose request was never captured (no method, no start).
    package init?(_ record: CallRecord, includeAttachments: Bool) {
        guard record.kind == .call || record.kind == .oneway, let requestTime = record.requestTime else {
            return nil
        }
        wireProtocol = record.wireProtocol
        grpcStatusName = record.wireProtocol == .triple ? record.statusName : nil
        kind = record.kind
        outcome = record.outcome
        client = record.client
        server = record.server
        requestID = record.requestID
        service = record.serviceName
        method = record.methodName
        serviceVersion = record.request?.version
        group = record.group
        status = record.status
        self.requestTime = requestTime
        responseTime = record.responseTime
        quality = record.quality
        errorMessage = record.response?.errorMessage
        if record.outcome == .exception, let response = record.response {
            exceptionSummary = response.exceptionSummary
            exceptionType = record.exceptionClassName
        } else {
            exceptionSummary = nil
            exceptionType = nil
        }

        var headers: [(key: String, value: String)] = []
        metadata = []
        if let attachments = record.request?.attachments {
            for entry in attachments.entries {
                guard case .string(let key) = entry.key else { continue }
                let lowered = key.lowercased()
                if case .string(let text) = entry.value,
                    ["traceparent", "tracestate", "sw8", "eagleeye-traceid"].contains(lowered)
                {
                    headers.append((lowered, text))
                }
                if includeAttachments, metadata.count < Self.maxMetadataEntries,
                    !metadata.contains(where: { $0.key == lowered })
                {
                    metadata.append((lowered, Self.metadataText(entry.value)))
                }
            }
        }
        traceContext = headers.isEmpty ? nil : TraceContext.find(in: headers)
    }

    /// Field-by-field initialiser for tests and other sources of calls.
    package init(
        kind: CallKind, outcome: CallOutcome, client: Endpoint, server: Endpoint, requestID: Int64,
        service: String?, method: String?, serviceVersion: String? = nil, group: String? = nil,
        status: StatusCode? = nil, exceptionType: String? = nil, exceptionSummary: String? = nil,
        errorMessage: String? = nil, requestTime: CaptureTime, responseTime: CaptureTime?,
        quality: CallQuality = [], traceContext: TraceContext? = nil, metadata: [(key: String, value: String)] = []
    ) {
        self.kind = kind
        self.outcome = outcome
        self.client = client
        self.server = server
        self.requestID = requestID
        self.service = service
        self.method = method
        self.serviceVersion = serviceVersion
        self.group = group
        self.status = status
        self.exceptionType = exceptionType
        self.exceptionSummary = exceptionSummary
        self.errorMessage = errorMessage
        self.requestTime = requestTime
        self.responseTime = responseTime
        self.quality = quality
        self.traceContext = traceContext
        self.metadata = metadata
    }

    /// A string attachment as it is; any other value as its JSON text; either cut to `maxMetadataValueBytes`.
    static func metadataText(_ value: HessianValue) -> String {
        let text: String
        if case .string(let string) = value { text = string } else { text = value.jsonString }
        guard text.utf8.count > maxMetadataValueBytes else { return text }
        var cut = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > maxMetadataValueBytes - 3 { break }
            cut.append(character)
            used += size
        }
        return cut + "…"
    }

    // MARK: Derived values

    /// `<interface>/<method>` (the `rpc.method` of the Dubbo conventions), `nil` when the body was not decoded.
    package var rpcMethod: String? {
        guard let service, !service.isEmpty, let method, !method.isEmpty else { return nil }
        return "\(service)/\(method)"
    }

    /// Seconds from the request's first byte to the response's first byte.
    package var durationSeconds: Double? {
        guard let responseTime else { return nil }
        return Double(responseTime.nanosecondsSinceEpoch &- requestTime.nanosecondsSinceEpoch) / 1e9
    }

    /// The status name (`OK`, `SERVER_ERROR`, …) or `nil` when no response was seen.
    package var statusName: String? { grpcStatusName ?? status?.name }

    /// The `error.type` value, `nil` for a success: the status name for a failed status, the exception class for a
    /// business exception, `no_response` for an unanswered two-way request.
    package var errorType: String? {
        switch outcome {
        case .ok, .oneway, .unknown: return nil
        case .error: return statusName ?? "_OTHER"
        case .exception: return exceptionType ?? "_OTHER"
        case .noResponse: return "no_response"
        case .cancelled: return "cancelled"
        }
    }

    /// The time the call is filed under for interval metrics: the response if any, else the request.
    package var completionTime: CaptureTime { responseTime ?? requestTime }
}
