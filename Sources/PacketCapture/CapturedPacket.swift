public import InspectorCore

/// One packet as the capture recorded it, borrowed from the source that produced it.
///
/// `bytes` points into the source's own buffer: it stays valid only until the next call on that
/// source (and never after the source is gone). Consumers parse it in place and copy what they keep.
public struct CapturedPacket {
    /// When the packet was captured, to the nanosecond when the capture has that precision.
    public var time: CaptureTime
    /// The capture's `LINKTYPE_*` value (`pcap_datalink`): 1 Ethernet, 113 Linux SLL, 276 SLL2, ...
    public var linkType: Int32
    /// Bytes present in `bytes` (cut by the snap length).
    public var capturedLength: Int
    /// Bytes the packet had on the wire; larger than `capturedLength` when the snap length cut it.
    public var originalLength: Int
    /// The captured bytes, `capturedLength` of them; borrowed (see the type's contract).
    public var bytes: UnsafeRawBufferPointer
    /// Which input the packet came from: the position of its file in a multi-file run, 0 otherwise.
    public var sourceIndex: Int

    public init(
        time: CaptureTime,
        linkType: Int32,
        capturedLength: Int,
        originalLength: Int,
        bytes: UnsafeRawBufferPointer,
        sourceIndex: Int = 0
    ) {
        self.time = time
        self.linkType = linkType
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.bytes = bytes
        self.sourceIndex = sourceIndex
    }

    /// Whether the snap length cut the packet short.
    public var isCutBySnapLength: Bool { capturedLength < originalLength }

    /// Runs `body` with a `Span` over the captured bytes.
    ///
    /// A closure rather than a `span` property because returning a `Span` needs the experimental
    /// `Lifetimes` feature, which this package does not enable. The span must not escape `body`.
    @inlinable
    public func withSpan<Result, Failure: Error>(
        _ body: (Span<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(bytes.assumingMemoryBound(to: UInt8.self).span)
    }
}
