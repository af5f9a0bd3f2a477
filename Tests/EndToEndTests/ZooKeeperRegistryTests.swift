import Foundation
import Glibc
import InspectorCore
import NetworkLayers
import Registry
import RegistryJoin
import RecordFormats
import Testing

/// The ZooKeeper registry against a real server (Debian's `zookeeper`), filled by kazoo exactly as Dubbo's
/// ZookeeperRegistry (interface level) and ZookeeperServiceDiscovery (application level) fill it.
@Suite("ZooKeeper registry", .serialized, .timeLimit(.minutes(3)))
struct ZooKeeperRegistryTests {
    typealias Join = RegistryJoinTests
    static let demo = Join.demo

    /// The basic fixture's registry at the interface level (ephemeral provider and consumer nodes).
    static var interfaceLevel: [String: Any] { [
        "providers": [Join.plainProvider, Join.grayProvider], "consumers": [Join.consumer],
    ] }

    /// The same provider at the application level only: an instance at 10.0.0.2:20880 (and Triple on 50051) and
    /// the mapping naming its application for DemoService.
    static var applicationLevel: [String: Any] { [
        "instances": [
            [
                "application": "demo-provider-v3", "address": "10.0.0.2", "port": 20880,
                "endpoints": [["dubbo", 20880], ["tri", 50051]], "revision": "7f3c2a",
            ]
        ],
        "mappings": [demo: "demo-provider-v3"],
    ] }

    static func read(_ server: TestZooKeeper) throws -> ServiceDirectory {
        try ZooKeeperReader(address: try ZooKeeperAddress(parsing: server.address)).read().directory
    }

