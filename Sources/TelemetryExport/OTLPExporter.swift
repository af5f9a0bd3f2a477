package import Correlation
import InspectorCore
import NIOCore
import SwiftProtobuf

/// Exports calls as OTLP/HTTP traces and metrics on a thread of its own.
///
/// The analysis thread only calls `export(_:)`, which copies what spans and metrics need into a bounded queue and
/// returns: it never waits for the network. When the queue is full the call is dropped and counted. The exporter
/// thread batches spans (`maxBatchSize`, or after `batchDelay`), aggregates the metrics, and sends with retries
/// (`RetryPolicy`). `finish(timeout:)` stops taking calls, flushes what is queued within the time given, sends a
/// final metrics export, and reports what got through and what was lost.
package final class OTLPExporter: Sendable {
    struct Shared {
        var queue = CircularBuffer<ExportedCall>(initialCapacity: 1_024)
        var closing = false
        /// Monotonic time after which nothing more is sent (set by `finish`).
        var deadline: Double?
        var done = false
        var report = ExportReport()
    }

    package let configuration: OTLPConfiguration
    private let shared: WaitableState<Shared>
    /// Nil when the system could not start the thread: everything is then counted as dropped.
    private let thread: PosixThread?

    /// Starts the exporter thread. `transport` defaults to HTTP/1.1 to `configuration.endpoint`.
    package init(configuration: OTLPConfiguration, transport: (any OTLPTransport)? = nil) {
        self.configuration = configuration
        var initial = Shared()
        initial.report.endpoint = configuration.endpoint.description
        let shared = WaitableState(initial)
        self.shared = shared
        let worker = ExportWorker(
            configuration: configuration, shared: shared,
            transport: transport
                ?? OTLPHTTPClient(
                    endpoint: configuration.endpoint, connectTimeout: configuration.connectTimeout,
                    headers: configuration.headers))
        thread = PosixThread.start { worker.run() }
        if thread == nil {
            shared.update {
                $0.report.threadFailed = true
                $0.done = true
            }
        }
    }

    /// Queues `record` for export when it is a call or a one-way request (other records are counted as skipped).
    /// Never blocks beyond a short lock; returns whether the record was queued.
    @discardableResult
    package func export(_ record: CallRecord) -> Bool {
        guard let call = ExportedCall(record, includeAttachments: configuration.includeAttachments) else {
            shared.update { $0.report.recordsSkipped += 1 }
            return false
        }
        return enqueue(call)
    }

    /// Queues one call; `false` (and counted) when the queue is full or the exporter is finishing.
    @discardableResult
    package func enqueue(_ call: ExportedCall) -> Bool {
        let capacity = configuration.queueCapacity
        return shared.update { state in
            guard !state.closing, !state.done, state.queue.count < capacity else {
                state.report.droppedQueueFull += 1
                return false
            }
            state.queue.append(call)
            state.report.callsQueued += 1
            return true
        }
    }

    /// The counts so far.
    package var report: ExportReport { shared.read { $0.report } }

    /// Stops accepting calls, sends what is queued, the last metrics, and returns the report. Returns within about
    /// `timeout` seconds (plus one second of grace for a request in flight) whatever the collector does; what could
    /// not be sent by then is counted as dropped at shutdown. Later calls return the same report.
    package func finish(timeout: Double) -> ExportReport {
        let deadline = SystemClock.monotonicSeconds + max(0, timeout)
        shared.update { state in
            state.closing = true
            state.deadline = min(state.deadline ?? deadline, deadline)
        }
        let finished = shared.wait(until: deadline + 1, ready: { $0.done }) { $0.done }
        if finished { thread?.join() }
        return shared.update { state in
            if !state.done {
                // The thread is still inside a request: count everything not yet sent and let the process end it.
                state.report.droppedAtShutdown += state.queue.count
                state.queue.removeAll()
                state.report.lastError = state.report.lastError ?? "the exporter did not finish in time"
            }
            return state.report
        }
    }
}

