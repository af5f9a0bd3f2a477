/// One Redis server of a registry address.
public struct RedisNode: Hashable, Sendable, CustomStringConvertible {
    /// Host name or IP literal, without brackets.
    public var host: String
    public var port: Int

    public static let defaultPort = 6379

    public init(host: String, port: Int = RedisNode.defaultPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 literals in brackets (`[::1]:6379`). Never carries credentials.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
