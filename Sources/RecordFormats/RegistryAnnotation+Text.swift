public import RegistryJoin
/// The annotation as a suffix of a text-format line.
extension RegistryAnnotation {
    /// `  {demo-consumer → demo-provider: registered}` (`?` for an unknown application, `*` after an inferred
    /// service). Terminal-safe: application names come from the registry and are sanitised.
    public var textSuffix: String {
        let consumer = TerminalText.sanitize(consumerApplication ?? "?")
        let provider = TerminalText.sanitize(providerApplication ?? "?")
        let inferred =
            serviceInferred ? " (service from registry: \(TerminalText.sanitize(inferredService ?? "")))" : ""
        return "  {\(consumer) → \(provider): \(status.rawValue)\(inferred)}"
    }
}