/// The exporter thread's state; touched only by that thread once started.
final class ExportWorker: @unchecked Sendable {
    private let configuration: OTLPConfiguration
    private let shared: WaitableState<OTLPExporter.Shared>
    private let transport: any OTLPTransport
    private var metrics = RPCMetrics()
    private var metricsChanged = false
    private var batch: [ExportedCall] = []
    private var batchOpenedAt = 0.0
    /// Capture clock: the next interval boundary (ns since the epoch) and the latest completion time seen.
    private var nextBoundary: Int64?
    private var latestTime: Int64 = 0
    /// Wall clock: when the next export is due (monotonic seconds) and when the series started (epoch ns).
    private var nextWallExport: Double
    private let wallStart: UInt64

    init(configuration: OTLPConfiguration, shared: WaitableState<OTLPExporter.Shared>, transport: any OTLPTransport) {
        self.configuration = configuration
        self.shared = shared
        self.transport = transport
        nextWallExport = SystemClock.monotonicSeconds + configuration.metricsInterval
        wallStart = UInt64(clamping: SystemClock.wallNanoseconds)
    }

    func run() {
        let wallClock = configuration.metricsClock == .wall
        while true {
            var wake: Double?
            if !batch.isEmpty { wake = batchOpenedAt + configuration.batchDelay }
            if wallClock { wake = min(wake ?? nextWallExport, nextWallExport) }
            let room = configuration.maxBatchSize - batch.count
            let (items, closing) = shared.wait(until: wake, ready: { !$0.queue.isEmpty || $0.closing }) { state in
                var items: [ExportedCall] = []
                items.reserveCapacity(min(room, state.queue.count))
                while items.count < room, let call = state.queue.popFirst() { items.append(call) }
                return (items, state.closing)
            }
            for call in items { take(call) }
            let now = SystemClock.monotonicSeconds
            if batch.count >= configuration.maxBatchSize || (!batch.isEmpty && now >= batchOpenedAt + configuration.batchDelay)
            {
                sendBatch()
            }
            if wallClock, now >= nextWallExport {
                if metricsChanged { sendMetrics(at: UInt64(clamping: SystemClock.wallNanoseconds)) }
                nextWallExport = now + configuration.metricsInterval
            }
            if closing, shared.read({ $0.queue.isEmpty }) {
                if !batch.isEmpty { sendBatch() }
                if metricsChanged {
                    let time = wallClock ? UInt64(clamping: SystemClock.wallNanoseconds) : UInt64(clamping: latestTime)
                    sendMetrics(at: time)
                }
                break
            }
        }
        transport.shutdown()
        shared.update { state in
            state.report.metricSeriesFolded = metrics.foldedCalls
            state.done = true
        }
    }

    /// Files one call: first any capture-time metric exports its time completes, then its metrics and its span.
    private func take(_ call: ExportedCall) {
        if configuration.metricsClock == .capture {
            let time = call.completionTime.nanosecondsSinceEpoch
            let interval = max(Int64(1_000), Int64(configuration.metricsInterval * 1e9))
            if nextBoundary == nil { nextBoundary = (time.floorDivided(by: interval) + 1) * interval }
            if let boundary = nextBoundary, time >= boundary {
                if metricsChanged { sendMetrics(at: UInt64(clamping: boundary)) }
                nextBoundary = (time.floorDivided(by: interval) + 1) * interval
            }
            latestTime = max(latestTime, time)
        }
        metrics.record(call)
        metricsChanged = true
        if batch.isEmpty { batchOpenedAt = SystemClock.monotonicSeconds }
        batch.append(call)
        if batch.count >= configuration.maxBatchSize { sendBatch() }
    }

    // MARK: Sending

    private func sendBatch() {
        let calls = batch
        batch = []
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource = configuration.resource.otlp
        var scopeSpans = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scopeSpans.scope = scope
        scopeSpans.spans = calls.map { $0.span(includeMessages: configuration.includeMessages) }
        resourceSpans.scopeSpans = [scopeSpans]
        request.resourceSpans = [resourceSpans]
        let outcome = send(path: configuration.endpoint.tracesPath, message: request)
        shared.update { state in
            switch outcome {
            case .sent(let body):
                let answer = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(serializedBytes: body)
                let rejected = Int(clamping: max(0, min(Int64(calls.count), answer?.partialSuccess.rejectedSpans ?? 0)))
                state.report.spansExported += calls.count - rejected
                state.report.spansRejected += rejected
                if rejected > 0, let message = answer?.partialSuccess.errorMessage, !message.isEmpty {
                    state.report.lastError = "collector rejected \(rejected) spans: \(message)"
                }
            case .failed:
                state.report.spansFailed += calls.count
            case .abandoned:
                state.report.droppedAtShutdown += calls.count
            }
        }
    }

