import RegistryJoin
import RecordFormats
public import InspectorCore

/// What a report groups calls by (`--group-by`).
public enum ReportGrouping: String, CaseIterable, Sendable {
    /// The service interface.
    case service
    /// Service and method.
    case method
    /// The server: its application name when a name lookup knows it, else its `ip:port`.
    case provider
    /// The client: its application name when a name lookup knows it, else its address.
    case consumer
    /// One TCP connection: client `ip:port` → server `ip:port`.
    case connection
}

/// The finished latency report: every number every output format shows, computed once so the formats agree.
/// Built by `ReportAggregator.finish`; holds no records.
public struct LatencyReport: Sendable {
    public var grouping: ReportGrouping
    /// Width of a time-series slot in seconds; wider than asked when the capture was too long (see `seriesNote`).
    public var intervalSeconds: Double
    public var requestedIntervalSeconds: Double
    /// First request (or orphan response) seen and last frame seen, over all records.
    public var firstTime: CaptureTime?
    public var lastTime: CaptureTime?
    public var totals: ReportTotals
    /// Sorted by total time spent (sum of latencies), largest first; ties by calls, then label.
    public var groups: [GroupReport]
    /// All groups together, one point per slot.
    public var series: [SeriesPoint]
    public var connections: [ConnectionReport]
    public var serviceMap: [ServiceEdge]
    /// The slowest calls of the whole capture, slowest first.
    public var slowest: [SlowCallEntry]
    public var includesPayload: Bool
    /// Capture files analysed (as given).
    public var inputFiles: [String] = []
    /// What the pipeline saw (packets, gaps, resyncs…); filled in by the caller, which owns the pipeline.
    public var captureQuality = CaptureQualitySummary()
    public var limitsHit: ReportLimitsHit
    public var payloadLimitBytes: Int
    public var nearLimitBytes: Int
    public var largeResponseBytes: Int
    /// What is wrong, in words with figures, most important first (`FindingsAccumulator`).
    public var findings: [Finding] = []

    /// Seconds from the first to the last time seen; nil when fewer than two distinct times were seen.
    public var durationSeconds: Double? {
        guard let first = firstTime, let last = lastTime, last > first else { return nil }
        return Double(last.nanosecondsSinceEpoch - first.nanosecondsSinceEpoch) / 1e9
    }
}

/// Counts over the whole capture.
public struct ReportTotals: Sendable, Equatable {
    /// Two-way and one-way requests, and orphan responses (requests not captured).
    public var calls = 0
    public var oneway = 0
    public var errors = 0
    public var exceptions = 0
    public var noResponse = 0
    public var orphanResponses = 0
    public var heartbeats = 0
    public var missedHeartbeats = 0
    public var events = 0
    /// Records carrying any quality flag, and how often each flag was seen (docs/RECORDS.md names).
    public var recordsWithQualityFlags = 0
    public var qualityFlags: [String: Int] = [:]
    /// Of `calls`, those carried by Triple (HTTP/2); the rest are dubbo's.
    public var tripleCalls = 0
    public var dubboCalls: Int { calls - tripleCalls }
    public var latency = DistributionSummary()
    public var server = DistributionSummary()

    public init() {}
}

/// Everything a report says about one group of calls.
public struct GroupReport: Sendable {
    /// The group's identity; the fields not used by the grouping are nil (for `provider`, the service and method
    /// are nil; for `method`, provider and consumer are nil).
    public var service: String?
    public var method: String?
    public var provider: String?
    public var consumer: String?
    /// For people: `service.method`, the provider, the consumer or `client → server`; placeholders in parentheses
    /// for calls whose body was not decoded or whose request was not captured.
    public var label: String

    public var calls = 0
    /// Calls divided by the capture's duration; nil when the capture lasts no time.
    public var callsPerSecond: Double?
    public var oneway = 0
    /// Responses with a status other than OK, by status name (`SERVICE_ERROR`…), largest first.
    public var errors = 0
    public var errorsByStatus: [NamedCount] = []
    /// OK responses carrying an exception, by exception class, largest first (at most 20 classes; the rest in
    /// `(other)`).
    public var exceptions = 0
    public var exceptionsByClass: [NamedCount] = []
    public var noResponse = 0
    public var orphanResponses = 0
    public var recordsWithQualityFlags = 0
    /// Calls whose serialization on the wire the registered provider does not list in its `prefer.serialization`
    /// or `serialization` (only with a registry): "configured fastjson2, but Hessian2 is used" and the reverse.
    public var serializationNotRegistered = 0
    /// Of `calls`, those carried by Triple (HTTP/2); the rest are dubbo's.
    public var tripleCalls = 0
    public var dubboCalls: Int { calls - tripleCalls }

    /// How the group's calls travelled, for people: nil when all by dubbo (the usual case, left unmarked).
    public var protocolMark: String? {
        guard tripleCalls > 0 else { return nil }
        return tripleCalls == calls ? "triple" : "dubbo+triple"
    }
    /// (errors + exceptions + no_response) / two-way calls; nil without two-way calls.
    public var failureRate: Double?

    /// Request first byte → response first byte.
    public var latency = DistributionSummary()
    /// Request last byte → response first byte: time in the server (and its queues).
    public var server = DistributionSummary()
    /// Time on the wire: request first → last byte plus response first → last byte.
    public var transfer = DistributionSummary()
    public var requestTransferMean: Double?
    public var responseTransferMean: Double?
    public var latencyBars: [HistogramBar] = []

    /// Body sizes from the frame headers.
    public var requestBytes = DistributionSummary()
    public var responseBytes = DistributionSummary()
    /// Bodies at or above `LatencyReport.nearLimitBytes` (but within the limit), and over the limit.
    public var requestsNearLimit = 0
    public var responsesNearLimit = 0
    public var requestsTooLarge = 0
    public var responsesTooLarge = 0

