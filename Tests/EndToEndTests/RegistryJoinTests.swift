import Correlation
import DubboWire
import Foundation
import Glibc
import AnalysisPipeline
import InspectorCore
import NetworkLayers
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

/// The registry join end to end: fixture captures read against a real `redis-server` filled exactly as Dubbo's
/// RedisRegistry fills it (`HSET key url expiry` + `PUBLISH key register`), through the library and through the
/// `dubbo-inspect` executable.
@Suite("Registry join", .tags(.redis), .timeLimit(.minutes(2)))
struct RegistryJoinTests {
    static let demo = "org.apache.dubbo.demo.DemoService"
    static let demoProviders = "/dubbo/\(demo)/providers"
    static let demoConsumers = "/dubbo/\(demo)/consumers"
    /// No version, so calls with version 0.0.0 match; `reset` is deliberately missing from `methods`.
    static let plainProvider =
        "dubbo://10.0.0.2:20880/\(demo)?anyhost=true&application=demo-provider&deprecated=false&dubbo=2.0.2"
        + "&dynamic=true&generic=false&interface=\(demo)&methods=sayHello,fail,ping,slow,notify,add,echo&pid=4242"
        + "&release=2.7.8&side=provider&timestamp=1699999990000&token=secret-token"
    static let grayProvider =
        "dubbo://10.0.0.2:20880/\(demo)?application=demo-provider&dubbo=2.0.2&group=gray&interface=\(demo)"
        + "&methods=sayHello&side=provider&version=1.0.0"
    static let consumer =
        "consumer://10.0.0.1/\(demo)?application=demo-consumer&category=consumers&check=false&dubbo=2.0.2"
        + "&interface=\(demo)&side=consumer"

    /// The registry the basic fixture was "captured" against.
    static func fillBasic(_ redis: TestRedis, expiry: Int64 = Expiry.fresh) throws {
        try redis.register(demoProviders, plainProvider, expiry: expiry)
        try redis.register(demoProviders, grayProvider, expiry: expiry)
        try redis.register(demoConsumers, consumer, expiry: expiry)
    }

    static func directory(_ redis: TestRedis) throws -> ServiceDirectory {
        try RegistryReader(address: try RegistryAddress(parsing: redis.address)).read().directory
    }

    /// JSON-lines records of `fixture` joined with `join`, parsed.
    static func records(_ fixture: String, join: RegistryJoin?) throws -> [[String: Any]] {
        let path = try Captures.required(Captures.fixtures.appendingPathComponent(fixture))
        let formatter = JSONLinesFormatter()
        var lines: [String] = []
        let (_, problems) = OfflineAnalysis().run(paths: [path]) { record in
            var writer = JSONWriter()
            formatter.write(record, registry: join?.annotate(record) ?? .noRegistry, to: &writer)
            lines.append(writer.string)
        }
        #expect(problems.unreadableFiles.isEmpty && problems.readErrors.isEmpty)
        return try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
    }

    // MARK: Through the library

