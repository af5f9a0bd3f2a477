/// How the exporter batches, retries and gives up. The defaults suit one inspector per host sending to a
/// Collector on the same host or network.
public struct OTLPConfiguration: Sendable {
    /// Which clock drives the metric exports.
    public enum MetricsClock: Sendable, Equatable {
        /// Capture time (`read`): a point every `metricsInterval` seconds of capture time, stamped with that time,
        /// so a replayed file gives the same series whatever the speed of the machine.
        case capture
        /// Wall time (`live`): a point every `metricsInterval` seconds, stamped with the time of the export.
        case wall
    }

    public var endpoint: OTLPEndpoint
    public var resource: TelemetryResource
    /// Add request attachments as `rpc.request.metadata.<key>` (opt-in: they may carry tokens or personal data).
    public var includeAttachments = false
    /// Put the server's error text and exception messages in span status and events (off with `--no-payload`).
    public var includeMessages = true
    /// Calls waiting to be exported; past this, new calls are dropped and counted (the capture never waits).
    public var queueCapacity = 16_384
    /// Most spans in one request.
    public var maxBatchSize = 512
    /// Longest a span waits in a partial batch, wall seconds.
    public var batchDelay = 1.0
    public var metricsInterval = 10.0
    public var metricsClock = MetricsClock.capture
    public var retry = RetryPolicy()
    /// Connect timeout, seconds.
    public var connectTimeout = 2.0
    /// Time allowed for one request's answer, seconds.
    public var requestTimeout = 10.0
    /// Extra HTTP headers (e.g. an authorization token for a gateway).
    public var headers: [(String, String)] = []
    /// Instrumentation scope written with the data.
    public var scopeName = "dubbo-inspect"
    public var scopeVersion = ""

    public init(endpoint: OTLPEndpoint, resource: TelemetryResource) {
        self.endpoint = endpoint
        self.resource = resource
    }
}