    public var firstTime: CaptureTime?
    public var lastTime: CaptureTime?
    /// Start of the slot from which the group stayed slow (median latency at least twice its usual level in most
    /// later slots), when that happened after the group's first slot.
    public var slowSince: CaptureTime?
    public var series: [SeriesPoint] = []
    /// This group's slowest calls, slowest first.
    public var slowest: [SlowCallEntry] = []
    /// The latency histogram itself, for comparisons (how many calls exceed a baseline percentile).
    var latencyDistribution: ValueDistribution?

    public init(label: String) {
        self.label = label
    }
}

/// A name with how many times it was seen.
public struct NamedCount: Sendable, Equatable {
    public var name: String
    public var count: Int

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }
}

/// One time-series slot.
public struct SeriesPoint: Sendable, Equatable {
    public var start: CaptureTime
    public var calls: Int
    public var errors: Int
    public var exceptions: Int
    public var noResponse: Int
    public var p50: Int64?
    public var p99: Int64?
    /// Mean server time of the slot's answered calls.
    public var serverMean: Double?

    public init(
        start: CaptureTime, calls: Int, errors: Int, exceptions: Int, noResponse: Int, p50: Int64?, p99: Int64?,
        serverMean: Double?
    ) {
        self.start = start
        self.calls = calls
        self.errors = errors
        self.exceptions = exceptions
        self.noResponse = noResponse
        self.p50 = p50
        self.p99 = p99
        self.serverMean = serverMean
    }
}

/// One TCP connection that carried calls or heartbeats.
public struct ConnectionReport: Sendable, Equatable {
    /// The side that sent the calls (for a connection with only heartbeats: the sender of the first one).
    public var client: String
    public var server: String
    public var calls = 0
    /// Most two-way calls awaiting their response at the same moment.
    public var maxInFlight = 0
    /// Calls whose response came after a large response (≥ `LatencyReport.largeResponseBytes`) that was still
    /// being sent when their request had arrived: they waited for the channel.
    public var waitedBehindLargeResponse = 0
    /// Sum of those waits: from the later of request end and large-response start, to the large response's end.
    public var waitedMicroseconds: Int64 = 0
    public var heartbeats = 0
    public var missedHeartbeats = 0
    public var heartbeatRTT = DistributionSummary()

    public init(client: String, server: String) {
        self.client = client
        self.server = server
    }
}

/// Consumer → provider, for one service.
public struct ServiceEdge: Sendable, Equatable {
    struct Key: Hashable {
        var consumer: String
        var provider: String
        var service: String?
    }

    public var consumer: String
    public var provider: String
    public var service: String?
    public var calls: Int
    public var failures: Int

    public init(consumer: String, provider: String, service: String?, calls: Int, failures: Int) {
        self.consumer = consumer
        self.provider = provider
        self.service = service
        self.calls = calls
        self.failures = failures
    }
}

/// One of the slowest calls, with what it asked (when payloads are shown).
public struct SlowCallEntry: Sendable, Equatable {
    public var time: CaptureTime
    public var service: String?
    public var method: String?
    public var client: String
    public var server: String
    public var requestID: Int64
    public var latencyMicroseconds: Int64
    /// Request last byte → response first byte.
    public var serverMicroseconds: Int64?
    public var outcome: String
    public var statusName: String?
    /// Arguments as JSON text, cut to the report's limit; nil with `--no-payload` or when not decoded.
    public var arguments: String?
    /// Error message or `class: message` of a business exception.
    public var failure: String?

    public init(
        time: CaptureTime, service: String?, method: String?, client: String, server: String, requestID: Int64,
        latencyMicroseconds: Int64, serverMicroseconds: Int64?, outcome: String, statusName: String?, arguments: String?, failure: String?
    ) {
        self.time = time
        self.service = service
        self.method = method
        self.client = client
        self.server = server
        self.requestID = requestID
        self.latencyMicroseconds = latencyMicroseconds
        self.serverMicroseconds = serverMicroseconds
        self.outcome = outcome
        self.statusName = statusName
        self.arguments = arguments
        self.failure = failure
    }
}

/// Counters from the capture pipeline, for the capture-quality part of a report. Reporting does not see the
/// pipeline, so the command fills this in (from `RunSummary`).
public struct CaptureQualitySummary: Sendable, Equatable {
    /// One counter: a stable snake_case key (the JSON key), a label for people, and whether a non-zero value
    /// means the capture is incomplete.
    public struct Row: Sendable, Equatable {
        public var key: String
        public var label: String
        public var value: Int
        public var concern: Bool

        public init(key: String, label: String, value: Int, concern: Bool) {
            self.key = key
            self.label = label
            self.value = value
            self.concern = concern
        }
    }

    public var rows: [Row] = []
    /// Files that could not be read, and other one-line problems.
    public var problems: [String] = []

    public init(rows: [Row] = [], problems: [String] = []) {
        self.rows = rows
        self.problems = problems
    }
}

/// Where the aggregator's memory bounds changed what it reports.
public struct ReportLimitsHit: Sendable, Equatable {
    /// Records whose group was beyond `maxGroups` and were counted in the `(other groups)` group instead.
    public var recordsInOverflowGroup = 0
    /// Connections beyond `maxConnections`, not tracked individually.
    public var untrackedConnections = 0
    /// Latencies over 2^32 µs or negative (clock steps between merged files), clamped.
    public var clampedValues = 0
    /// Times the time-series interval was doubled to stay within bounds.
    public var intervalDoublings = 0
    /// Service-map edges beyond the cap, not shown.
    public var droppedServiceEdges = 0

    public init() {}
}
