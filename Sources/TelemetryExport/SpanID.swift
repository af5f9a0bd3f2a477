/// A W3C / OpenTelemetry span id: 8 bytes, never zero.
public struct SpanID: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public var isValid: Bool { value != 0 }
    public var bytes: [UInt8] { value.bigEndianBytes }
    public var description: String { value.hexDigits }

    /// Parses exactly 16 hex digits; `nil` for other text or the zero id.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16, let value = UInt64(hexDigits: utf8[...]), value != 0 else { return nil }
        self.value = value
    }
}
