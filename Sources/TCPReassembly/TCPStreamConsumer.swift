public import InspectorCore

/// Receives the reassembled byte streams of one connection, in order, with losses made explicit.
///
/// For each direction the reassembler calls `opened` once, then any mix of `received` and `gap` that together
/// account for every sequence number it tracked, in order. `closed` comes exactly once, last. The consumer is a
/// value owned by the reassembler; it must not retain the borrowed spans.
public protocol TCPStreamConsumer {
    /// A direction starts delivering; `midstream` = no SYN was seen for it, so the first byte may be inside a message.
    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime)

    /// In-order bytes; `time` = capture time of the packet that carried them. Borrowed: copy what you keep.
    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime)

    /// Exactly `length` bytes of this direction will never be delivered (lost before the capture, cut by the
    /// snap length, or given up by a memory limit). They sit between the bytes delivered before and after.
    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime)

    /// The connection is over; nothing more will be delivered.
    mutating func closed(_ end: StreamEnd, time: CaptureTime)
}
