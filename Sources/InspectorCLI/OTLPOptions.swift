import ArgumentParser
import TelemetryExport

/// `--otlp-*`: send calls to an OpenTelemetry Collector as spans and metrics (docs/OTEL.md), shared by `read` and
/// `live`.
struct OTLPOptions: ParsableArguments {
    @Option(
        name: .customLong("otlp-endpoint"),
        help: ArgumentHelp(
            "Send every call as an OpenTelemetry span, and call metrics, to this OTLP/HTTP endpoint (protobuf).",
            valueName: "url"))
    var endpoint: String?

    @Flag(
        name: .customLong("otlp-attachments"),
        help: "Add request attachments to spans as rpc.request.metadata.<key> (they may carry tokens or personal data).")
    var attachments = false

    @Option(
        name: .customLong("otlp-metrics-interval"),
        help: "Seconds between metric exports: of capture time for read, of wall time for live.")
    var metricsInterval = 10.0

    @Option(
        name: .customLong("otlp-flush-timeout"),
        help: "Seconds allowed at the end to send what is queued; what is left is reported as dropped.")
    var flushTimeout = 10.0

    @Option(
        name: .customLong("otlp-queue-size"),
        help: "Calls waiting to be sent; past this, calls are dropped and counted (the capture never waits).")
    var queueSize = 16_384

    @Option(
        name: .customLong("otlp-header"),
        help: ArgumentHelp("An extra HTTP header for the collector, e.g. 'Authorization=Bearer …' (repeatable).",
            valueName: "name=value"))
    var headers: [String] = []

    func validate() throws {
        guard let endpoint else {
            if attachments || !headers.isEmpty {
                throw ValidationError("--otlp-attachments and --otlp-header need --otlp-endpoint")
            }
            return
        }
        do {
            _ = try OTLPEndpoint.parse(endpoint)
        } catch {
            throw ValidationError("\(error)")
        }
        try OptionRange.checkSeconds(metricsInterval, option: "--otlp-metrics-interval", maximum: 86_400)
        try OptionRange.checkSeconds(flushTimeout, option: "--otlp-flush-timeout", maximum: 3_600, allowZero: true)
        try OptionRange.check(queueSize, in: 1...1_000_000, option: "--otlp-queue-size", unit: "calls")
        for header in headers where !header.contains("=") || header.hasPrefix("=") {
            throw ValidationError("--otlp-header expects name=value, got \"\(header)\"")
        }
    }

    /// The exporter these options ask for, already running; `nil` without `--otlp-endpoint`.
    /// `includeMessages` is false under `--no-payload` (no server error text or exception messages in spans).
    func makeExporter(
        resource: TelemetryResource, clock: OTLPConfiguration.MetricsClock, includeMessages: Bool
    ) throws -> OTLPExporter? {
        guard let endpoint else { return nil }
        var configuration = OTLPConfiguration(endpoint: try OTLPEndpoint.parse(endpoint), resource: resource)
        configuration.includeAttachments = attachments
        configuration.includeMessages = includeMessages
        configuration.metricsInterval = metricsInterval
        configuration.metricsClock = clock
        configuration.queueCapacity = queueSize
        configuration.headers = headers.map { header in
            let equals = header.firstIndex(of: "=")!
            return (String(header[..<equals]), String(header[header.index(after: equals)...]))
        }
        return OTLPExporter(configuration: configuration)
    }
}
