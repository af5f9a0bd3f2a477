public import InspectorCore

/// One HTTP/2 frame found in a direction of a TCP stream; its payload is lent alongside.
public struct HTTP2Frame: Sendable, Equatable {
    public enum PayloadState: Sendable, Equatable {
        /// The whole payload was captured and is lent with the frame.
        case complete
        /// Some payload bytes never reached the capture.
        case gap
        /// The payload is longer than the limit and was passed over unread.
        case tooLarge
        /// The stream ended inside the payload.
        case truncated
    }

    public var header: HTTP2FrameHeader
    /// Capture time of the packet carrying the frame's first byte.
    public var firstByteTime: CaptureTime
    /// Capture time of the packet carrying its last byte (or the last byte seen).
    public var lastByteTime: CaptureTime
    public var payloadState: PayloadState
    /// The first frame after bytes were lost or the stream was picked up mid-way: earlier header blocks may be
    /// missing, so the HPACK table of this direction is no longer known.
    public var followsLoss: Bool

    public init(
        header: HTTP2FrameHeader, firstByteTime: CaptureTime, lastByteTime: CaptureTime,
        payloadState: PayloadState, followsLoss: Bool
    ) {
        self.header = header
        self.firstByteTime = firstByteTime
        self.lastByteTime = lastByteTime
        self.payloadState = payloadState
        self.followsLoss = followsLoss
    }
}

/// Counters of one direction's framing, added up per run.
public struct HTTP2StreamStats: Sendable, Equatable {
    public var frames: Int64 = 0
    /// Frames breaking a type rule of RFC 9113 §6 (a PING that is not 8 bytes, padding longer than the frame…):
    /// skipped by their stated length.
    public var malformedFrames: Int64 = 0
    /// Extension frame types (RFC 9113 §5.5), skipped.
    public var unknownFrames: Int64 = 0
    /// Frames whose payload exceeded the limit and was passed over unread.
    public var oversizedFrames: Int64 = 0
    public var gapBytes: Int64 = 0
    /// Bytes passed over while looking for a frame header after lost sync.
    public var skippedBytes: Int64 = 0
    /// Times a frame header was found again by scanning.
    public var resyncs: Int64 = 0

    public init() {}

    public mutating func add(_ other: HTTP2StreamStats) {
        frames += other.frames
        malformedFrames += other.malformedFrames
        unknownFrames += other.unknownFrames
        oversizedFrames += other.oversizedFrames
        gapBytes += other.gapBytes
        skippedBytes += other.skippedBytes
        resyncs += other.resyncs
    }
}
