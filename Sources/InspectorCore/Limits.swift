/// Every bound the analysis enforces on untrusted input, in one injectable value.
///
/// Each limit is checked *before* anything is allocated for the data it guards. Hitting a limit is
/// counted and reported by the stage that enforces it; it never stops the run.
public struct Limits: Sendable, Equatable {
    // MARK: Dubbo framing
    /// Largest Dubbo body that is decoded; longer bodies are reported and skipped (Dubbo's DEFAULT_PAYLOAD).
    public var maxBodyLength: Int = 8 << 20
    /// Memory held for incomplete frames (frames that span packets) across all connections; beyond it the frame
    /// that just grew is given up: reported without its body, quality `evicted`.
    public var maxBufferedFrameBytesTotal: Int = 128 << 20

    // MARK: Hessian2
    /// Deepest nesting of lists, maps and objects inside one body.
    public var maxHessianDepth: Int = 64
    /// Most elements one list or map may declare or hold.
    public var maxCollectionCount: Int = 1 << 20
    /// Most UTF-16 units in one string.
    public var maxStringLength: Int = 16 << 20
    /// Most class definitions in one body.
    public var maxClassDefinitions: Int = 4_096
    /// Most values (scalars included) one body may decode to, references expanded.
    public var maxValuesPerBody: Int = 1 << 21

    // MARK: fastjson2 JSONB (besides the Hessian2 limits above, which apply to JSONB too)
    /// Most symbols (field and type names written once and then referred to by number) one document may define.
    public var maxJSONBSymbols: Int = 4_096
    /// Longest reference path (`$.a.b[3]`) in bytes; its segments are capped by `maxHessianDepth`.
    public var maxJSONBPathLength: Int = 1_024
    /// Longest big integer (two's-complement bytes), whose decimal digits cost quadratic time to produce.
    public var maxJSONBBigNumberBytes: Int = 512

    // MARK: TCP reassembly
    /// Out-of-order bytes buffered for one direction of one connection.
    public var maxBufferedBytesPerFlow: Int = 4 << 20
    /// Out-of-order bytes buffered across all connections.
    public var maxBufferedBytesTotal: Int = 64 << 20
    /// Out-of-order segments buffered for one direction of one connection.
    public var maxBufferedSegmentsPerFlow: Int = 4_096
    /// Connections tracked at once; the least recently active one is evicted beyond this.
    public var maxFlows: Int = 65_536
    /// A connection with no packet for this long (capture time) is flushed.
    public var flowIdleTimeoutSeconds: Double = 300

    // MARK: Correlation
    /// Requests awaiting a response, across all connections; the oldest is expired beyond this.
    public var maxPendingRequests: Int = 100_000
    /// A request unanswered this long (capture time) is reported as `no_response`; `nil` waits for the end.
    public var requestTimeoutSeconds: Double? = nil

    public init() {}

    public static let `default` = Limits()
}
