import Foundation
import Glibc
import Testing

/// Names from the capture itself: a provider's `MetadataService.getMetadataInfo` answer, a hessian2
/// `MetadataInfo` object encoded by Caucho's Hessian2Output (Debian's libhessian-java, Tests/Support/metadata_info),
/// names the provider application of the calls that follow — with no registry at all.
@Suite("Names from the capture", .serialized, .timeLimit(.minutes(2)))
struct CaptureNamesTests {
    static let demo = "org.apache.dubbo.demo.DemoService"

    /// The request and response bodies of one getMetadataInfo call, from the real encoder.
    static func metadataBodies(application: String, revision: String, triplePort: Int) throws -> ([UInt8], [UInt8]) {
        let jar = "/usr/share/java/hessian.jar"
        guard FileManager.default.fileExists(atPath: jar), FileManager.default.isExecutableFile(atPath: "/usr/bin/javac")
        else {
            throw TestZooKeeper.Failure(
                description: "\(jar) or javac is missing: `apt-get install libhessian-java default-jdk-headless`")
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/metadata_info")
        let classes = FileManager.default.temporaryDirectory.appendingPathComponent("mdinfo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: classes) }
        _ = try run(
            "/usr/bin/javac",
            ["-d", classes.path, "-cp", jar, sources.appendingPathComponent("DubboBodies.java").path,
             sources.appendingPathComponent("org/apache/dubbo/metadata/MetadataInfo.java").path])
        let output = try run(
            "/usr/bin/java",
            ["--add-opens", "java.base/java.lang=ALL-UNNAMED", "-cp", classes.path + ":" + jar, "DubboBodies",
             application, revision, String(triplePort), demo])
        let lines = output.split(separator: "\n").map(String.init)
        guard lines.count == 2 else { throw TestZooKeeper.Failure(description: "DubboBodies printed \(output)") }
        return (hexBytes(lines[0]), hexBytes(lines[1]))
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        try HelperProgram.output(executable, arguments, failure: "\(executable) \(arguments.prefix(3)) failed")
    }

    static func hexBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
            if let byte = UInt8(text[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        return bytes
    }

    static func sayHello(id: Int64) -> [UInt8] {
        HostileDubbo.request(
            id: id,
            body: HostileDubbo.requestBody(
                service: demo, method: "sayHello", descriptor: "Ljava/lang/String;",
                arguments: HostileDubbo.string("world")))
    }

    /// 10.0.0.1:20880 answers a call, then getMetadataInfo, then two calls; 10.0.0.1:50051 (the Triple port its
    /// MetadataInfo lists) and 10.0.0.1:20881 (nothing said about it) get one call each, later.
    static func capture() throws -> String {
        let (request, response) = try metadataBodies(application: "demo-provider-v3", revision: "7f3c2a", triplePort: 50051)
        var pcap = HostilePcap()
        let start: UInt64 = 1_700_000_000_000_000
        var provider = HostileConversation(clientPort: 40_000, serverPort: 20_880, startMicroseconds: start)
        provider.handshake(into: &pcap)
        provider.send(sayHello(id: 1), fromClient: true, into: &pcap)
        provider.send(HostileDubbo.okResponse(id: 1), fromClient: false, into: &pcap)
        provider.send(HostileDubbo.request(id: 2, body: request), fromClient: true, into: &pcap)
        provider.send(HostileDubbo.frame(flags: 0x02, status: 20, id: 2, body: response), fromClient: false, into: &pcap)
        provider.send(sayHello(id: 3), fromClient: true, into: &pcap)
        provider.send(HostileDubbo.okResponse(id: 3), fromClient: false, into: &pcap)
        provider.close(into: &pcap)
        for (index, port) in [UInt16(50_051), 20_881].enumerated() {
            var other = HostileConversation(
                clientPort: 40_001 + UInt16(index), serverPort: port, startMicroseconds: start + 1_000_000)
            other.handshake(into: &pcap)
            other.send(sayHello(id: 10 + Int64(index)), fromClient: true, into: &pcap)
            other.send(HostileDubbo.okResponse(id: 10 + Int64(index)), fromClient: false, into: &pcap)
            other.close(into: &pcap)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metadata-\(UUID().uuidString).pcap")
        try Data(pcap.bytes).write(to: path)
        return path.path
    }

    @Test("a getMetadataInfo answer names the provider of the calls that follow, with no registry")
    func namesWithoutRegistry() throws {
        let path = try Self.capture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ToolRun(["read", path, "--format", "jsonl"])
        #expect(run.status == 0)
        let records = run.jsonLines
        #expect(records.count == 5)
        func record(_ id: Int) -> [String: Any]? { records.first { $0["request_id"] as? Int == id } }
        // Before the answer: nothing known yet.
        #expect(record(1)?["registry_status"] as? String == "no_registry")
        #expect(record(1)?["provider_application"] is NSNull)
        // The metadata call itself and everything after, at that endpoint and at the Triple port it lists.
        for id in [2, 3, 10] {
            #expect(record(id)?["provider_application"] as? String == "demo-provider-v3", "\(String(describing: record(id)))")
            #expect(record(id)?["registry_status"] as? String == "named_from_capture")
        }
        // An endpoint the capture said nothing about.
        #expect(record(11)?["registry_status"] as? String == "no_registry")
        #expect(record(11)?["provider_application"] is NSNull)
    }

    @Test("--name-earlier-calls: a first look names the calls before the answer too; reports group by those names")
    func secondLook() throws {
        let path = try Self.capture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ToolRun(["read", path, "--format", "jsonl", "--name-earlier-calls"])
        #expect(run.status == 0)
        let records = run.jsonLines
        #expect(records.count == 5, "the first look writes nothing")
        func record(_ id: Int) -> [String: Any]? { records.first { $0["request_id"] as? Int == id } }
        for id in [1, 2, 3, 10] {
            #expect(record(id)?["provider_application"] as? String == "demo-provider-v3", "\(String(describing: record(id)))")
            #expect(record(id)?["registry_status"] as? String == "named_from_capture")
        }
        #expect(record(11)?["registry_status"] as? String == "no_registry")

        // A report decodes no returned values: only the first look names its providers.
        func providerGroups(_ extra: [String]) throws -> [String: Int] {
            let report = try ToolRun(["report", path, "--group-by", "provider", "--format", "json"] + extra)
            #expect(report.status == 0)
            let root = try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any]
            let groups = root?["groups"] as? [[String: Any]] ?? []
            return Dictionary(groups.map { ($0["label"] as? String ?? "", $0["calls"] as? Int ?? 0) }, uniquingKeysWith: +)
        }
        #expect(try providerGroups(["--name-earlier-calls"]) == ["demo-provider-v3": 4, "10.0.0.1:20881": 1])
        #expect(try providerGroups([]) == ["10.0.0.1:20880": 3, "10.0.0.1:50051": 1, "10.0.0.1:20881": 1])
    }

    @Test("a registry, when given, wins over a name from the capture")
    func registryWins() throws {
        let path = try Self.capture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: snapshot) }
        let url = "dubbo://10.0.0.1:20880/\(Self.demo)?application=registry-app&interface=\(Self.demo)&side=provider&version=1.0"
        let document: [String: Any] = [
            "format": "dubbo-inspect-registry-snapshot", "version": 1, "root": "/dubbo/",
            "keys": [["key": "/dubbo/\(Self.demo)/providers", "observed_at_ms": 0, "fields": [url: "znode"]]],
        ]
        try JSONSerialization.data(withJSONObject: document).write(to: snapshot)
        let run = try ToolRun(["read", path, "--registry-snapshot", snapshot.path, "--format", "jsonl"])
        #expect(run.status == 0)
        let records = run.jsonLines
        func record(_ id: Int) -> [String: Any]? { records.first { $0["request_id"] as? Int == id } }
        #expect(record(3)?["provider_application"] as? String == "registry-app")
        #expect(record(3)?["registry_status"] as? String == "registered")
        // Where the registry knows nothing, the capture's name fills the gap; the registry's verdict stays.
        #expect(record(10)?["provider_application"] as? String == "demo-provider-v3")
        #expect(record(10)?["registry_status"] as? String == "not_registered")
    }
}
