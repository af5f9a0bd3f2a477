public import NetworkLayers
public import Registry

/// Application names from a registry directory (`--registry`, `--registry-snapshot`): the `application` of the
/// provider registered at a server endpoint, or of the consumer registered from a client address — for the call's
/// interface when one matches, else the first entry with a name. Stale entries count: a name is a name.
public struct DirectoryApplicationNames: ApplicationNameLookup {
    public let directory: ServiceDirectory

    public init(directory: ServiceDirectory) {
        self.directory = directory
    }

    public func provider(at endpoint: Endpoint, service: String?) -> String? {
        Self.name(in: directory.providers(at: endpoint), service: service)
            ?? directory.instances(at: endpoint).first?.application
    }

    public func consumer(at address: IPAddress, service: String?) -> String? {
        Self.name(in: directory.consumers(on: address), service: service)
    }

    /// The first provider of `service` at `endpoint` that names its serializations (`DubboURL.registeredSerializations`).
    public func registeredSerializations(at endpoint: Endpoint, service: String?) -> [String]? {
        guard let service else { return nil }
        return directory.providers(at: endpoint).lazy
            .filter { $0.interface == service }.compactMap(\.url.registeredSerializations).first
    }

    private static func name(in entries: [RegistryEntry], service: String?) -> String? {
        if let service, let match = entries.first(where: { $0.interface == service && $0.url.application != nil }) {
            return match.url.application
        }
        return entries.lazy.compactMap(\.url.application).first
    }
}
