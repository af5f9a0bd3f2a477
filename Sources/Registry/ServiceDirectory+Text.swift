import NetworkLayers

/// The directory for people (`registry dump --format text`).
extension ServiceDirectory {
    /// A heading, then providers by endpoint, consumers by host, other categories, and problems. Stale entries
    /// (as of `nowMilliseconds`) are marked. URLs are redacted; text from Redis has control characters replaced.
    public func textListing(nowMilliseconds: Int64) -> String {
        let all = entries
        let providers = all.filter { $0.category == .providers }
        let consumers = all.filter { $0.category == .consumers }
        let others = all.filter { $0.category != .providers && $0.category != .consumers }
        let problems = self.problems
        var lines: [String] = []
        lines.append(
            "Registry \(source) (root \(root)): \(keys.count) key\(keys.count == 1 ? "" : "s"), "
                + summary + ", \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        )
        func clean(_ text: String?) -> String { Redaction.shortened(text ?? "-", limit: 200) }
        func stale(_ entry: RegistryEntry) -> String {
            entry.isStale(atMilliseconds: nowMilliseconds) ? "  [stale]" : ""
        }
        if !providers.isEmpty {
            lines.append("providers:")
            let sorted = providers.sorted { (endpointText($0), $0.interface) < (endpointText($1), $1.interface) }
            for entry in sorted {
                let url = entry.url
                var line = "  \(clean(endpointText(entry)))  \(clean(url.application))  \(clean(entry.interface))"
                if let version = url.version { line += "  version=\(clean(version))" }
                if let group = url.group { line += "  group=\(clean(group))" }
                let methods = url.methods.sorted()
                if !methods.isEmpty { line += "  methods=\(clean(methods.joined(separator: ",")))" }
                lines.append(line + stale(entry))
            }
        }
        if !consumers.isEmpty {
            lines.append("consumers:")
            let sorted = consumers.sorted { (hostText($0), $0.interface) < (hostText($1), $1.interface) }
            for entry in sorted {
                lines.append(
                    "  \(clean(hostText(entry)))  \(clean(entry.url.application))  \(clean(entry.interface))"
                        + stale(entry))
            }
        }
        if !instances.isEmpty {
            lines.append("application instances:")
            for path in instances.keys.sorted() {
                guard let instance = instances[path] else { continue }
                let ports = instance.ports.map { String($0) }.joined(separator: ",")
                var line = "  \(clean(instance.host)):\(ports)  \(clean(instance.application))"
                let protocols = instance.endpoints.map { "\($0.protocolName):\($0.port)" }
                if !protocols.isEmpty { line += "  endpoints=\(clean(protocols.joined(separator: ",")))" }
                if let revision = instance.revision { line += "  revision=\(clean(revision))" }
                lines.append(line)
            }
        }
        if !mappings.isEmpty {
            lines.append("service-name mapping:")
            for interface in mappings.keys.sorted() {
                lines.append("  \(clean(interface))  \(clean(mappings[interface]?.joined(separator: ",")))")
            }
        }
        if !others.isEmpty {
            lines.append("routers and configurators:")
            for entry in others {
                lines.append("  \(clean(entry.key))  \(clean(entry.url.description))" + stale(entry))
            }
        }
        if !problems.isEmpty {
            lines.append("problems:")
            for problem in problems { lines.append("  \(clean(problem.description))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func endpointText(_ entry: RegistryEntry) -> String {
        let url = entry.url
        guard let port = url.port else { return url.host }
        return url.endpoint?.description ?? "\(url.host):\(port)"
    }

    private func hostText(_ entry: RegistryEntry) -> String {
        entry.url.address?.description ?? entry.url.host
    }
}
