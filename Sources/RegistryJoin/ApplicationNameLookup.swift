public import NetworkLayers

/// Names applications by where they listen or call from; the registry supplies one. Group labels, the service
/// map and the `provider`/`consumer` groupings use it; without one, endpoints stand for applications.
public protocol ApplicationNameLookup: Sendable {
    /// The application serving `service` (nil when unknown) at `endpoint`.
    func provider(at endpoint: Endpoint, service: String?) -> String?
    /// The application calling `service` from `address`.
    func consumer(at address: IPAddress, service: String?) -> String?
    /// The serializations the provider of `service` at `endpoint` registered (nil when unknown).
    func registeredSerializations(at endpoint: Endpoint, service: String?) -> [String]?
}

extension ApplicationNameLookup {
    public func registeredSerializations(at endpoint: Endpoint, service: String?) -> [String]? { nil }
}
