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

    /// Orders by address, then port: a stable way to name a connection by its lower end first.
    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}
