public import NetworkLayers

/// Dubbo 3 application-level discovery in the directory: instances (`/services/<app>/<ip:port>`) indexed by every
/// endpoint they serve, and the service-name mapping (`/dubbo/mapping/<interface>` → applications).
extension ServiceDirectory {
    /// Instances reachable at `endpoint` (their main port or any `dubbo.endpoints` port).
    public func instances(at endpoint: Endpoint) -> [ServiceInstance] {
        instanceIndex[endpoint] ?? []
    }

    /// The applications the mapping lists for `interface` (empty when there is no mapping for it).
    public func applications(mappedTo interface: String) -> [String] {
        mappings[interface] ?? []
    }

    /// A copy with every instance of `application` (under `servicesRoot`) replaced by `replacement`.
    public func replacingInstances(
        ofApplication application: String, servicesRoot: String, with replacement: [ServiceInstance],
        problems: [RegistryProblem] = []
    ) -> ServiceDirectory {
        let prefix = servicesRoot + "/" + application + "/"
        var copy = self
        for path in instances.keys where path.hasPrefix(prefix) { copy.removeInstance(path: path) }
        copy.nodeProblems.removeAll { $0.key.hasPrefix(prefix) }
        for instance in replacement { copy.insertInstance(instance) }
        copy.nodeProblems.append(contentsOf: problems)
        copy.nodeProblems.sort { $0.key < $1.key }
        return copy
    }

    /// A copy with the mapping of `interface` set (nil or empty removes it).
    public func replacingMapping(of interface: String, with applications: [String]?) -> ServiceDirectory {
        var copy = self
        copy.mappings[interface] = applications?.isEmpty == false ? applications : nil
        return copy
    }

    /// A copy with everything application-level replaced (a full read).
    public func replacingApplicationLevel(
        instances newInstances: [ServiceInstance], mappings newMappings: [String: [String]],
        problems: [RegistryProblem]
    ) -> ServiceDirectory {
        var copy = self
        copy.instances = [:]
        copy.instanceIndex = [:]
        for instance in newInstances { copy.insertInstance(instance) }
        copy.mappings = newMappings.filter { !$0.value.isEmpty }
        copy.nodeProblems = problems.sorted { $0.key < $1.key }
        return copy
    }

    /// This directory and `other` as one (`--registry` given more than once): every key, instance and mapping of
    /// both; a key present in both holds the URLs of both. `source` names both.
    public func merging(_ other: ServiceDirectory) -> ServiceDirectory {
        var merged = ServiceDirectory(root: root, source: source + " + " + other.source)
        for contents in keys.values { merged = merged.replacing(contents) }
        for contents in other.keys.values {
            guard let existing = merged.keys[contents.key] else {
                merged = merged.replacing(contents)
                continue
            }
            var union = existing
            union.fields.merge(contents.fields) { first, _ in first }
            let known = Set(union.entries.map(\.urlText))
            union.entries += contents.entries.filter { !known.contains($0.urlText) }
            union.problems += contents.problems
            merged = merged.replacing(union)
        }
        for instance in instances.values { merged.insertInstance(instance) }
        for instance in other.instances.values where merged.instances[instance.path] == nil {
            merged.insertInstance(instance)
        }
        merged.mappings = mappings.merging(other.mappings) { first, second in
            first + second.filter { !first.contains($0) }
        }
        merged.nodeProblems = (nodeProblems + other.nodeProblems).sorted { $0.key < $1.key }
        return merged
    }

    mutating func insertInstance(_ instance: ServiceInstance) {
        removeInstance(path: instance.path)
        instances[instance.path] = instance
        guard let address = instance.address else { return }
        for port in instance.ports {
            let endpoint = Endpoint(address: address, port: port)
            instanceIndex[endpoint, default: []].append(instance)
            instanceIndex[endpoint]?.sort { $0.path < $1.path }
        }
    }

    mutating func removeInstance(path: String) {
        guard let old = instances.removeValue(forKey: path), let address = old.address else { return }
        for port in old.ports {
            let endpoint = Endpoint(address: address, port: port)
            instanceIndex[endpoint]?.removeAll { $0.path == path }
            if instanceIndex[endpoint]?.isEmpty == true { instanceIndex[endpoint] = nil }
        }
    }
}
