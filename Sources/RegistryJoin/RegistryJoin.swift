public import Correlation
public import Registry
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers

/// Joins call records with a registry directory: who provides and who consumes each call, and whether the
/// provider was registered for it (docs/REGISTRY.md, "The join").
///
/// Usable from a long-running process: built over a `RegistryWatcher`, each `annotate` takes the watcher's latest
/// directory (a copy under a short lock) and never waits on Redis. Expiry is judged at the record's own capture
/// time, so a replayed capture gets the same answers as when it was live.
public struct RegistryJoin: Sendable {
    private enum Source: Sendable {
        case directory(ServiceDirectory)
        case watcher(any ServiceDirectorySource)
        case unavailable
    }

    private let source: Source

    /// A fixed directory (`read --registry`, `--registry-snapshot`).
    public init(directory: ServiceDirectory) { source = .directory(directory) }

    /// Whatever the watcher last published; records get `no_registry` until its first read succeeds.
    public init(watcher: any ServiceDirectorySource) { source = .watcher(watcher) }

    /// A registry was asked for but could not be read: every record gets `no_registry`.
    public static let unavailable = RegistryJoin(source: .unavailable)

    private init(source: Source) { self.source = source }

    /// The directory the next `annotate` would use.
    public var currentDirectory: ServiceDirectory? {
        switch source {
        case .directory(let directory): return directory
        case .watcher(let watcher): return watcher.directory
        case .unavailable: return nil
        }
    }

    public func annotate(_ record: CallRecord) -> RegistryAnnotation {
        guard let directory = currentDirectory else { return .noRegistry }
        return Self.annotate(record, in: directory)
    }

    // MARK: The rules

    /// The annotation of `record` against `directory`:
    ///
    /// 1. The provider side is the record's server; for a heartbeat or event sent by a provider, the client side
    ///    when only it has registrations.
    /// 2. No service (heartbeat, event, undecoded request): the status is about the endpoint — `registered` when a
    ///    live provider is registered there, `stale` when only lapsed ones are, else `not_registered`.
    /// 3. An orphan response takes its service from the registry when the endpoint serves exactly one interface
    ///    (`inferredService`); its status is then `registered` or `stale` (no version or method to check).
    /// 4. Otherwise, among the providers of the call's interface at that endpoint: none → `not_registered`; those
    ///    of the call's version and group (absent, empty and `0.0.0` versions are the same; group `*` matches
    ///    any) all lapsed → `stale`; no live one of that version/group → `version_mismatch`; the method missing
    ///    from every live one's `methods` → `method_not_registered` (generic `$invoke` checks the invoked
    ///    method; `$echo` always passes); else `registered`.
    ///
    /// `providerApplication` is the matched provider's application; when nothing matched but every registration
    /// at the endpoint names one application, that one (an `ip:port` is one process). `consumerApplication` is the
    /// single application registered as a consumer of the interface from the client's host (live entries
    /// preferred), nil when there are none or several.
    public static func annotate(_ record: CallRecord, in directory: ServiceDirectory) -> RegistryAnnotation {
        let time = record.startTime.map { $0.nanosecondsSinceEpoch / 1_000_000 } ?? Int64.max
        var providerSide = record.server
        var consumerSide = record.client
        var providers = directory.providers(at: providerSide)
        if providers.isEmpty, record.kind == .heartbeat || record.kind == .event {
            let reversed = directory.providers(at: record.client)
            if !reversed.isEmpty {
                providers = reversed
                providerSide = record.client
                consumerSide = record.server
            }
        }
        // Dubbo 3 application-level instances at the endpoint name its application too (ZooKeeper `/services`).
        let instanceApplication = singleName(directory.instances(at: providerSide).map(\.application))
        let endpointApplication = singleApplication(providers) ?? instanceApplication

        var service = record.request?.service
        var inferred: String?
        if service == nil, record.kind == .orphanResponse {
            let interfaces = Set(providers.map(\.interface))
            if interfaces.count == 1, let only = interfaces.first {
                service = only
                inferred = only
            }
        }
        let consumer = consumerApplication(directory, host: consumerSide.address, interface: service, time: time)

        guard let service else {
            let status: RegistryStatus =
                providers.isEmpty
                ? (instanceApplication != nil ? .registered : .notRegistered)
                : providers.contains { !$0.isStale(atMilliseconds: time) } ? .registered : .stale
            return RegistryAnnotation(
                providerApplication: endpointApplication, consumerApplication: consumer, status: status
            )
        }

        let candidates = sameProtocolFirst(providers.filter { $0.interface == service }, record.wireProtocol)
        guard !candidates.isEmpty else {
            // Application-level only: registered when the mapping lists the instance's application for the
            // interface (no version, group or methods to check: those live in the provider's MetadataInfo).
            let mapped = instanceApplication.map { directory.applications(mappedTo: service).contains($0) } ?? false
            return RegistryAnnotation(
                providerApplication: endpointApplication, consumerApplication: consumer,
                status: mapped ? .registered : .notRegistered
            )
        }
        func annotation(_ status: RegistryStatus, _ entry: RegistryEntry) -> RegistryAnnotation {
            var annotation = RegistryAnnotation(
                providerApplication: entry.url.application ?? endpointApplication, consumerApplication: consumer,
                providerURL: entry.urlText, status: status, inferredService: inferred
            )
            annotation.registeredSerializations = entry.url.registeredSerializations
            return annotation
        }
        if inferred != nil {
            let entry = candidates.first { !$0.isStale(atMilliseconds: time) }
            return entry.map { annotation(.registered, $0) } ?? annotation(.stale, candidates[0])
        }

        let wantedVersion = normalizedVersion(record.request?.version)
        let wantedGroup = record.group ?? ""
        let sameVersion = candidates.filter {
            normalizedVersion($0.url.version) == wantedVersion
                && (wantedGroup == "*" || ($0.url.group ?? "") == wantedGroup)
        }
        let pool = sameVersion.isEmpty ? candidates : sameVersion
        let live = pool.filter { !$0.isStale(atMilliseconds: time) }
        guard let firstLive = live.first else { return annotation(.stale, pool[0]) }
        guard !sameVersion.isEmpty else { return annotation(.versionMismatch, firstLive) }
        guard let method = invokedMethod(record) else { return annotation(.registered, firstLive) }
        if let serving = live.first(where: { serves(method, $0) }) { return annotation(.registered, serving) }
        return annotation(.methodNotRegistered, firstLive)
    }

