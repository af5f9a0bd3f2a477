import InspectorCore

extension PacketDissector {
    // MARK: TCP (RFC 9293 §3.1)

    /// Parses the TCP header at `location.offset` and places the payload.
    ///
    /// The payload length comes from the IP payload bounds, so a snap-length cut gives
    /// `capturedPayloadLength < payloadLength`. Options are skipped, not parsed.
    static func parseTCP(_ packet: Span<UInt8>, _ location: TransportLocation) -> Dissection {
        let offset = location.offset
        let segmentLength = location.end - offset
        guard segmentLength >= 20 else { return .skipped(.malformed(.tcpSegmentShorterThanHeader)) }
        guard location.capturedEnd - offset >= 20,
            let sourcePort = packet.bigEndian(at: offset, as: UInt16.self),
            let destinationPort = packet.bigEndian(at: offset + 2, as: UInt16.self),
            let sequence = packet.bigEndian(at: offset + 4, as: UInt32.self),
            let acknowledgment = packet.bigEndian(at: offset + 8, as: UInt32.self),
            let window = packet.bigEndian(at: offset + 14, as: UInt16.self)
        else { return .skipped(.truncatedHeader(.tcp)) }
        // byte 12: data offset in 32-bit words (high nibble); byte 13: flags
        let headerLength = Int(packet[offset + 12] >> 4) * 4
        guard headerLength >= 20 else { return .skipped(.malformed(.tcpDataOffsetBelowMinimum)) }
        guard headerLength <= segmentLength else { return .skipped(.malformed(.tcpHeaderBeyondSegment)) }
        guard location.capturedEnd - offset >= headerLength else { return .skipped(.truncatedHeader(.tcp)) }
        let payloadOffset = offset + headerLength
        return .tcp(
            TCPSegment(
                source: Endpoint(address: location.source, port: sourcePort),
                destination: Endpoint(address: location.destination, port: destinationPort),
                sequence: sequence,
                acknowledgment: acknowledgment,
                flags: TCPFlags(rawValue: packet[offset + 13]),
                window: window,
                payloadOffset: payloadOffset,
                capturedPayloadLength: location.capturedEnd - payloadOffset,
                payloadLength: location.end - payloadOffset
            )
        )
    }
}
