/// The last part of a registry key, `<root><interface>/<category>` (Dubbo's `RegistryConstants`).
public enum RegistryCategory: Sendable, Hashable, Comparable, CustomStringConvertible {
    case providers, consumers, routers, configurators
    /// Any other category (`dynamicrouters`, …): kept, but not joined with traffic.
    case other(String)

    public init(_ text: String) {
        switch text {
        case "providers": self = .providers
        case "consumers": self = .consumers
        case "routers": self = .routers
        case "configurators": self = .configurators
        default: self = .other(text)
        }
    }

    public var description: String {
        switch self {
        case .providers: return "providers"
        case .consumers: return "consumers"
        case .routers: return "routers"
        case .configurators: return "configurators"
        case .other(let text): return text
        }
    }
}
