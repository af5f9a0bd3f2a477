/// Tells which peer wrote an HPACK header block without its dynamic table, from the pseudo-header fields that
/// every encoder writes by static index (RFC 7541 Appendix A): indexes 1–7 (`:authority`, `:method`, `:path`,
/// `:scheme`) open only requests, 8–14 (`:status`) only responses. Used when a connection was picked up mid-stream
/// and its roles were guessed from port numbers.
enum HeaderBlockSender {
    /// The side that sent `fragment` (the first fragment of a HEADERS frame), or nil when no field in it says: a
    /// trailer block, fields by dynamic index only, or bytes cut short.
    static func judge(_ fragment: UnsafeBufferPointer<UInt8>) -> TripleSide? {
        var position = 0
        // Each field consumes at least one byte, so the walk ends within `fragment.count` steps.
        while position < fragment.count {
            let first = fragment[position]
            let index: Int
            let literal: Bool
            switch first {
            case 0x80...:  // indexed field, 7-bit index
                guard let read = integer(fragment, &position, prefixBits: 7) else { return nil }
                (index, literal) = (read, false)
            case 0x40...:  // literal with incremental indexing, 6-bit name index
                guard let read = integer(fragment, &position, prefixBits: 6) else { return nil }
                (index, literal) = (read, true)
            case 0x20...:  // dynamic table size update
                guard integer(fragment, &position, prefixBits: 5) != nil else { return nil }
                continue
            default:  // literal without indexing or never indexed, 4-bit name index
                guard let read = integer(fragment, &position, prefixBits: 4) else { return nil }
                (index, literal) = (read, true)
            }
            switch index {
            case 1...7: return .client
            case 8...14: return .server
            default: break
            }
            guard literal else { continue }
            if index == 0, !skipString(fragment, &position) { return nil }
            if !skipString(fragment, &position) { return nil }
        }
        return nil
    }

    /// An HPACK integer (RFC 7541 §5.1) at `position`; nil when cut short or longer than four continuation bytes.
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int, prefixBits: Int) -> Int? {
        let mask = (1 << prefixBits) - 1
        var value = Int(bytes[position]) & mask
        position += 1
        guard value == mask else { return value }
        for shift in stride(from: 0, to: 28, by: 7) {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            value += Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }

    /// Steps over a string literal (RFC 7541 §5.2); false when it does not fit.
    private static func skipString(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Bool {
        guard position < bytes.count, let length = integer(bytes, &position, prefixBits: 7),
              length <= bytes.count - position
        else { return false }
        position += length
        return true
    }
}
