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

/// Two sources of names, the first preferred: a registry's answer wins, the second only fills what it left empty
/// (how `named_from_capture` works for records, applied to reports).
public struct PreferredApplicationNames: ApplicationNameLookup {
    public let first: any ApplicationNameLookup
    public let then: any ApplicationNameLookup

    public init(_ first: any ApplicationNameLookup, then: any ApplicationNameLookup) {
        self.first = first
        self.then = then
    }

    public func provider(at endpoint: Endpoint, service: String?) -> String? {
        first.provider(at: endpoint, service: service) ?? then.provider(at: endpoint, service: service)
    }

    public func consumer(at address: IPAddress, service: String?) -> String? {
        first.consumer(at: address, service: service) ?? then.consumer(at: address, service: service)
    }

    public func registeredSerializations(at endpoint: Endpoint, service: String?) -> [String]? {
        first.registeredSerializations(at: endpoint, service: service) ?? then.registeredSerializations(at: endpoint, service: service)
    }
}
