/// Attribute names this exporter writes. The RPC ones follow the OpenTelemetry semantic conventions for Dubbo
/// (`docs/rpc/dubbo.md`, release candidate since v1.40): `rpc.system.name = "dubbo"`, `rpc.method =
/// "<interface>/<method>"`, `rpc.response.status_code` as the status name; no `rpc.dubbo.*` attributes exist, and
/// the deprecated `rpc.system` / `rpc.service` are not written. Names of our own are under `dubbo_inspect.`.
package enum OTLPAttribute {
    package static let rpcSystemName = "rpc.system.name"
    package static let rpcMethod = "rpc.method"
    package static let rpcResponseStatusCode = "rpc.response.status_code"
    package static let errorType = "error.type"
    package static let serverAddress = "server.address"
    package static let serverPort = "server.port"
    package static let networkPeerAddress = "network.peer.address"
    package static let networkPeerPort = "network.peer.port"
    package static let networkLocalAddress = "network.local.address"
    package static let networkLocalPort = "network.local.port"
    /// Written for Triple calls only: `http`, version `2` (dubbo's own TCP protocol has no registered name).
    package static let networkProtocolName = "network.protocol.name"
    package static let networkProtocolVersion = "network.protocol.version"
    /// Prefix of the opt-in request metadata attributes; the lowercased attachment key follows.
    package static let requestMetadataPrefix = "rpc.request.metadata."

    package static let requestID = "dubbo_inspect.request_id"
    package static let outcome = "dubbo_inspect.outcome"
    package static let quality = "dubbo_inspect.quality"
    package static let serviceVersion = "dubbo_inspect.service_version"
    package static let group = "dubbo_inspect.group"
    package static let traceContextFormat = "dubbo_inspect.trace_context.format"
    package static let originalTraceID = "dubbo_inspect.trace_context.original_trace_id"

    package static let exceptionType = "exception.type"
    package static let exceptionMessage = "exception.message"

    package static let serviceName = "service.name"
    package static let hostName = "host.name"
    package static let captureInterface = "dubbo_inspect.capture.interface"
    package static let captureFiles = "dubbo_inspect.capture.files"

    /// The value of `rpc.system.name`.
    package static let dubbo = "dubbo"
    /// `rpc.method` when the method is not known (body not decoded), per the RPC conventions.
    package static let otherMethod = "_OTHER"
}