    @Test("basic capture: every call named; unregistered method, other version/group and unknown interface flagged")
    func basicCapture() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        let records = try Self.records("basic.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(records.count == 17)
        var byID: [Int: [String: Any]] = [:]
        for record in records { byID[record["request_id"] as? Int ?? -1] = record }
        func status(_ id: Int) -> String? { byID[id]?["registry_status"] as? String }

        #expect(status(3) == "registered")
        #expect(status(4) == "not_registered")  // com.foo.UserService is not registered anywhere
        #expect(status(5) == "version_mismatch")  // $invoke asks 1.0.0 without group; 1.0.0 exists only in gray
        #expect(status(6) == "registered")
        #expect(status(7) == "method_not_registered")  // reset is not in methods
        #expect(status(10) == "registered")  // version 1.0.0, group gray
        for id in [8, 9] + Array(11...19) { #expect(status(id) == "registered", "call \(id)") }

        // Every call whose provider is registered at its endpoint is named, the unknown interface included.
        for record in records {
            #expect(record["provider_application"] as? String == "demo-provider", "\(record["request_id"] ?? "?")")
            #expect(record["service_inferred"] as? Bool == false)
        }
        #expect(byID[4]?["provider_url"] is NSNull)
        #expect(byID[4]?["consumer_application"] is NSNull)  // demo-consumer registered only for DemoService
        #expect(byID[3]?["consumer_application"] as? String == "demo-consumer")
        let plainURL = try DubboURL(parsing: Self.plainProvider).description
        #expect(byID[3]?["provider_url"] as? String == plainURL)
        #expect(plainURL.contains("token=***") && !plainURL.contains("secret-token"))
        #expect(byID[10]?["provider_url"] as? String == (try DubboURL(parsing: Self.grayProvider).description))
    }

    @Test("expiry is judged at capture time: lapsed before the capture is stale, dynamic=false never is")
    func staleAtCaptureTime() throws {
        let redis = try TestRedis()
        // The capture starts at 1700000000.000; this registration lapsed a second earlier.
        try redis.register(Self.demoProviders, Self.plainProvider, expiry: 1_699_999_999_000)
        let stale = try Self.records("linktype-raw.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(stale.map { $0["registry_status"] as? String } == ["stale", "stale"])
        #expect(stale.map { $0["provider_application"] as? String } == ["demo-provider", "demo-provider"])

        // Lapsed between the two calls (at …000.000432 and …000.002689): the first is registered, the second stale.
        try redis.cli("DEL", Self.demoProviders)
        try redis.register(Self.demoProviders, Self.plainProvider, expiry: 1_700_000_000_001)
        let live = try Self.records("linktype-raw.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(live.map { $0["registry_status"] as? String } == ["registered", "stale"])

        try redis.cli("DEL", Self.demoProviders)
        try redis.register(
            Self.demoProviders, Self.plainProvider.replacingOccurrences(of: "dynamic=true", with: "dynamic=false"),
            expiry: 1)
        let fixed = try Self.records("linktype-raw.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(fixed.map { $0["registry_status"] as? String } == ["registered", "registered"])
    }

    @Test("an orphan response takes its service from the registry when the endpoint serves one interface")
    func orphanInference() throws {
        let redis = try TestRedis()
        try redis.register(Self.demoProviders, Self.plainProvider, expiry: Expiry.fresh)
        let records = try Self.records("midstream.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        let orphan = try #require(records.first { $0["kind"] as? String == "orphan_response" })
        #expect(orphan["service"] as? String == Self.demo)
        #expect(orphan["service_inferred"] as? Bool == true)
        #expect(orphan["method"] is NSNull)
        #expect(orphan["registry_status"] as? String == "registered")
        #expect(orphan["provider_application"] as? String == "demo-provider")
        #expect(records.filter { $0["service_inferred"] as? Bool == true }.count == 1)

        // Two interfaces at that endpoint: nothing is guessed.
        try redis.register(
            "/dubbo/com.foo.UserService/providers",
            "dubbo://10.0.0.2:20880/com.foo.UserService?application=demo-provider&interface=com.foo.UserService",
            expiry: Expiry.fresh
        )
        let ambiguous = try Self.records("midstream.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        let unnamed = try #require(ambiguous.first { $0["kind"] as? String == "orphan_response" })
        #expect(unnamed["service"] is NSNull)
        #expect(unnamed["service_inferred"] as? Bool == false)
        #expect(unnamed["registry_status"] as? String == "registered")  // the endpoint itself is registered
        #expect(unnamed["provider_application"] as? String == "demo-provider")
    }

    @Test("IPv6 providers written bare by Dubbo join with bracketed captured endpoints")
    func ipv6Join() throws {
        let redis = try TestRedis()
        try redis.register(
            Self.demoProviders, "dubbo://2001:db8::2:20880/\(Self.demo)?application=v6-provider&interface=\(Self.demo)",
            expiry: Expiry.fresh
        )
        try redis.register(
            Self.demoConsumers, "consumer://2001:db8::1/\(Self.demo)?application=v6-consumer&category=consumers",
            expiry: Expiry.fresh
        )
        let records = try Self.records("ipv6.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        let v6 = records.filter { ($0["server"] as? String)?.hasPrefix("[") == true }
        #expect(v6.count == 2)
        #expect(v6.allSatisfy { $0["provider_application"] as? String == "v6-provider" })
        #expect(v6.allSatisfy { $0["consumer_application"] as? String == "v6-consumer" })
        #expect(v6.allSatisfy { $0["registry_status"] as? String == "registered" })
        let v4 = records.filter { ($0["server"] as? String) == "10.0.0.2:20880" }
        #expect(
            v4.allSatisfy {
                $0["registry_status"] as? String == "not_registered" && $0["provider_application"] is NSNull
            })
    }

    @Test("heartbeats and events are judged by endpoint, whichever side sent them")
    func heartbeatsAndEvents() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        let records = try Self.records("events.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(records.count == 6)
        for record in records {
            #expect(record["registry_status"] as? String == "registered", "\(record["kind"] ?? "?")")
            #expect(record["provider_application"] as? String == "demo-provider")
            #expect(record["consumer_application"] as? String == "demo-consumer")
        }
    }

    @Test("endpoints with nothing registered are not_registered with null names")
    func unregisteredEndpoints() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        let records = try Self.records("vlan.pcap", join: RegistryJoin(directory: try Self.directory(redis)))
        #expect(records.count == 3)
        for record in records {
            #expect(record["registry_status"] as? String == "not_registered")
            #expect(record["provider_application"] is NSNull && record["provider_url"] is NSNull)
            #expect(record["consumer_application"] is NSNull)
        }
    }

    @Test("without a registry every record says no_registry; an unreadable one gives the same")
    func noRegistry() throws {
        for join in [nil, RegistryJoin.unavailable] {
            let records = try Self.records("basic.pcap", join: join)
            #expect(records.allSatisfy { $0["registry_status"] as? String == "no_registry" })
            #expect(
                records.allSatisfy { $0["provider_application"] is NSNull && $0["service_inferred"] as? Bool == false })
        }
    }

    @Test("CSV has the registry columns together, after quality")
    func csvColumns() throws {
        let start = try #require(CSVFormatter.columns.firstIndex(of: "provider_application"))
        #expect(CSVFormatter.columns[start - 1] == "quality")
        #expect(
            Array(CSVFormatter.columns[start..<(start + 6)]) == [
                "provider_application", "consumer_application", "provider_url", "registry_status", "service_inferred",
                "registered_serializations",
            ])
    }

    @Test("a live directory is joined as it changes: a provider unregistered mid-run is no longer registered")
    func joinFollowsWatcher() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        let watcher = RegistryWatcher(address: try RegistryAddress(parsing: redis.address)) { _ in }
        watcher.start()
        defer { watcher.stop() }
        _ = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        let join = RegistryJoin(watcher: watcher)
        #expect(
            try Self.records("linktype-raw.pcap", join: join).map { $0["registry_status"] as? String } == [
                "registered", "registered",
            ])
        let version = watcher.version
        try redis.cli("HDEL", Self.demoProviders, Self.plainProvider)
        try redis.cli("PUBLISH", Self.demoProviders, "unregister")
        watcher.waitForUpdate(after: version, timeoutMilliseconds: 5_000)
        // The gray 1.0.0 provider remains: the 0.0.0 calls now ask for a version nobody serves.
        #expect(
            try Self.records("linktype-raw.pcap", join: join).map { $0["registry_status"] as? String } == [
                "version_mismatch", "version_mismatch",
            ])
    }

    // MARK: Through the executable

    @Test("read --registry names every call whose provider is registered, and counts the statuses")
    func cliRead() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let run = try ToolRun(["read", basic, "--registry", redis.address, "--format", "jsonl"])
        #expect(run.status == 0)
        let records = run.jsonLines
        #expect(records.count == 17)
        #expect(records.allSatisfy { $0["provider_application"] as? String == "demo-provider" })
        #expect(
            run.standardError.contains(
                "registry redis://127.0.0.1:\(redis.port): 2 keys, 2 providers at 1 endpoint, 1 consumer"))
        #expect(
            run.standardError.contains(
                "registry: 17 records, provider named for 17; registered 14, not_registered 1, stale 0, "
                    + "method_not_registered 1, version_mismatch 1; services inferred 0"
            ))
    }

    @Test("Redis down: a one-line warning, the analysis goes on with no_registry; --registry-required stops it")
    func cliRedisDown() throws {
        let port = try LoopbackPort.unused()
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let address = "redis://:topsecret@127.0.0.1:\(port)"
        let run = try ToolRun(["read", basic, "--registry", address, "--format", "jsonl"])
        #expect(run.status == 0)
        #expect(run.jsonLines.count == 17)
        #expect(run.jsonLines.allSatisfy { $0["registry_status"] as? String == "no_registry" })
        let warnings = run.standardError.split(separator: "\n").filter { $0.contains("registry unavailable") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("registry node 127.0.0.1:\(port): cannot connect") == true)
        #expect(!run.standardError.contains("topsecret"))

        let required = try ToolRun(["read", basic, "--registry", address, "--registry-required", "--format", "jsonl"])
        #expect(required.status == 2)
        #expect(required.standardOutput.isEmpty)
        #expect(required.standardError.contains("cannot connect"))
        #expect(!required.standardError.contains("topsecret"))
    }

    @Test("a wrong password ends the run with an error naming the node, never the password")
    func cliWrongPassword() throws {
        let redis = try TestRedis(password: "right-password")
        try Self.fillBasic(redis)
        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let run = try ToolRun(["read", basic, "--registry", "redis://:wrong-password@127.0.0.1:\(redis.port)"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("registry node 127.0.0.1:\(redis.port): authentication failed"))
        #expect(!run.standardError.contains("wrong-password") && !run.standardError.contains("right-password"))
        let good = try ToolRun(["read", basic, "--registry", redis.address, "--format", "csv"])
        #expect(good.status == 0)
        #expect(!good.standardOutput.contains("right-password") && !good.standardError.contains("right-password"))
        #expect(good.standardOutput.contains(",demo-provider,demo-consumer,\"dubbo://10.0.0.2:20880/"))
    }

    @Test("registry dump --format json is a snapshot that read --registry-snapshot uses offline, with the same result")
    func cliDumpAndSnapshot() throws {
        let redis = try TestRedis()
        try Self.fillBasic(redis)
        try redis.register(Self.demoProviders, "broken-url", expiry: Expiry.fresh)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let snapshot = folder.appendingPathComponent("snapshot.json").path

        let dump = try ToolRun(["registry", "dump", redis.address, "--format", "json", "-o", snapshot])
        #expect(dump.status == 0)
        let text = try ToolRun(["registry", "dump", redis.address])
        #expect(text.standardOutput.contains("10.0.0.2:20880  demo-provider  \(Self.demo)  methods="))
        #expect(
            text.standardOutput.contains(
                "problems:\n  \(Self.demoProviders): malformed URL (no protocol:// prefix): broken-url"))
        let saved = try String(contentsOfFile: snapshot, encoding: .utf8)
        #expect(!saved.contains("secret-token"))

        let basic = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let live = try ToolRun(["read", basic, "--registry", redis.address, "--format", "jsonl"])
        redis.stop()
        let offline = try ToolRun(["read", basic, "--registry-snapshot", snapshot, "--format", "jsonl"])
        #expect(offline.status == 0)
        #expect(offline.standardOutput == live.standardOutput)
        #expect(offline.standardError.contains("registry: \(Self.demoProviders): malformed URL"))

        let down = try ToolRun(["registry", "dump", redis.address])
        #expect(down.status == 2)
        #expect(down.standardError.contains("cannot connect"))
    }

    @Test("registered_serializations is the provider's prefer.serialization, else serialization; a wire serialization it does not list is counted")
    func registeredSerializations() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-ser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = "dubbo://10.0.0.2:20880/\(Self.demo)?application=demo-provider&interface=\(Self.demo)&side=provider"
        func snapshot(_ parameters: String) throws -> RegistryJoin {
            let url = base + parameters
            let text = """
                {"format":"dubbo-inspect-registry-snapshot","version":1,"source":"test","root":"/dubbo/","written_at_ms":1700000000000,
                "keys":[{"key":"/dubbo/\(Self.demo)/providers","observed_at_ms":1700000000000,"fields":{"\(url)":"1800000000000"}}],
                "providers":[],"consumers":[],"problems":[]}
                """
            let path = folder.appendingPathComponent("snapshot.json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return RegistryJoin(directory: try RegistrySnapshot.load(path: path))
        }
        // Dubbo 3.2's default: fastjson2 preferred, Hessian2 accepted; serialization is ignored when prefer is there.
        let preferred = try Self.records("fastjson2.pcap", join: snapshot("&prefer.serialization=fastjson2,hessian2&serialization=hessian2"))
        // The DemoService calls match the provider (registered, or another version or method: still its URL);
        // com.example.UserService is not registered there, so it has no provider URL and no list.
        let calls = preferred.filter { $0["service"] as? String == Self.demo }
        #expect(calls.count == 6)
        #expect(preferred.filter { $0["service"] as? String == "com.example.UserService" }
            .allSatisfy { $0["registered_serializations"] is NSNull })
        #expect(calls.allSatisfy { $0["registered_serializations"] as? [String] == ["fastjson2", "hessian2"] })
        // Only serialization: that one; neither: null.
        let plain = try Self.records("fastjson2.pcap", join: snapshot("&serialization=hessian2"))
        #expect(plain.filter { $0["service"] as? String == Self.demo }
            .allSatisfy { $0["registered_serializations"] as? [String] == ["hessian2"] })
        let none = try Self.records("fastjson2.pcap", join: snapshot(""))
        #expect(none.allSatisfy { $0["registered_serializations"] is NSNull })
        // The "configured fastjson2 but Hessian is used" confusion the other way round: counted per run.
        var tally = RegistryTally()
        let join = try snapshot("&serialization=hessian2")
        let path = try Captures.required(Captures.fixtures.appendingPathComponent("fastjson2.pcap"))
        _ = OfflineAnalysis().run(paths: [path]) { record in
            tally.add(join.annotate(record), serialization: record.serialization.name)
        }
        #expect(tally.serializationNotRegistered == 6, "the DemoService calls and one-way request, all fastjson2")
        #expect(tally.text.contains("; serialization not registered 6"))
        // The report counts them per group.
        var configuration = ReportConfiguration()
        configuration.names = DirectoryApplicationNames(directory: try #require(join.currentDirectory))
        let report = OfflineReport(configuration: configuration).run(paths: [path]).report
        let unlisted = report.groups.filter { $0.serializationNotRegistered > 0 }
        #expect(unlisted.allSatisfy { $0.service == Self.demo && $0.serializationNotRegistered == $0.calls })
        #expect(unlisted.map(\.serializationNotRegistered).reduce(0, +) == 6)
        #expect(report.rendered(as: .text).contains("serialization not registered by the provider: "))
        // And said in words, once per provider and serialization.
        let finding = try #require(report.findings.first { $0.kind == "serialization_not_listed" })
        #expect(report.findings.filter { $0.kind == "serialization_not_listed" }.count == 1)
        #expect(finding.subject == "10.0.0.2:20880")
        #expect(finding.figure("calls") == 6)
        #expect(finding.statement.contains("sent in fastjson2") && finding.statement.contains("(it lists hessian2)"))
        // A provider that lists fastjson2 has none.
        let listing = try snapshot("&prefer.serialization=fastjson2,hessian2")
        configuration.names = DirectoryApplicationNames(directory: try #require(listing.currentDirectory))
        let listed = OfflineReport(configuration: configuration).run(paths: [path]).report
        #expect(listed.groups.allSatisfy { $0.serializationNotRegistered == 0 })
        #expect(!listed.findings.contains { $0.kind == "serialization_not_listed" })
    }

    @Test("the README demo: the bundled snapshot names the basic capture's applications with no Redis running")
    func readmeDemo() throws {
        let snapshot = Captures.repositoryRoot.appendingPathComponent("docs/registry-demo.snapshot.json").path
        let directory = try RegistrySnapshot.load(path: snapshot)
        let records = try Self.records("basic.pcap", join: RegistryJoin(directory: directory))
        #expect(records.allSatisfy { $0["provider_application"] as? String == "demo-provider" })
        let statuses = Dictionary(grouping: records) { $0["registry_status"] as? String ?? "?" }.mapValues(\.count)
        #expect(statuses == ["registered": 14, "not_registered": 1, "method_not_registered": 1, "version_mismatch": 1])
    }
}


/// One run of the built `dubbo-inspect`, output captured through files (no pipe can fill up and block it).
struct ToolRun {
    var status: Int32
    var standardOutput: String
    var standardError: String

    init(_ arguments: [String]) throws {
        guard let path = BuiltTool.dubboInspect else { throw TestRedis.Failure(description: BuiltTool.missing) }
        let tool = URL(fileURLWithPath: path)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tool-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let err = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        status = process.terminationStatus
        standardOutput = try String(contentsOf: out, encoding: .utf8)
        standardError = try String(contentsOf: err, encoding: .utf8)
    }

    var jsonLines: [[String: Any]] {
        standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
