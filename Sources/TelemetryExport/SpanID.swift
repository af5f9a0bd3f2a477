/// A W3C / OpenTelemetry span id: 8 bytes, never zero.
package struct SpanID: Hashable, Sendable, CustomStringConvertible {
    package var value: UInt64

    package init(_ value: UInt64) {
        self.value = value
    }

    package var isValid: Bool { value != 0 }
    package var bytes: [UInt8] { value.bigEndianBytes }
    package var description: String { value.hexDigits }

    /// Parses exactly 16 hex digits; `nil` for other text or the zero id.
    package init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16, let value = UInt64(hexDigits: utf8[...]), value != 0 else { return nil }
        self.value = value
    }
}
