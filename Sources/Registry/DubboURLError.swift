/// Why a registered URL could not be read. The entry is counted and reported with its key; the rest of the
/// registry is still used.
public enum DubboURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(length: Int, limit: Int)
    case controlCharacter
    case missingProtocol
    case badProtocol(String)
    case missingHost
    case badHost(String)
    case badPort(String)

    public var description: String {
        switch self {
        case .empty: return "empty URL"
        case .tooLong(let length, let limit): return "URL of \(length) bytes is longer than \(limit)"
        case .controlCharacter: return "URL contains control characters"
        case .missingProtocol: return "no protocol:// prefix"
        case .badProtocol(let text): return "'\(text)' is not a protocol name"
        case .missingHost: return "no host"
        case .badHost(let text): return "'\(text)' is not a host"
        case .badPort(let text): return "port '\(text)' is not 0...65535"
        }
    }
}
