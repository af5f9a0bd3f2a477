/// Where the IP layer found the TCP header: the addresses and the bounds of the IP payload.
///
/// `end` is where the IP payload ends on the wire; `capturedEnd` is where the captured bytes of it
/// end (`min(end, packet.count)`), so a snap-length cut shows as `capturedEnd < end`.
struct TransportLocation: Equatable {
    var source: IPAddress
    var destination: IPAddress
    /// Offset of the TCP header in the packet.
    var offset: Int
    /// End of the IP payload on the wire (exclusive), may lie beyond the captured bytes.
    var end: Int
    /// End of the captured bytes of the IP payload (exclusive); never beyond the packet.
    var capturedEnd: Int
}
