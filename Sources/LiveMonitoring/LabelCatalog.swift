/// Admits label values up to the caps of `MetricLimits`, folding the rest into `other`.
///
/// The first values seen keep their own label; a value is never moved into `other` once admitted, so a
/// series never changes meaning during a run. Values are cut to `maxLabelBytes`.
struct LabelCatalog: Sendable {
    let limits: MetricLimits
    private var methods: [String: Set<String>] = [:]
    private var applications: Set<String> = []

    init(limits: MetricLimits) {
        self.limits = limits
    }

    /// The labels for a call's service and method, and whether a cap folded either of them.
    mutating func method(service rawService: String, method rawMethod: String) -> (String, String, Bool) {
        let service = Self.cut(rawService, to: limits.maxLabelBytes)
        let method = Self.cut(rawMethod, to: limits.maxLabelBytes)
        guard var admitted = methods[service] else {
            guard methods.count < limits.maxServices else { return ("other", "other", true) }
            methods[service] = [method]
            return (service, method, false)
        }
        if admitted.contains(method) { return (service, method, false) }
        guard admitted.count < limits.maxMethodsPerService else { return (service, "other", true) }
        admitted.insert(method)
        methods[service] = admitted
        return (service, method, false)
    }

    /// The label for an application name (`""` stays `""`: unknown).
    mutating func application(_ raw: String) -> String {
        guard !raw.isEmpty else { return "" }
        let name = Self.cut(raw, to: limits.maxLabelBytes)
        if applications.contains(name) { return name }
        guard applications.count < limits.maxApplications else { return "other" }
        applications.insert(name)
        return name
    }

    /// `text` if it fits in `maxBytes` of UTF-8, else its longest prefix of whole characters that fits with `…`.
    static func cut(_ text: String, to maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        let budget = max(0, maxBytes - 3)  // "…" is 3 bytes
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            guard used + size <= budget else { break }
            result.append(character)
            used += size
        }
        return result + "…"
    }
}
