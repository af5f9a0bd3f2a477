/// Finds the TCP segment in a captured packet: link layer → IPv4/IPv6 → TCP.
///
/// Pure and allocation-free: reads the borrowed bytes in place, never past their end, never traps
/// on any input. Checksums are not validated (offloaded checksums are wrong in captures).
/// Fragments are not reassembled. Every skip is counted in `stats`.
public struct PacketDissector: Sendable {
    /// Counts over every packet dissected so far.
    public internal(set) var stats = NetworkLayerStats()

    /// Most stacked VLAN tags walked (QinQ uses two; a few more for safety).
    static let maxVLANTags = 8
    /// Most IPv6 extension headers walked before the packet is called malformed.
    static let maxIPv6ExtensionHeaders = 16

    public init() {}

    /// Dissects one packet.
    ///
    /// - Parameters:
    ///   - packet: the captured bytes (possibly cut by the snap length).
    ///   - linkType: the capture's `LINKTYPE_*`/`DLT_*` value.
    ///   - originalLength: the packet's length on the wire; lengths in the IP header are trusted only
    ///     up to it, and bytes between the captured end and it count as missing (cut), not absent.
    /// - Returns: `.tcp` with offsets into `packet`, or `.skipped` with the reason.
    public mutating func dissect(_ packet: Span<UInt8>, linkType: Int32, originalLength: Int) -> Dissection {
        let result = dissectUncounted(packet, linkType: linkType, originalLength: originalLength)
        stats.packets += 1
        switch result {
        case .tcp(let segment):
            stats.tcpSegments += 1
            if segment.isCutBySnapLength { stats.segmentsCutBySnapLength += 1 }
        case .skipped(let reason):
            stats.record(reason)
        }
        return result
    }

    private mutating func dissectUncounted(_ packet: Span<UInt8>, linkType: Int32, originalLength: Int) -> Dissection {
        // The frame's wire length: never below what was captured, whatever the caller passed.
        let wireLength = max(originalLength, packet.count)
        let transport: TransportResult
        switch Self.locateNetworkLayer(packet, linkType: linkType) {
        case .ipv4(let offset):
            transport = parseIPv4(packet, at: offset, frameEnd: wireLength)
        case .ipv6(let offset):
            transport = parseIPv6(packet, at: offset, frameEnd: wireLength)
        case .skipped(let reason):
            return .skipped(reason)
        }
        switch transport {
        case .tcp(let location):
            return Self.parseTCP(packet, location)
        case .skipped(let reason):
            return .skipped(reason)
        }
    }

    /// The IP payload's wire end, given the end the IP header claims, clamped to the frame; counts
    /// frames with trailing bytes (Ethernet padding) and lengths beyond the frame.
    mutating func payloadEnd(claimed: Int, frameEnd: Int, capturedCount: Int) -> Int {
        var end = claimed
        if end > frameEnd {
            stats.ipLengthBeyondFrame += 1
            end = frameEnd
        }
        if capturedCount > end { stats.framesWithTrailingBytes += 1 }
        return end
    }
}