    private func sendMetrics(at time: UInt64) {
        metricsChanged = false
        var request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest()
        var resourceMetrics = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
        resourceMetrics.resource = configuration.resource.otlp
        var scopeMetrics = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
        scopeMetrics.scope = scope
        let start = configuration.metricsClock == .wall ? wallStart : nil
        scopeMetrics.metrics = metrics.otlpMetrics(at: time, startOverride: start)
        resourceMetrics.scopeMetrics = [scopeMetrics]
        request.resourceMetrics = [resourceMetrics]
        let outcome = send(path: configuration.endpoint.metricsPath, message: request)
        shared.update { state in
            switch outcome {
            case .sent(let body):
                state.report.metricExportsSent += 1
                let answer = try? Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceResponse(serializedBytes: body)
                state.report.metricPointsRejected += Int(clamping: max(0, answer?.partialSuccess.rejectedDataPoints ?? 0))
            case .failed, .abandoned:
                state.report.metricExportsFailed += 1
            }
        }
    }

    private var scope: Opentelemetry_Proto_Common_V1_InstrumentationScope {
        var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        scope.name = configuration.scopeName
        scope.version = configuration.scopeVersion
        return scope
    }

    enum SendOutcome {
        /// A 2xx answer, with its body.
        case sent([UInt8])
        /// Retries exhausted or an answer that retrying cannot change.
        case failed
        /// Given up because the flush deadline passed (or would have before the next try).
        case abandoned
    }

    /// Sends one message, retrying as `RetryPolicy` says; waits between tries can be cut short by `finish`.
    private func send(path: String, message: some SwiftProtobuf.Message) -> SendOutcome {
        let body: [UInt8]
        do {
            body = try message.serializedBytes()
        } catch {
            shared.update { $0.report.lastError = "cannot encode the request: \(error)" }
            return .failed
        }
        var attempt = 0
        while true {
            attempt += 1
            let deadline = shared.read { $0.deadline }
            let now = SystemClock.monotonicSeconds
            if let deadline, now >= deadline { return .abandoned }
            let timeout = min(configuration.requestTimeout, (deadline ?? .infinity) - now)
            let result = transport.post(path: path, body: body, timeout: timeout)
            var retryAfter: Double?
            let problem: String
            switch result {
            case .answered(let status, _, let answer) where (200..<300).contains(status):
                shared.update { $0.report.requests += 1 }
                return .sent(answer)
            case .answered(let status, let after, _) where RetryPolicy.isRetryable(status: status):
                problem = "HTTP \(status) from \(configuration.endpoint)\(path)"
                retryAfter = after
            case .answered(let status, _, _):
                shared.update {
                    $0.report.requests += 1
                    $0.report.lastError = "HTTP \(status) from \(configuration.endpoint)\(path) (not retried)"
                }
                return .failed
            case .failed(let reason):
                problem = reason
            }
            shared.update {
                $0.report.requests += 1
                $0.report.lastError = problem
            }
            guard attempt < configuration.retry.maxAttempts else { return .failed }
            let delay = configuration.retry.delay(
                afterAttempt: attempt, retryAfter: retryAfter, jitter: Double.random(in: -1...1))
            let wakeAt = SystemClock.monotonicSeconds + delay
            if let deadline = shared.read({ $0.deadline }), wakeAt >= deadline { return .abandoned }
            shared.update { $0.report.retries += 1 }
            // Sleep, unless `finish` sets a deadline that falls before the wake-up time.
            let cut = shared.wait(until: wakeAt, ready: { ($0.deadline ?? .infinity) <= wakeAt }) {
                ($0.deadline ?? .infinity) <= wakeAt
            }
            if cut { return .abandoned }
        }
    }
}
