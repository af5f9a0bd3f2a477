/// A TCP segment found in a packet: its endpoints, header fields, and where its payload lies.
///
/// Offsets index the packet bytes the dissector was given; the payload itself stays there
/// (borrowed), so nothing is copied. `payloadLength` comes from the IP length fields, so a packet
/// cut by the snap length shows as `capturedPayloadLength < payloadLength`: the missing bytes are
/// a gap, not bytes to invent.
public struct TCPSegment: Sendable, Equatable {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequence: UInt32
    public var acknowledgment: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Where the TCP payload starts in the packet bytes.
    public var payloadOffset: Int
    /// Payload bytes present in the capture (fewer than `payloadLength` when the snap length cut them).
    public var capturedPayloadLength: Int
    /// Payload bytes on the wire, from the IP length fields.
    public var payloadLength: Int

    public init(
        source: Endpoint,
        destination: Endpoint,
        sequence: UInt32,
        acknowledgment: UInt32,
        flags: TCPFlags,
        window: UInt16,
        payloadOffset: Int,
        capturedPayloadLength: Int,
        payloadLength: Int
    ) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.flags = flags
        self.window = window
        self.payloadOffset = payloadOffset
        self.capturedPayloadLength = capturedPayloadLength
        self.payloadLength = payloadLength
    }

    /// The captured payload's range in the packet bytes.
    public var capturedPayloadRange: Range<Int> {
        payloadOffset..<(payloadOffset + capturedPayloadLength)
    }

    /// Whether the snap length cut part of the payload.
    public var isCutBySnapLength: Bool { capturedPayloadLength < payloadLength }
}
