/// Turns UTF-16 units into well-formed UTF-8: valid surrogate pairs are joined (also across chunk boundaries),
/// lone surrogates become U+FFFD (PROTOCOL §5.3), so `bytes` is always valid UTF-8.
struct UTF8StringSink: UTF16UnitSink {
    var bytes: [UInt8]
    /// A high surrogate waiting for its low half; 0 when none.
    private var pendingHigh: UInt16 = 0

    init(reusing buffer: [UInt8]) {
        bytes = buffer
        // Not on an empty array: `removeAll(keepingCapacity:)` allocates a buffer even for that, and an empty sink
        // is made for every string decoded.
        if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }
    }

    mutating func appendASCII(_ ascii: UnsafeBufferPointer<UInt8>) {
        flushPendingHigh()
        bytes.append(contentsOf: ascii)
    }

    mutating func append(unit: UInt16) {
        if pendingHigh != 0 {
            if (0xDC00...0xDFFF).contains(unit) {
                let scalar = 0x10000 + (UInt32(pendingHigh - 0xD800) << 10) + UInt32(unit - 0xDC00)
                pendingHigh = 0
                bytes.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
                bytes.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
                bytes.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
                bytes.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
                return
            }
            flushPendingHigh()
        }
        switch unit {
        case 0..<0x80:
            bytes.append(UInt8(truncatingIfNeeded: unit))
        case 0x80..<0x800:
            bytes.append(0xC0 | UInt8(truncatingIfNeeded: unit >> 6))
            bytes.append(0x80 | UInt8(truncatingIfNeeded: unit & 0x3F))
        case 0xD800...0xDBFF:
            pendingHigh = unit
        case 0xDC00...0xDFFF:
            appendReplacement()
        default:
            appendThreeBytes(unit)
        }
    }

    /// Ends the string: a high surrogate still waiting is lone.
    mutating func finish() {
        flushPendingHigh()
    }

    private mutating func flushPendingHigh() {
        guard pendingHigh != 0 else { return }
        pendingHigh = 0
        appendReplacement()
    }

    private mutating func appendReplacement() {
        appendThreeBytes(0xFFFD)
    }

    private mutating func appendThreeBytes(_ unit: UInt16) {
        bytes.append(0xE0 | UInt8(truncatingIfNeeded: unit >> 12))
        bytes.append(0x80 | UInt8(truncatingIfNeeded: (unit >> 6) & 0x3F))
        bytes.append(0x80 | UInt8(truncatingIfNeeded: unit & 0x3F))
    }
}
