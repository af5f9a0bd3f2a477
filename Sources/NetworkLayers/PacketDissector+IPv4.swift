import InspectorCore

extension PacketDissector {
    // MARK: IPv4 (RFC 791)

    /// Parses the IPv4 header at `offset` and locates its TCP payload.
    ///
    /// The payload ends where the total length says, clamped to the frame's wire length (`frameEnd`),
    /// so Ethernet padding is never payload and snap-length cuts are missing bytes. A total length
    /// of 0 (segmentation offload, Linux BIG TCP) means "the rest of the frame".
    mutating func parseIPv4(_ packet: Span<UInt8>, at offset: Int, frameEnd: Int) -> TransportResult {
        guard offset < packet.count else { return .skipped(.truncatedHeader(.ipv4)) }
        // byte 0: version (high nibble), IHL in 32-bit words (low nibble)
        guard packet[offset] >> 4 == 4 else { return .skipped(.malformed(.ipVersionMismatch)) }
        let headerLength = Int(packet[offset] & 0x0f) * 4
        guard headerLength >= 20 else { return .skipped(.malformed(.ipv4HeaderLengthBelowMinimum)) }
        guard packet.count - offset >= headerLength,
            let totalLength = packet.bigEndian(at: offset + 2, as: UInt16.self),
            let fragment = packet.bigEndian(at: offset + 6, as: UInt16.self),
            let source = packet.bigEndian(at: offset + 12, as: UInt32.self),
            let destination = packet.bigEndian(at: offset + 16, as: UInt32.self)
        else { return .skipped(.truncatedHeader(.ipv4)) }

        let claimedEnd: Int
        if totalLength == 0 {
            stats.ipLengthZeroTakenFromFrame += 1
            claimedEnd = frameEnd
        } else {
            guard Int(totalLength) >= headerLength else { return .skipped(.malformed(.ipv4TotalLengthBelowHeader)) }
            claimedEnd = offset + Int(totalLength)
        }
        // bytes 6-7: flags (bit 13 = MF), fragment offset (low 13 bits, 8-byte units)
        guard fragment & 0x2000 == 0, fragment & 0x1fff == 0 else { return .skipped(.ipFragment) }
        let ipProtocol = packet[offset + 9]
        guard ipProtocol == 6 else { return .skipped(.notTCP(ipProtocol: ipProtocol)) }

        let end = payloadEnd(claimed: claimedEnd, frameEnd: frameEnd, capturedCount: packet.count)
        return .tcp(
            TransportLocation(
                source: .v4(source),
                destination: .v4(destination),
                offset: offset + headerLength,
                end: end,
                capturedEnd: min(end, packet.count)
            )
        )
    }
}
