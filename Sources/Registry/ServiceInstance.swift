public import NetworkLayers

/// One application instance registered for Dubbo 3 application-level discovery (PROTOCOL.md §6.6): the znode
/// `<servicesRoot>/<application>/<ip:port>` holding Curator x-discovery's JSON `ServiceInstance` —
/// `name` (the application), `id`, `address`, `port`, `payload.metadata` with `dubbo.endpoints` (a JSON list of
/// `{port, protocol}`, one per protocol the instance serves) and `dubbo.metadata.revision`.
///
/// An instance names the provider application of every call to `address:port` and to `address` at each endpoint
/// port. It lives as long as its (ephemeral) znode.
public struct ServiceInstance: Sendable, Equatable {
    /// One protocol the instance serves, from `dubbo.endpoints`.
    public struct ProtocolEndpoint: Sendable, Hashable {
        public var protocolName: String
        public var port: UInt16
    }

    /// The znode, `/services/<application>/<ip:port>`.
    public var path: String
    public var application: String
    /// The host as registered (`address`), IPv6 without brackets.
    public var host: String
    public var address: IPAddress?
    public var port: UInt16?
    public var endpoints: [ProtocolEndpoint]
    /// `dubbo.metadata.revision`: which `MetadataInfo` the instance serves.
    public var revision: String?
    /// `payload.metadata`, string values only.
    public var metadata: [String: String]
    /// The znode's data as read, kept so that a snapshot can be written and read back unchanged.
    public var data: String
    public var observedAtMilliseconds: Int64

    /// Every port the instance is reachable on: `port` and each endpoint's, without duplicates, in that order.
    public var ports: [UInt16] {
        var ports: [UInt16] = port.map { [$0] } ?? []
        for endpoint in endpoints where !ports.contains(endpoint.port) { ports.append(endpoint.port) }
        return ports
    }

    /// Parses an instance znode's data. Throws a reason (for a `RegistryProblem` at `path`) when it is not an
    /// instance: not JSON, no name or address, a port out of range. `dubbo.endpoints` that cannot be read are
    /// ignored (the main port still names the instance).
    public init(path: String, data: [UInt8], observedAtMilliseconds: Int64) throws(ServiceInstanceError) {
        let json: SnapshotJSON
        do {
            json = try SnapshotJSON.parse(data)
        } catch {
            throw ServiceInstanceError(reason: "instance data is not JSON (\(error.reason) at byte \(error.offset))")
        }
        guard case .object = json else { throw ServiceInstanceError(reason: "instance data is not a JSON object") }
        let pathApplication = Self.pathComponents(path).application
        guard let name = json["name"]?.string ?? pathApplication, !name.isEmpty else {
            throw ServiceInstanceError(reason: "instance has no \"name\"")
        }
        guard let host = json["address"]?.string, !host.isEmpty, host.utf8.count <= 255 else {
            throw ServiceInstanceError(reason: "instance has no \"address\"")
        }
        var port: UInt16?
        if let value = json["port"], value != .null {
            guard let number = value.int64, let valid = UInt16(exactly: number), valid > 0 else {
                throw ServiceInstanceError(reason: "instance \"port\" is not 1...65535")
            }
            port = valid
        }
        var metadata: [String: String] = [:]
        if case .object(let members)? = json["payload"]?["metadata"] {
            for (key, value) in members {
                if let text = value.string { metadata[key] = text }
            }
        }
        let endpoints = metadata["dubbo.endpoints"].map(Self.parseEndpoints) ?? []
        guard port != nil || !endpoints.isEmpty else {
            throw ServiceInstanceError(reason: "instance has neither \"port\" nor dubbo.endpoints")
        }
        self.path = path
        self.application = name
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.address = IPAddressText.parse(self.host)
        self.port = port
        self.endpoints = endpoints
        self.revision = metadata["dubbo.metadata.revision"]
        self.metadata = metadata
        self.data = String(decoding: data, as: UTF8.self)
        self.observedAtMilliseconds = observedAtMilliseconds
    }

    /// `[{"port":20880,"protocol":"dubbo"},…]`; entries without a valid port or protocol are skipped.
    static func parseEndpoints(_ text: String) -> [ProtocolEndpoint] {
        guard case .array(let items)? = try? SnapshotJSON.parse(Array(text.utf8)) else { return [] }
        var endpoints: [ProtocolEndpoint] = []
        for item in items.prefix(64) {
            guard let number = item["port"]?.int64, let port = UInt16(exactly: number), port > 0,
                let name = item["protocol"]?.string, !name.isEmpty
            else { continue }
            let endpoint = ProtocolEndpoint(protocolName: name, port: port)
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        }
        return endpoints
    }

    /// `/services/app/10.0.0.2:20880` → (`app`, `10.0.0.2:20880`); the last two components.
    static func pathComponents(_ path: String) -> (application: String?, id: String?) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return (nil, nil) }
        return (String(parts[parts.count - 2]), String(parts[parts.count - 1]))
    }
}

/// Why an instance znode could not be used.
public struct ServiceInstanceError: Error, Sendable, Equatable {
    public var reason: String
}
