/// How the exporter batches, retries and gives up. The defaults suit one inspector per host sending to a
/// Collector on the same host or network.
package struct OTLPConfiguration: Sendable {
    /// Which clock drives the metric exports.
    package enum MetricsClock: Sendable, Equatable {
        /// Capture time (`read`): a point every `metricsInterval` seconds of capture time, stamped with that time,
        /// so a replayed file gives the same series whatever the speed of the machine.
        case capture
        /// Wall time (`live`): a point every `metricsInterval` seconds, stamped with the time of the export.
        case wall
    }

    package var endpoint: OTLPEndpoint
    package var resource: TelemetryResource
    /// Add request attachments as `rpc.request.metadata.<key>` (opt-in: they may carry tokens or personal data).
    package var includeAttachments = false
    /// Put the server's error text and exception messages in span status and events (off with `--no-payload`).
    package var includeMessages = true
    /// Calls waiting to be exported; past this, new calls are dropped and counted (the capture never waits).
    package var queueCapacity = 16_384
    /// Most spans in one request.
    package var maxBatchSize = 512
    /// Longest a span waits in a partial batch, wall seconds.
    package var batchDelay = 1.0
    package var metricsInterval = 10.0
    package var metricsClock = MetricsClock.capture
    package var retry = RetryPolicy()
    /// Connect timeout, seconds.
    package var connectTimeout = 2.0
    /// Time allowed for one request's answer, seconds.
    package var requestTimeout = 10.0
    /// Extra HTTP headers (e.g. an authorization token for a gateway).
    package var headers: [(String, String)] = []
    /// Instrumentation scope written with the data.
    package var scopeName = "dubbo-inspect"
    package var scopeVersion = ""

    package init(endpoint: OTLPEndpoint, resource: TelemetryResource) {
        self.endpoint = endpoint
        self.resource = resource
    }
}
