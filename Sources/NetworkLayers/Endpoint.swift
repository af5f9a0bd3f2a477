/// One end of a TCP connection: an address and a port.
///
/// Text form `10.1.0.3:20880` for IPv4 and `[::1]:20880` for IPv6 (RFC 5952 §6).
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }

    /// Calls `body` with the UTF-8 of `description`; for IPv4 built on the stack, without a String (record
    /// writers print two endpoints per call).
    public func withText<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard case .v4(let bits) = address else {
            var text = description
            return text.withUTF8(body)
        }
        // "255.255.255.255:65535" is 21 bytes.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var count = 0
            func append(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func appendDecimal(_ value: Int) {
                if value >= 10_000 { append(UInt8(value / 10_000) + 0x30) }
                if value >= 1_000 { append(UInt8(value / 1_000 % 10) + 0x30) }
                if value >= 100 { append(UInt8(value / 100 % 10) + 0x30) }
                if value >= 10 { append(UInt8(value / 10 % 10) + 0x30) }
                append(UInt8(value % 10) + 0x30)
            }
            for shift in stride(from: 24, through: 0, by: -8) {
                appendDecimal(Int((bits >> UInt32(shift)) & 0xFF))
                append(shift == 0 ? UInt8(ascii: ":") : UInt8(ascii: "."))
            }
            appendDecimal(Int(port))
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Orders by address, then port: a stable way to name a connection by its lower end first.
    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}
