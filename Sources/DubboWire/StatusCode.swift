/// The response status byte (PROTOCOL.md §1.8).
public struct StatusCode: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let ok = StatusCode(rawValue: 20)

    /// Statuses Dubbo defines; any of them may appear on the wire from some implementation.
    static let onTheWire: Set<UInt8> = [20, 25, 30, 31, 35, 40, 50, 60, 70, 80, 90, 100]

    public var name: String {
        switch rawValue {
        case 20: "OK"
        case 25: "SERIALIZATION_ERROR"
        case 30: "CLIENT_TIMEOUT"
        case 31: "SERVER_TIMEOUT"
        case 35: "CHANNEL_INACTIVE"
        case 40: "BAD_REQUEST"
        case 50: "BAD_RESPONSE"
        case 60: "SERVICE_NOT_FOUND"
        case 70: "SERVICE_ERROR"
        case 80: "SERVER_ERROR"
        case 90: "CLIENT_ERROR"
        case 100: "SERVER_THREADPOOL_EXHAUSTED_ERROR"
        default: "UNKNOWN_\(rawValue)"
        }
    }

    public var description: String { "\(rawValue) \(name)" }
}
