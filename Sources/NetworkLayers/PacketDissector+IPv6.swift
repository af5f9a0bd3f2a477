import InspectorCore

extension PacketDissector {
    // MARK: IPv6 (RFC 8200)

    /// Parses the IPv6 header at `offset`, walks its extension headers, and locates the TCP payload.
    ///
    /// Hop-by-hop (0), routing (43), destination options (60) and AH (51) are stepped over; a
    /// fragment header (44) skips the packet unless it is an atomic fragment (offset 0, M clear,
    /// RFC 6946), which is a whole packet. ESP and anything else end the walk as "not TCP".
    mutating func parseIPv6(_ packet: Span<UInt8>, at offset: Int, frameEnd: Int) -> TransportResult {
        guard offset < packet.count else { return .skipped(.truncatedHeader(.ipv6)) }
        guard packet[offset] >> 4 == 6 else { return .skipped(.malformed(.ipVersionMismatch)) }
        guard packet.count - offset >= 40,
            let payloadLength = packet.bigEndian(at: offset + 4, as: UInt16.self),
            let sourceHigh = packet.bigEndian(at: offset + 8, as: UInt64.self),
            let sourceLow = packet.bigEndian(at: offset + 16, as: UInt64.self),
            let destinationHigh = packet.bigEndian(at: offset + 24, as: UInt64.self),
            let destinationLow = packet.bigEndian(at: offset + 32, as: UInt64.self)
        else { return .skipped(.truncatedHeader(.ipv6)) }
        var nextHeader = packet[offset + 6]

        let claimedEnd: Int
        if payloadLength == 0 {
            // RFC 2675: a jumbogram says 0 here and carries its length in a hop-by-hop option.
            guard nextHeader != 0 else { return .skipped(.jumbogram) }
            // Otherwise 0 is what Linux BIG TCP / offload captures show: the payload is the rest of the frame.
            stats.ipLengthZeroTakenFromFrame += 1
            claimedEnd = frameEnd
        } else {
            claimedEnd = offset + 40 + Int(payloadLength)
        }
        let end = payloadEnd(claimed: claimedEnd, frameEnd: frameEnd, capturedCount: packet.count)

        var cursor = offset + 40
        for _ in 0..<Self.maxIPv6ExtensionHeaders {
            switch nextHeader {
            case 6:
                return .tcp(
                    TransportLocation(
                        source: .v6(sourceHigh, sourceLow),
                        destination: .v6(destinationHigh, destinationLow),
                        offset: cursor,
                        end: end,
                        capturedEnd: min(end, packet.count)
                    )
                )
            case 0, 43, 60, 51, 44:
                // Every one of these starts with next header (1) and a length byte (1); a fragment header is 8 bytes.
                guard end - cursor >= 8 else { return .skipped(.malformed(.ipv6ExtensionHeaderBeyondPayload)) }
                guard packet.count - cursor >= 8 else { return .skipped(.truncatedHeader(.ipv6)) }
                let lengthField = Int(packet[cursor + 1])
                let length: Int
                switch nextHeader {
                case 44:
                    length = 8
                    // bytes 2-3: fragment offset (high 13 bits), M flag (bit 0)
                    let fragmentField = UInt16(packet[cursor + 2]) << 8 | UInt16(packet[cursor + 3])
                    guard fragmentField & 0xfff9 == 0 else { return .skipped(.ipFragment) }
                case 51:
                    length = (lengthField + 2) * 4  // AH counts 32-bit words, minus 2 (RFC 4302)
                default:
                    length = (lengthField + 1) * 8  // 8-octet units, not counting the first 8 (RFC 8200 §4.3)
                }
                guard end - cursor >= length else { return .skipped(.malformed(.ipv6ExtensionHeaderBeyondPayload)) }
                nextHeader = packet[cursor]
                cursor += length
            default:
                return .skipped(.notTCP(ipProtocol: nextHeader))
            }
        }
        return .skipped(.malformed(.tooManyIPv6ExtensionHeaders))
    }
}