    @Test("both layouts are read as Dubbo writes them: decoded provider URLs, instances with endpoints, mappings")
    func readsBothLayouts() throws {
        let server = try TestZooKeeper()
        let interface = try ZooKeeperRegistration(server, spec: Self.interfaceLevel)
        let application = try ZooKeeperRegistration(server, spec: Self.applicationLevel)
        defer { interface.close(); application.close() }
        let directory = try Self.read(server)
        let endpoint = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880)
        let providers = directory.providers(at: endpoint)
        #expect(providers.count == 2)
        #expect(Set(providers.map(\.url.application)) == ["demo-provider"])
        #expect(providers.contains { $0.url.version == "1.0.0" && $0.url.group == "gray" })
        #expect(providers.allSatisfy { $0.expiresAtMilliseconds == nil && !$0.isStale(atMilliseconds: .max) })
        let consumers = directory.consumers(on: IPAddress(10, 0, 0, 1))
        #expect(consumers.map(\.url.application) == ["demo-consumer"])
        #expect(directory.problems.isEmpty)
        let instance = try #require(directory.instances(at: endpoint).first)
        #expect(instance.application == "demo-provider-v3")
        #expect(instance.path == "/services/demo-provider-v3/10.0.0.2:20880")
        #expect(instance.revision == "7f3c2a")
        #expect(instance.endpoints.map(\.protocolName) == ["dubbo", "tri"])
        let triple = Endpoint(address: endpoint.address, port: 50051)
        #expect(directory.instances(at: triple).map(\.application) == ["demo-provider-v3"])
        #expect(directory.applications(mappedTo: Self.demo) == ["demo-provider-v3"])
        #expect(directory.summary == "2 providers at 1 endpoint, 1 consumer, 1 application instance")
    }

    @Test("the basic capture joined with the interface level gives exactly the Redis answers")
    func joinInterfaceLevel() throws {
        let server = try TestZooKeeper()
        let interface = try ZooKeeperRegistration(server, spec: Self.interfaceLevel)
        defer { interface.close() }
        let records = try Join.records("basic.pcap", join: RegistryJoin(directory: try Self.read(server)))
        #expect(records.count == 17)
        #expect(records.allSatisfy { $0["provider_application"] as? String == "demo-provider" })
        let statuses = records.compactMap { $0["registry_status"] as? String }
        #expect(statuses.filter { $0 == "registered" }.count == 14)
        #expect(statuses.filter { $0 == "method_not_registered" }.count == 1)
        #expect(statuses.filter { $0 == "version_mismatch" }.count == 1)
        #expect(statuses.filter { $0 == "not_registered" }.count == 1)
    }

    @Test("application level only: the instance names every call at its endpoint; mapped interfaces are registered")
    func joinApplicationLevel() throws {
        let server = try TestZooKeeper()
        let application = try ZooKeeperRegistration(server, spec: Self.applicationLevel)
        defer { application.close() }
        let records = try Join.records("basic.pcap", join: RegistryJoin(directory: try Self.read(server)))
        #expect(records.count == 17)
        #expect(records.allSatisfy { $0["provider_application"] as? String == "demo-provider-v3" })
        for record in records {
            let service = record["service"] as? String
            let status = record["registry_status"] as? String
            // DemoService is mapped to the application; any other interface at that endpoint is not.
            if service == nil || service == Self.demo {
                #expect(status == "registered", "\(record)")
            } else {
                #expect(status == "not_registered", "\(record)")
            }
        }
    }

    @Test("malformed instance JSON and node names are counted with their path, never fatal")
    func malformedNodes() throws {
        let server = try TestZooKeeper()
        let bad = try ZooKeeperRegistration(
            server,
            spec: [
                "raw": [
                    ["/services/broken/10.0.0.9:20880", "{not json", true],
                    ["/services/broken/10.0.0.9:20881", "{\"name\":\"broken\",\"port\":20881}", true],
                    ["/dubbo/org.example.Bad/providers/no-scheme-here", "", true],
                ],
                "providers": [Join.plainProvider],
            ])
        defer { bad.close() }
        let directory = try Self.read(server)
        let problems = directory.problems.map(\.description)
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("/services/broken/10.0.0.9:20880: instance data is not JSON") })
        #expect(problems.contains { $0.hasPrefix("/services/broken/10.0.0.9:20881: instance has no \"address\"") })
        #expect(problems.contains { $0.hasPrefix("/dubbo/org.example.Bad/providers: malformed URL") })
        #expect(directory.providerCount == 1)
    }

    @Test("only reads: every znode's zxids and versions are the same after a read, a dump and a watcher")
    func readOnly() throws {
        let server = try TestZooKeeper()
        let registration = try ZooKeeperRegistration(server, spec: Self.interfaceLevel.merging(Self.applicationLevel) { a, _ in a })
        defer { registration.close() }
        let before = try server.stats()
        #expect(before.count > 8)
        _ = try Self.read(server)
        let watcher = ZooKeeperWatcher(address: try ZooKeeperAddress(parsing: server.address)) { _ in }
        watcher.start()
        _ = watcher.waitForFirstRead(timeoutMilliseconds: 10_000)
        let dump = try ToolRun(["registry", "dump", server.address, "--format", "json"])
        watcher.stop()
        #expect(dump.status == 0)
        #expect(try server.stats() == before)
    }

    @Test("read --registry zookeeper:// names the calls; dump --format json is a snapshot that gives the same")
    func cliReadAndSnapshot() throws {
        let server = try TestZooKeeper()
        let registration = try ZooKeeperRegistration(server, spec: Self.applicationLevel)
        defer { registration.close() }
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let live = try ToolRun(["read", basic, "--registry", server.address, "--format", "jsonl"])
        #expect(live.status == 0)
        #expect(live.jsonLines.count == 17)
        #expect(live.jsonLines.allSatisfy { $0["provider_application"] as? String == "demo-provider-v3" })
        #expect(live.standardError.contains("registry \(server.address): 0 keys, 0 providers at 0 endpoints, 0 consumers, 1 application instance"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zk-snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let snapshot = folder.appendingPathComponent("zk.json").path
        let dump = try ToolRun(["registry", "dump", server.address, "--format", "json", "-o", snapshot])
        #expect(dump.status == 0)
        server.stop()
        let offline = try ToolRun(["read", basic, "--registry-snapshot", snapshot, "--format", "jsonl"])
        #expect(offline.status == 0)
        #expect(offline.standardOutput == live.standardOutput)
    }

    @Test("--registry twice: Redis and ZooKeeper each reported, their names merged")
    func cliTwoRegistries() throws {
        let redis = try JoinRedis()
        try Join.fillBasic(redis)
        let server = try TestZooKeeper()
        let registration = try ZooKeeperRegistration(server, spec: Self.applicationLevel)
        defer { registration.close() }
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let run = try ToolRun([
            "read", basic, "--registry", redis.address, "--registry", server.address, "--format", "jsonl",
        ])
        #expect(run.status == 0)
        #expect(run.standardError.contains("registry redis://127.0.0.1:\(redis.port): 2 keys"))
        #expect(run.standardError.contains("registry \(server.address): 0 keys, 0 providers at 0 endpoints, 0 consumers, 1 application instance"))
        let records = run.jsonLines
        #expect(records.count == 17)
        // The interface level names the provider; the application level makes the interface Redis lacks at that
        // endpoint no better (the mapping lists only DemoService), so the statuses are Redis's.
        #expect(records.allSatisfy { $0["provider_application"] as? String == "demo-provider" })
        #expect(
            run.standardError.contains(
                "registry: 17 records, provider named for 17; registered 14, not_registered 1, stale 0, "
                    + "method_not_registered 1, version_mismatch 1; services inferred 0"))
        // One registry down: the other still names the calls.
        server.stop()
        let half = try ToolRun([
            "read", basic, "--registry", redis.address, "--registry", server.address + "?timeout=300",
            "--format", "jsonl",
        ])
        #expect(half.status == 0)
        #expect(half.standardError.contains("going on with the other registries"))
        #expect(half.jsonLines.allSatisfy { $0["provider_application"] as? String == "demo-provider" })
    }

    @Test("ZooKeeper unreachable: a one-line warning and no_registry; --registry-required makes it an error")
    func cliUnreachable() throws {
        let port = try TestZooKeeper.freePort()
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let address = "zookeeper://127.0.0.1:\(port)?timeout=500"
        let started = Date()
        let run = try ToolRun(["read", basic, "--registry", address, "--format", "jsonl"])
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(run.status == 0)
        #expect(run.jsonLines.count == 17)
        #expect(run.jsonLines.allSatisfy { $0["registry_status"] as? String == "no_registry" })
        #expect(run.standardError.contains("no ZooKeeper session within 500 ms"))
        let required = try ToolRun(["read", basic, "--registry", address, "--registry-required"])
        #expect(required.status == 2)
    }

    @Test("live: a provider whose session closes disappears; a new one appears")
    func watcherFollowsSessions() throws {
        let server = try TestZooKeeper()
        let stayer = try ZooKeeperRegistration(server, spec: ["providers": [Join.grayProvider]])
        defer { stayer.close() }
        let watcher = ZooKeeperWatcher(address: try ZooKeeperAddress(parsing: server.address)) { _ in }
        watcher.start()
        defer { watcher.stop() }
        let first = try watcher.waitForFirstRead(timeoutMilliseconds: 10_000).get()
        #expect(first.providerCount == 1)
        #expect(first.instances.isEmpty)
        var version = watcher.version
        let leaver = try ZooKeeperRegistration(server, spec: Self.applicationLevel.merging(["providers": [Join.plainProvider]]) { a, _ in a })
        #expect(Self.waitUntil(watcher, &version) { $0.providerCount == 2 && $0.instances.count == 1 })
        leaver.close()
        #expect(Self.waitUntil(watcher, &version) { $0.providerCount == 1 && $0.instances.isEmpty })
        #expect(watcher.statistics.partialReads >= 2)
        #expect(watcher.statistics.notifications >= 2)
    }

    @Test("server killed: the watcher keeps the last directory, moves to the next server, counts the failover")
    func failover() throws {
        let first = try TestZooKeeper()
        let second = try TestZooKeeper()
        let onFirst = try ZooKeeperRegistration(first, spec: Self.interfaceLevel)
        let onSecond = try ZooKeeperRegistration(second, spec: Self.applicationLevel)
        defer { onSecond.close() }
        let lines = Locked([String]())
        let address = try ZooKeeperAddress(parsing: "zookeeper://\(first.hosts)?backup=\(second.hosts)&session=4000")
        let watcher = ZooKeeperWatcher(address: address) { line in lines.withLock { $0.append(line) } }
        watcher.start()
        defer { watcher.stop() }
        let initial = try watcher.waitForFirstRead(timeoutMilliseconds: 10_000).get()
        // The C client may pick either server first; kill whichever it follows.
        let followed = watcher.statistics.server
        let killed = followed == first.hosts ? first : second
        killed.stop()
        _ = onFirst
        var version = watcher.version
        #expect(Self.waitUntil(watcher, &version, seconds: 30) { $0 != initial })
        let statistics = watcher.statistics
        #expect(statistics.failovers == 1, "\(statistics)")
        #expect(statistics.server != followed)
        let logged = lines.withLock { $0 }
        #expect(logged.contains { $0.contains("lost") && $0.contains("keeping the last directory") }, "\(logged)")
        #expect(logged.contains { $0.contains("failed over from \(followed ?? "")") }, "\(logged)")
    }

    /// Waits (bounded) for a directory satisfying `condition`.
    static func waitUntil(
        _ watcher: ZooKeeperWatcher, _ version: inout Int, seconds: Int64 = 15,
        _ condition: (ServiceDirectory) -> Bool
    ) -> Bool {
        let deadline = Date().addingTimeInterval(Double(seconds))
        while Date() < deadline {
            if let directory = watcher.directory, condition(directory) { return true }
            version = watcher.waitForUpdate(after: version, timeoutMilliseconds: 500)
        }
        return false
    }
}
