public import InspectorCore

/// Bounds on what one Triple (HTTP/2) connection may make the decoder hold. Checked before anything is allocated;
/// hitting one is counted and the connection goes on (docs/LIMITS.md, "Triple").
public struct TripleLimits: Sendable, Equatable {
    /// Largest frame payload buffered (HTTP/2 allows 16 MiB); longer frames are reported and skipped.
    public var maxFramePayload: Int
    /// Largest gRPC message decoded (`--max-body`); longer ones are counted and skipped.
    public var maxMessageLength: Int
    /// Largest header block (HEADERS + CONTINUATION fragments) collected before decoding.
    public var maxHeaderBlockLength = 64 << 10
    /// Most CONTINUATION frames one header block may take (a CONTINUATION flood is cut off here).
    public var maxContinuationFrames = 32
    /// Largest decoded header list (RFC 7541 sizes: name + value + 32 per field).
    public var maxHeaderListSize = 64 << 10
    /// Largest HPACK dynamic table honoured, whatever SETTINGS_HEADER_TABLE_SIZE says; an encoder using more
    /// makes the table unknown (calls flagged `headers_incomplete`), never wrongly decoded.
    public var maxDynamicTableSize = 64 << 10
    /// Bytes of header blocks (and their decoded fields) remembered over all connections of an analysis thread, so
    /// blocks sent again skip HPACK decoding (`HeaderBlockMemory`); the oldest are forgotten first.
    public var maxRememberedHeaderBytes = HeaderBlockMemory.defaultBudget
    /// Streams tracked at once per connection; further new streams are counted and not decoded.
    public var maxConcurrentStreams = 1_024
    /// A compressed message may inflate to at most this many times its size (and never past `maxMessageLength`)…
    public var maxDecompressionRatio = 1_024
    /// …except that up to this many bytes are always allowed (small messages compress well).
    public var decompressionFloor = 1 << 20
    /// Bytes of incomplete messages (spanning DATA frames) held over all streams of one connection; past it the
    /// message that just grew is given up (quality `evicted`). Never below two messages of `maxMessageLength`.
    public var maxBufferedMessageBytes: Int
    /// Decoded messages kept per stream and direction for the record; later ones are only counted.
    public var maxMessagesKept = 64
    /// Deepest nesting of protobuf messages rendered field by field.
    public var maxProtobufDepth = 32
    /// Build argument and result values; when false (reports, `--no-payload`) messages are still counted and their
    /// serialization and wrapper types read, but their values are not decoded.
    public var decodesValues = true
    /// A report's depth (`DecodePlan`): no record is written, so a wrapper's argument types are checked but not
    /// built, and each request's messages are kept as bytes (at most `maxMessageLength` in all) for the report to
    /// decode the arguments of the few calls it shows (`TripleArgumentDecoder`). Only with `decodesValues` false.
    public var keepsRequestsForLater = false
    /// Leave the decoding of message values to the record thread (`TripleDeferredDecoder`), which has room for it
    /// when call logs are written: each message is kept as bytes, at most `maxMessageLength` per call and direction
    /// (past that the messages are decoded at once, as without this). Only with `decodesValues`.
    public var defersValues = false
    /// Hessian2 and protobuf decoding bounds.
    public var values: Limits

    public init(_ limits: Limits = .default) {
        self.values = limits
        self.maxMessageLength = limits.maxBodyLength
        self.maxBufferedMessageBytes = max(16 << 20, limits.maxBodyLength > Int.max / 4 ? Int.max / 2 : 2 * limits.maxBodyLength)
        self.maxFramePayload = min(max(limits.maxBodyLength, HTTP2FrameHeader.defaultMaxPayload), HTTP2FrameHeader.largestPayload)
    }

    /// Most bytes a compressed message of `length` bytes may inflate to.
    public func decompressedLimit(forCompressed length: Int) -> Int {
        let byRatio = length > Int.max / maxDecompressionRatio ? Int.max : length * maxDecompressionRatio
        return min(maxMessageLength, max(decompressionFloor, byRatio))
    }
}
