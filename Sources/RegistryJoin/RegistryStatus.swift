/// How a call stands against the registry (the `registry_status` key of docs/RECORDS.md).
public enum RegistryStatus: String, Sendable, Hashable, CaseIterable {
    /// A live registration for this interface, version, group and method at the server endpoint.
    case registered
    /// Nothing is registered for this interface at that endpoint (or nothing at all there).
    case notRegistered = "not_registered"
    /// Registered, but the registration had lapsed at the time of the call.
    case stale
    /// Registered, but the method is missing from the provider's `methods`.
    case methodNotRegistered = "method_not_registered"
    /// The interface is registered there, but not with the version (or group) the call asked for.
    case versionMismatch = "version_mismatch"
    /// No registry was given, or it could not be read.
    case noRegistry = "no_registry"
    /// No registry, but the capture named the provider: a `MetadataService.getMetadataInfo` answer seen earlier.
    case namedFromCapture = "named_from_capture"
}
