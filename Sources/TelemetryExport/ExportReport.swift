/// What the exporter did, for the end-of-run summary: nothing it lost goes uncounted.
package struct ExportReport: Sendable, Equatable {
    package var endpoint = ""
    /// Calls and one-way requests accepted into the queue.
    package var callsQueued = 0
    /// Records that are not RPCs (heartbeats, events, responses without their request): never exported.
    package var recordsSkipped = 0
    /// Calls dropped because the queue was full (the collector slow or down, or the capture faster than export).
    package var droppedQueueFull = 0
    package var spansExported = 0
    /// Spans of batches given up: retries exhausted, a non-retryable answer, or a retry that would pass the
    /// deadline.
    package var spansFailed = 0
    /// Spans the collector answered it rejected (OTLP partial success).
    package var spansRejected = 0
    /// Calls still queued or batched when the flush deadline passed.
    package var droppedAtShutdown = 0
    package var metricExportsSent = 0
    package var metricExportsFailed = 0
    /// Data points the collector rejected (partial success).
    package var metricPointsRejected = 0
    /// Calls whose metric series was folded into `rpc.method = _OTHER` by the series cap.
    package var metricSeriesFolded = 0
    /// HTTP requests made (every attempt counts) and how many of them were retries.
    package var requests = 0
    package var retries = 0
    package var lastError: String?
    /// The exporter's thread could not be started: nothing was sent.
    package var threadFailed = false

    package init() {}

    /// Every call that did not reach the collector as a span.
    package var spansDropped: Int { droppedQueueFull + spansFailed + spansRejected + droppedAtShutdown }

    /// One summary line (two when there was an error), ending in a newline.
    package var text: String {
        var line = "otlp: \(spansExported) spans exported to \(endpoint), \(spansDropped) dropped"
        line += " (queue full \(droppedQueueFull), send failed \(spansFailed), rejected \(spansRejected)"
        line += ", at shutdown \(droppedAtShutdown)); metrics: \(metricExportsSent) exports sent"
        line += ", \(metricExportsFailed) failed; \(requests) requests, \(retries) retries\n"
        if threadFailed { line += "otlp: the exporter thread could not be started\n" }
        if let lastError { line += "otlp: last error: \(lastError)\n" }
        return line
    }
}
