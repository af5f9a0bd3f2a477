package import InspectorCore

/// One packet as the capture recorded it, borrowed from the source that produced it.
///
/// `bytes` points into the source's own buffer: it stays valid only until the next call on that
/// source (and never after the source is gone). Consumers parse it in place and copy what they keep.
package struct CapturedPacket {
    /// When the packet was captured, to the nanosecond when the capture has that precision.
    package var time: CaptureTime
    /// The capture's `LINKTYPE_*` value (`pcap_datalink`): 1 Ethernet, 113 Linux SLL, 276 SLL2, ...
    package var linkType: Int32
    /// Bytes present in `bytes` (cut by the snap length).
    package var capturedLength: Int
    /// Bytes the packet had on the wire; larger than `capturedLength` when the snap length cut it.
    package var originalLength: Int
    /// The captured bytes, `capturedLength` of them; borrowed (see the type's contract).
    package var bytes: UnsafeRawBufferPointer
    /// Which input the packet came from: the position of its file in a multi-file run, 0 otherwise.
    package var sourceIndex: Int

    package init(
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
    package var isCutBySnapLength: Bool { capturedLength < originalLength }

    /// Runs `body` with a `Span` over the captured bytes.
    ///
    /// A closure rather than a `span` property because returning a `Span` needs the experimental
    /// `Lifetimes` feature, which this package does not enable. The span must not escape `body`.
    @inlinable
    package func withSpan<Result, Failure: Error>(
        _ body: (Span<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(bytes.assumingMemoryBound(to: UInt8.self).span)
    }
}
