/// A W3C / OpenTelemetry trace id: 16 bytes, never all zero.
package struct TraceID: Hashable, Sendable, CustomStringConvertible {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    package var isValid: Bool { high != 0 || low != 0 }

    /// Big-endian bytes, as OTLP carries them.
    package var bytes: [UInt8] { high.bigEndianBytes + low.bigEndianBytes }

    /// 32 lowercase hex digits.
    package var description: String { high.hexDigits + low.hexDigits }

    /// Parses exactly 32 hex digits (either case). Returns `nil` for any other text or for the all-zero id.
    package init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 32, let high = UInt64(hexDigits: utf8[0..<16]), let low = UInt64(hexDigits: utf8[16..<32])
        else { return nil }
        self.init(high: high, low: low)
        guard isValid else { return nil }
    }
}

extension TraceID {
    /// From 16 big-endian bytes.
    init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[index])
            low = low << 8 | UInt64(bytes[index + 8])
        }
        self.init(high: high, low: low)
    }
}
