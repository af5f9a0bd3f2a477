import RecordFormats
public import InspectorCore
import NetworkLayers
public import RegistryJoin

/// What a report groups by and the bounds that keep its memory fixed.
public struct ReportConfiguration: Sendable {
    public var grouping: ReportGrouping
    /// Time-series slot width asked for, in nanoseconds (`--interval`).
    public var intervalNanoseconds: Int64
    /// Arguments of the slowest calls are kept (as JSON text); false for `--no-payload`.
    public var includePayload: Bool
    /// Slowest calls kept for the whole capture, and per group.
    public var slowestCount = 20
    public var slowestPerGroup = 5
    /// Longest JSON text kept per argument value, and for all arguments of one call.
    public var maxArgumentBytes = 512
    public var maxArgumentsBytes = 2_048
    /// Groups tracked separately; records of later new groups are counted together in `(other groups)`.
    public var maxGroups = 500
    /// Most slots in a series; the interval doubles when the capture is longer.
    public var maxSeriesPoints = 240
    /// Most slot histograms over all groups; the interval doubles when there would be more.
    public var seriesBudget = 4_000
    /// Most bytes those histograms may hold (they fill up as slots take more calls); the interval doubles beyond.
    public var seriesByteBudget = 32 << 20
    /// Connections tracked separately (in-flight calls, heartbeats, waits behind large responses).
    public var maxConnections = 10_000
    /// Consumer → provider edges kept for the service map.
    public var maxServiceEdges = 20_000
    /// Dubbo's payload limit (`payload`, 8 MiB by default); bodies at or above `nearLimitFraction` of it are flagged.
    public var payloadLimitBytes = 8 << 20
    public var nearLimitFraction = 0.9
    /// A response at least this long counts as large when looking for calls that waited behind one.
    public var largeResponseBytes = 1 << 20
    /// Application names for providers and consumers (nil: endpoints are shown).
    public var names: (any ApplicationNameLookup)?
    /// Limits for decoding the arguments of the calls a report shows, when records carry them undecoded
    /// (`DubboBodyDecoder.Depth.argumentsOnDemand`): those of the run.
    public var decodingLimits = Limits.default
    /// No interval was asked for (`--interval` absent): the series starts at `adaptiveStartNanoseconds` and doubles
    /// with the capture's span, so it has between `maxSeriesPoints / 2` and `maxSeriesPoints` slots once the capture
    /// outlasts the first quarter second — a 0.2 s capture gets ~100 slots of 2 ms, a long one whole seconds
    /// (1 s, 2 s, 4 s … are on the doubling ladder).
    public var adaptiveInterval = false
    /// 1 s / 512 (1.953125 ms, exact in nanoseconds): nine doublings reach exactly one second.
    public static let adaptiveStartNanoseconds: Int64 = 1_000_000_000 / 512

    public init(
        grouping: ReportGrouping = .method, intervalNanoseconds: Int64 = 1_000_000_000, includePayload: Bool = true,
        names: (any ApplicationNameLookup)? = nil
    ) {
        self.grouping = grouping
        self.intervalNanoseconds = max(1_000, intervalNanoseconds)
        self.includePayload = includePayload
        self.names = names
    }

    var nearLimitBytes: Int { Int(Double(payloadLimitBytes) * nearLimitFraction) }
}
