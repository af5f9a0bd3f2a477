public import Correlation
public import NetworkLayers
import DubboWire
import Hessian2
import InspectorCore
import Synchronization

/// Application names learnt from the capture itself (PROTOCOL.md §7.3): a Dubbo 3 consumer asks each provider's
/// built-in `MetadataService.getMetadataInfo` (group = the provider's application), and the answer, a hessian2
/// `org.apache.dubbo.metadata.MetadataInfo` object, names that application and lists its services. From then on,
/// every call to that endpoint (and to the same address at each port a `ServiceInfo` names) is named with it.
///
/// Records see names learnt from records written before them ("for the calls that follow"). A registry, when
/// given, wins: its answer is kept and a capture name only fills a provider application it left empty.
/// Thread-safe (one lock, held for a dictionary access); bounded to `maxEndpoints` endpoints.
public final class CaptureApplicationNames: Sendable {
    public static let metadataService = "org.apache.dubbo.metadata.MetadataService"
    public static let maxEndpoints = 65_536
    /// Services kept per learnt application.
    public static let maxServices = 4_096

    /// What one `MetadataInfo` said.
    public struct Learnt: Sendable, Equatable {
        public var application: String
        public var revision: String?
        /// Service keys: the interface names the `ServiceInfo`s give.
        public var services: [String]
    }

    private let state = Locked([Endpoint: Learnt]())
    /// Set once anything is learnt: until then (most captures, always) a record costs no lock and no hash.
    private let hasLearnt = Atomic<Bool>(false)

    public init() {}

    /// The application learnt for `endpoint`, if any.
    public func learnt(at endpoint: Endpoint) -> Learnt? {
        guard hasLearnt.load(ordering: .acquiring) else { return nil }
        return state.withLock { $0[endpoint] }
    }

    public var endpointCount: Int { state.withLock { $0.count } }

    /// Learns from `record` when it is an answered `getMetadataInfo`, then annotates it: a record that the
    /// registry left without a provider application gets the learnt one; without a registry its status becomes
    /// `named_from_capture`.
    public func annotate(_ record: CallRecord, over annotation: RegistryAnnotation) -> RegistryAnnotation {
        learn(from: record)
        guard annotation.providerApplication == nil, let learnt = learnt(at: record.server) else { return annotation }
        var named = annotation
        named.providerApplication = learnt.application
        if annotation.status == .noRegistry { named.status = .namedFromCapture }
        return named
    }

    /// Records what a `getMetadataInfo` response says about its server.
    public func learn(from record: CallRecord) {
        guard let request = record.request, request.service == Self.metadataService,
            request.method == "getMetadataInfo" || request.method == "getMetadataInfoV2",
            let value = record.response?.value, let info = Self.metadataInfo(value)
        else { return }
        var ports = [record.server.port]
        for port in info.ports where !ports.contains(port) { ports.append(port) }
        let learnt = Learnt(application: info.application, revision: info.revision, services: info.services)
        state.withLock { table in
            for port in ports {
                let endpoint = Endpoint(address: record.server.address, port: port)
                guard table[endpoint] != nil || table.count < Self.maxEndpoints else { continue }
                table[endpoint] = learnt
                hasLearnt.store(true, ordering: .releasing)
            }
        }
    }

    /// `MetadataInfo` {app, revision, services: {key → ServiceInfo {name, group, version, protocol, port, path,
    /// params}}}, read by field name; nil when `value` is not one or has no `app`.
    static func metadataInfo(_ value: HessianValue) -> (application: String, revision: String?, services: [String], ports: [UInt16])? {
        guard case .object(let object) = value, object.className.hasSuffix("MetadataInfo"),
            let application = field(object, "app")?.stringValue, !application.isEmpty
        else { return nil }
        var services: [String] = []
        var ports: [UInt16] = []
        if case .map(let map)? = field(object, "services") {
            for entry in map.entries.prefix(Self.maxServices) {
                guard case .object(let service) = entry.value else { continue }
                if let name = field(service, "name")?.stringValue ?? field(service, "path")?.stringValue,
                    !services.contains(name)
                {
                    services.append(name)
                }
                if let number = field(service, "port")?.integerValue, let port = UInt16(exactly: number), port > 0,
                    !ports.contains(port)
                {
                    ports.append(port)
                }
            }
        }
        return (application, field(object, "revision")?.stringValue, services, ports)
    }

    private static func field(_ object: HessianObject, _ name: String) -> HessianValue? {
        guard let index = object.fieldNames.firstIndex(of: name), index < object.fieldValues.count else { return nil }
        return object.fieldValues[index]
    }
}

/// A report's lookup: the provider application learnt at an endpoint (consumers are never named by the capture).
extension CaptureApplicationNames: ApplicationNameLookup {
    public func provider(at endpoint: Endpoint, service: String?) -> String? { learnt(at: endpoint)?.application }
    public func consumer(at address: IPAddress, service: String?) -> String? { nil }
}
