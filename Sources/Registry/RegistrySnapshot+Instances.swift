import InspectorCore
import NetworkLayers

/// The application-level part of a snapshot (ZooKeeper `/services` instances and `/dubbo/mapping`): additive
/// keys of version 1, absent in snapshots of a Redis registry.
///
/// `"instances": [{"path": "/services/app/10.0.0.2:20880", "observed_at_ms": …, "data": "<instance JSON>"}]`,
/// `"mappings": {"<interface>": "app1,app2"}` — the znode data as read, parsed again on loading.
extension RegistrySnapshot {
    /// Written only when there is something application-level, so Redis snapshots stay as they were.
    static func writeApplicationLevel(_ directory: ServiceDirectory, to writer: inout JSONWriter) {
        guard !directory.instances.isEmpty || !directory.mappings.isEmpty else { return }
        writer.comma(); writer.raw("\n"); writer.key("instances"); writer.beginArray()
        for (index, path) in directory.instances.keys.sorted().enumerated() {
            guard let instance = directory.instances[path] else { continue }
            writer.raw(index == 0 ? "\n" : ",\n")
            writer.beginObject()
            writer.key("path"); writer.string(path)
            writer.comma(); writer.key("observed_at_ms"); writer.integer(instance.observedAtMilliseconds)
            writer.comma(); writer.key("application"); writer.string(instance.application)
            writer.comma(); writer.key("endpoints"); writer.beginArray()
            if let address = instance.address {
                for (portIndex, port) in instance.ports.enumerated() {
                    if portIndex > 0 { writer.comma() }
                    writer.string(Endpoint(address: address, port: port).description)
                }
            }
            writer.endArray()
            writer.comma(); writer.key("data"); writer.string(instance.data)
            writer.endObject()
        }
        writer.raw("\n]")
        writer.comma(); writer.raw("\n"); writer.key("mappings"); writer.beginObject()
        for (index, interface) in directory.mappings.keys.sorted().enumerated() {
            if index > 0 { writer.comma() }
            writer.key(interface); writer.string(directory.mappings[interface]?.joined(separator: ",") ?? "")
        }
        writer.endObject()
    }

    static func loadApplicationLevel(
        _ document: SnapshotJSON, into directory: ServiceDirectory, path: String, limits: RegistryLimits
    ) throws(RegistryError) -> ServiceDirectory {
        var instances: [ServiceInstance] = []
        var problems: [RegistryProblem] = []
        if case .array(let items)? = document["instances"] {
            guard items.count <= limits.maxKeys else {
                throw .snapshot(path: path, reason: "more than \(limits.maxKeys) instances")
            }
            for (index, item) in items.enumerated() {
                guard let znode = item["path"]?.string, let data = item["data"]?.string else {
                    throw .snapshot(path: path, reason: "instances[\(index)] needs \"path\" and \"data\"")
                }
                let observed = item["observed_at_ms"]?.int64 ?? document["written_at_ms"]?.int64 ?? 0
                do {
                    instances.append(
                        try ServiceInstance(path: znode, data: Array(data.utf8), observedAtMilliseconds: observed))
                } catch {
                    problems.append(RegistryProblem(key: znode, field: nil, reason: error.reason))
                }
            }
        }
        var mappings: [String: [String]] = [:]
        if case .object(let members)? = document["mappings"] {
            for (interface, value) in members.prefix(limits.maxKeys) {
                guard let text = value.string else { continue }
                mappings[interface] = ZooKeeperLayout.applications(fromMapping: Array(text.utf8))
            }
        }
        guard !instances.isEmpty || !mappings.isEmpty || !problems.isEmpty else { return directory }
        return directory.replacingApplicationLevel(instances: instances, mappings: mappings, problems: problems)
    }
}
