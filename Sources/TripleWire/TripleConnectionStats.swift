/// Counters of Triple decoding, added up per run.
public struct TripleConnectionStats: Sendable, Equatable {
    public var framing = HTTP2StreamStats()
    public var calls: Int64 = 0
    public var pings: Int64 = 0
    public var goaways: Int64 = 0
    /// Frames whose content broke a rule (bad padding, CONTINUATION out of place, short SETTINGS…): skipped.
    public var malformedFrames: Int64 = 0
    /// Header blocks that could not be decoded (HPACK error, or an unknown dynamic table).
    public var undecodedHeaderBlocks: Int64 = 0
    /// Header blocks decoded (or tried), and those among them answered from the blocks a side repeats
    /// (`HeaderBlockMemory`) without HPACK decoding.
    public var headerBlocks: Int64 = 0
    public var reusedHeaderBlocks: Int64 = 0
    /// Header blocks dropped for exceeding `maxHeaderBlockLength` or `maxContinuationFrames`.
    public var oversizedHeaderBlocks: Int64 = 0
    /// New streams not tracked because `maxConcurrentStreams` were open.
    public var streamsOverLimit: Int64 = 0
    /// Messages over `maxMessageLength` (or inflating past their bound), counted and skipped.
    public var messagesTooLarge: Int64 = 0
    public var messagesUndecoded: Int64 = 0
    /// Incomplete messages given up by `maxBufferedMessageBytes`.
    public var messagesEvicted: Int64 = 0

    public init() {}

    public mutating func add(_ other: TripleConnectionStats) {
        framing.add(other.framing)
        calls += other.calls
        pings += other.pings
        goaways += other.goaways
        malformedFrames += other.malformedFrames
        undecodedHeaderBlocks += other.undecodedHeaderBlocks
        headerBlocks += other.headerBlocks
        reusedHeaderBlocks += other.reusedHeaderBlocks
        oversizedHeaderBlocks += other.oversizedHeaderBlocks
        streamsOverLimit += other.streamsOverLimit
        messagesTooLarge += other.messagesTooLarge
        messagesUndecoded += other.messagesUndecoded
        messagesEvicted += other.messagesEvicted
    }
}
