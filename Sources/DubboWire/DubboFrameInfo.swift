public import InspectorCore

/// Everything known about one frame found in a stream, apart from its body bytes (which are lent separately).
public struct DubboFrameInfo: Sendable, Equatable {
    public enum BodyState: Sendable, Equatable {
        /// The whole body was captured and is lent alongside this info.
        case complete
        /// Some body bytes never reached the capture (a gap); the body is not available.
        case gap
        /// The body is longer than the configured limit and was skipped unread.
        case tooLarge
        /// The stream ended (connection closed or capture over) before the body was complete.
        case truncated
        /// The body was being collected across packets when the memory limit for incomplete frames
        /// (`Limits.maxBufferedFrameBytesTotal`) gave it up; the rest of it was passed over unread.
        case evicted
    }

    public var header: DubboFrameHeader
    /// Offset of the frame's first byte in its direction of the TCP stream (gaps included).
    public var streamOffset: Int64
    /// Capture time of the packet carrying the frame's first byte.
    public var firstByteTime: CaptureTime
    /// Capture time of the packet carrying the frame's last byte (for a frame cut short: the last byte seen).
    public var lastByteTime: CaptureTime
    public var bodyState: BodyState
    /// The frame was found by scanning for the magic after the decoder lost its place.
    public var foundByResync: Bool

    public init(
        header: DubboFrameHeader, streamOffset: Int64, firstByteTime: CaptureTime, lastByteTime: CaptureTime,
        bodyState: BodyState, foundByResync: Bool
    ) {
        self.header = header
        self.streamOffset = streamOffset
        self.firstByteTime = firstByteTime
        self.lastByteTime = lastByteTime
        self.bodyState = bodyState
        self.foundByResync = foundByResync
    }

    /// When the frame's last byte was captured; `nil` when the stream ended before it (truncated).
    public var endTime: CaptureTime? { bodyState == .truncated ? nil : lastByteTime }
}
