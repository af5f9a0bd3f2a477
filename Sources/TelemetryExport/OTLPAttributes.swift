/// Attribute names this exporter writes. The RPC ones follow the OpenTelemetry semantic conventions for Dubbo
/// (`docs/rpc/dubbo.md`, release candidate since v1.40): `rpc.system.name = "dubbo"`, `rpc.method =
/// "<interface>/<method>"`, `rpc.response.status_code` as the status name; no `rpc.dubbo.*` attributes exist, and
/// the deprecated `rpc.system` / `rpc.service` are not written. Names of our own are under `dubbo_inspect.`.
public enum OTLPAttribute {
    public static let rpcSystemName = "rpc.system.name"
    public static let rpcMethod = "rpc.method"
    public static let rpcResponseStatusCode = "rpc.response.status_code"
    public static let errorType = "error.type"
    public static let serverAddress = "server.address"
    public static let serverPort = "server.port"
    public static let networkPeerAddress = "network.peer.address"
    public static let networkPeerPort = "network.peer.port"
    public static let networkLocalAddress = "network.local.address"
    public static let networkLocalPort = "network.local.port"
    /// Written for Triple calls only: `http`, version `2` (dubbo's own TCP protocol has no registered name).
    public static let networkProtocolName = "network.protocol.name"
    public static let networkProtocolVersion = "network.protocol.version"
    /// Prefix of the opt-in request metadata attributes; the lowercased attachment key follows.
    public static let requestMetadataPrefix = "rpc.request.metadata."

    public static let requestID = "dubbo_inspect.request_id"
    public static let outcome = "dubbo_inspect.outcome"
    public static let quality = "dubbo_inspect.quality"
    public static let serviceVersion = "dubbo_inspect.service_version"
    public static let group = "dubbo_inspect.group"
    public static let traceContextFormat = "dubbo_inspect.trace_context.format"
    public static let originalTraceID = "dubbo_inspect.trace_context.original_trace_id"

    public static let exceptionType = "exception.type"
    public static let exceptionMessage = "exception.message"

    public static let serviceName = "service.name"
    public static let hostName = "host.name"
    public static let captureInterface = "dubbo_inspect.capture.interface"
    public static let captureFiles = "dubbo_inspect.capture.files"

    /// The value of `rpc.system.name`.
    public static let dubbo = "dubbo"
    /// `rpc.method` when the method is not known (body not decoded), per the RPC conventions.
    public static let otherMethod = "_OTHER"
}
