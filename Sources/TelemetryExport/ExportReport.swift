/// What the exporter did, for the end-of-run summary: nothing it lost goes uncounted.
public struct ExportReport: Sendable, Equatable {
    public var endpoint = ""
    /// Calls and one-way requests accepted into the queue.
    public var callsQueued = 0
    /// Records that are not RPCs (heartbeats, events, responses without their request): never exported.
    public var recordsSkipped = 0
    /// Calls dropped because the queue was full (the collector slow or down, or the capture faster than export).
    public var droppedQueueFull = 0
    public var spansExported = 0
    /// Spans of batches given up: retries exhausted, a non-retryable answer, or a retry that would pass the
    /// deadline.
    public var spansFailed = 0
    /// Spans the collector answered it rejected (OTLP partial success).
    public var spansRejected = 0
    /// Calls still queued or batched when the flush deadline passed.
    public var droppedAtShutdown = 0
    public var metricExportsSent = 0
    public var metricExportsFailed = 0
    /// Data points the collector rejected (partial success).
    public var metricPointsRejected = 0
    /// Calls whose metric series was folded into `rpc.method = _OTHER` by the series cap.
    public var metricSeriesFolded = 0
    /// HTTP requests made (every attempt counts) and how many of them were retries.
    public var requests = 0
    public var retries = 0
    public var lastError: String?
    /// The exporter's thread could not be started: nothing was sent.
    public var threadFailed = false

    public init() {}

    /// Every call that did not reach the collector as a span.
    public var spansDropped: Int { droppedQueueFull + spansFailed + spansRejected + droppedAtShutdown }

    /// One summary line (two when there was an error), ending in a newline.
    public var text: String {
        var line = "otlp: \(spansExported) spans exported to \(endpoint), \(spansDropped) dropped"
        line += " (queue full \(droppedQueueFull), send failed \(spansFailed), rejected \(spansRejected)"
        line += ", at shutdown \(droppedAtShutdown)); metrics: \(metricExportsSent) exports sent"
        line += ", \(metricExportsFailed) failed; \(requests) requests, \(retries) retries\n"
        if threadFailed { line += "otlp: the exporter thread could not be started\n" }
        if let lastError { line += "otlp: last error: \(lastError)\n" }
        return line
    }
}