    /// A provider exporting an interface over both protocols registers a `dubbo://` and a `tri://` URL, often at
    /// the same `ip:port` (port unification), with their own version, group and methods: a call is judged against
    /// the registrations of its own protocol when there are any, else against all of them.
    static func sameProtocolFirst(_ entries: [RegistryEntry], _ wire: WireProtocol) -> [RegistryEntry] {
        let scheme = wire == .triple ? "tri" : "dubbo"
        let same = entries.filter { $0.url.scheme == scheme }
        return same.isEmpty ? entries : same
    }

    /// The one application all `entries` name, or nil.
    private static func singleApplication(_ entries: [RegistryEntry]) -> String? {
        singleName(entries.compactMap(\.url.application))
    }

    private static func singleName(_ names: [String]) -> String? {
        let distinct = Set(names)
        return distinct.count == 1 ? distinct.first : nil
    }

    private static func consumerApplication(
        _ directory: ServiceDirectory, host: IPAddress, interface: String?, time: Int64
    ) -> String? {
        var consumers = directory.consumers(on: host)
        if let interface { consumers = consumers.filter { $0.interface == interface } }
        let live = consumers.filter { !$0.isStale(atMilliseconds: time) }
        return singleApplication(live.isEmpty ? consumers : live)
    }

    /// Dubbo's default version is `0.0.0`; an empty or absent one means the same.
    private static func normalizedVersion(_ version: String?) -> String {
        guard let version, version != "0.0.0" else { return "" }
        return version
    }

    /// The method to look for in `methods`: for a generic call the invoked one (its first argument) when
    /// decoded; nil when there is nothing to check (`$echo`, an undecoded generic call).
    private static func invokedMethod(_ record: CallRecord) -> String? {
        guard let method = record.request?.method else { return nil }
        switch method {
        case "$echo":
            return nil
        case "$invoke", "$invokeAsync":
            return record.request?.arguments.first?.stringValue
        default:
            return method
        }
    }

    /// A provider without a `methods` list, or with `*`, serves every method.
    private static func serves(_ method: String, _ entry: RegistryEntry) -> Bool {
        let methods = entry.url.methods
        return methods.isEmpty || methods.contains(method) || methods.contains("*")
    }
}
