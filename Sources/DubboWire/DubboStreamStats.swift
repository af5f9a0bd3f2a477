/// Counters for one or many directions of Dubbo streams. Anomalies are data: each is counted, none stops a stream.
public struct DubboStreamStats: Sendable, Equatable {
    public var frames = 0
    public var bytesInFrames: Int64 = 0
    /// Times the decoder lost its place (bad magic, a gap it could not skip exactly, implausible length).
    public var syncLosses = 0
    /// Times a plausible header was found again by scanning.
    public var resyncs = 0
    /// Bytes passed over while looking for a header: non-Dubbo text (telnet), or garbage after a loss of sync.
    public var skippedBytes: Int64 = 0
    /// Bytes reported missing by reassembly.
    public var gapBytes: Int64 = 0
    public var framesWithGaps = 0
    public var framesTooLarge = 0
    public var framesTruncated = 0
    /// Incomplete frames given up because incomplete frames over all connections held too much memory
    /// (`Limits.maxBufferedFrameBytesTotal`); each is reported without its body.
    public var framesEvicted = 0
    /// Bytes left at the end of a stream that did not make up a header.
    public var trailingBytes: Int64 = 0

    public init() {}

    public mutating func add(_ other: DubboStreamStats) {
        frames += other.frames
        bytesInFrames += other.bytesInFrames
        syncLosses += other.syncLosses
        resyncs += other.resyncs
        skippedBytes += other.skippedBytes
        gapBytes += other.gapBytes
        framesWithGaps += other.framesWithGaps
        framesTooLarge += other.framesTooLarge
        framesTruncated += other.framesTruncated
        framesEvicted += other.framesEvicted
        trailingBytes += other.trailingBytes
    }
}
