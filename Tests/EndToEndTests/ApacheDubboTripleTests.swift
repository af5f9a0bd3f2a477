import Foundation
import TestSupport
import Testing

/// Dubbo's own Python implementation of Triple (PyPI `apache-dubbo`, installed by scripts/test.sh into
/// `.build/python-apache-dubbo`), provider and consumer on loopback, captured by tcpdump: every call as its client
/// saw it must be a record with the same interface, method, argument and result.
@Suite("Triple from apache-dubbo (Python)")
struct ApacheDubboTripleTests {
    @Test("unary and server-streaming calls of Dubbo's Python Triple match what its client saw")
    func callsMatchClient() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apache-dubbo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let packages = Captures.repositoryRoot.appendingPathComponent(".build/python-apache-dubbo").path
        _ = try Captures.required(URL(fileURLWithPath: packages + "/dubbo/__init__.py"))
        let pcap = folder.appendingPathComponent("apache-dubbo.pcap").path
        let truthPath = folder.appendingPathComponent("truth.jsonl").path
        let driver = try Subprocess.run("/usr/bin/env", [
            "PYTHONPATH=\(packages)", "python3",
            Captures.repositoryRoot.appendingPathComponent("Tests/Support/apache_dubbo_triple.py").path,
            "--port", "\(try LoopbackPort.unused())", "--pcap", pcap, "--truth", truthPath,
        ], timeout: 120)
        guard driver.status == 0 else {
            throw Captures.MissingFile(path: "apache_dubbo_triple.py failed (status \(driver.status)): \(driver.error.suffix(800))")
        }
        let truth = try TripleGRPCTests.jsonLines(String(contentsOfFile: truthPath, encoding: .utf8))
        let records = try Captures.analyze([pcap]).records.filter { $0["kind"] as? String == "call" }
        #expect(records.count == truth.count)
        #expect(truth.count == 6)
        for (record, call) in zip(records, truth) {
            #expect(record["protocol"] as? String == "triple")
            #expect(record["service"] as? String == "org.apache.dubbo.samples.HelloWorld")
            #expect(record["method"] as? String == call["method"] as? String)
            // This framework sends an empty message after each request message; both are counted and shown.
            #expect((record["arguments"] as? [Any])?.first as? String == call["sent"] as? String, "\(call)")
            #expect(jsonMatches(record["return_value"], call["received"]), "\(call)")
            #expect(record["serialization"] as? String == "data" && record["outcome"] as? String == "ok")
            #expect((record["quality"] as? [String]) == [])
        }
    }
}
