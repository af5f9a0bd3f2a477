import Correlation
import DubboWire
import Foundation
import Glibc
import AnalysisPipeline
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

/// `dubbo-inspect live` on the loopback interface, run as the built executable, against real Dubbo traffic from
/// independent Python stacks (`Tests/Support/dubbo_loopback.py`: the `dubbo-py` provider on 127.0.0.1, the
/// `dubbo-py` and `dubbo-ssl-python` clients). Needs root (CI runs tests as root) and the PyPI stacks
/// (`scripts/test.sh` installs them); without either, the tests fail saying so. Nothing leaves loopback.
@Suite("live capture on lo", .serialized, .tags(.root))
struct LiveCaptureTests {
    static let repositoryRoot = RepositoryPaths.root
    static let driver = RepositoryPaths.testScripts.appendingPathComponent("dubbo_loopback.py").path
    static let calc = "com.example.live.Calculator"
    static let echo = "com.example.live.Echo"

    // MARK: Real Dubbo traffic

    @Test("every call the clients saw is decoded live; metrics match; SIGTERM flushes the unanswered request",
          .timeLimit(.minutes(3)))
    func decodesEveryCallLive() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let pcapng = directory.path + "/live.pcapng"
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "jsonl", "--metrics-listen", "127.0.0.1:0",
            "--write", pcapng,
        ], directory: directory)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()

        // The clients keep their connections open afterwards, so the unanswered request stays pending.
        let driver = try LiveProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", LiveCaptureTests.driver, "--port", "\(port)", "--calls", "12", "--linger", "60"],
            directory: directory, outputName: "driver")
        defer { driver.kill() }
        let calls = try driver.waitForLines(29)  // add ×12, slow, reject, crash, missing, heartbeat, echo ×12
        let twoWay = calls.filter { $0["kind"] == nil }

        // The metrics catch up within a few seconds: every answered call counted, the unanswered one in flight.
        let values = try waitForLiveMetrics(port: metricsPort) { values in
            metricSum(values, "dubbo_calls_total") == Double(twoWay.count - 1) && values["dubbo_requests_in_flight"] == 1
        }
        let exposition = try liveHTTPGet(port: metricsPort, path: "/metrics")
        let check = try promtoolCheck(exposition)
        #expect(check.status == 0, "promtool: \(check.output)")
        let consumer = #"provider_application="",consumer_application="live-test-consumer",protocol="dubbo""#
        #expect(values[#"dubbo_calls_total{service="\#(Self.calc)",method="add",status="OK",\#(consumer)}"#] == 12)
        #expect(values[#"dubbo_calls_total{service="\#(Self.calc)",method="slow",status="OK",\#(consumer)}"#] == 1)
        #expect(values[#"dubbo_calls_total{service="\#(Self.calc)",method="reject",status="SERVICE_ERROR",\#(consumer)}"#] == 1)
        #expect(values[#"dubbo_calls_total{service="\#(Self.calc)",method="crash",status="CLIENT_ERROR",\#(consumer)}"#] == 1)
        #expect(values[#"dubbo_calls_total{service="\#(Self.echo)",method="echo",status="OK",\#(consumer)}"#] == 12)
        #expect(values[#"dubbo_call_duration_seconds_count{service="\#(Self.calc)",method="add"}"#] == 12)
        // slow sleeps 120 ms in the provider: its one call is above the 0.1 bucket and within 0.25.
        #expect(values[#"dubbo_call_duration_seconds_bucket{service="\#(Self.calc)",method="slow",le="0.1"}"#] == 0)
        #expect(values[#"dubbo_call_duration_seconds_bucket{service="\#(Self.calc)",method="slow",le="0.25"}"#] == 1)
        #expect(values[#"dubbo_heartbeats_total{result="answered"}"#] == 1)
        #expect(values[#"dubbo_heartbeat_rtt_seconds_count"#] == 1)
        #expect(values[#"dubbo_capture_packets_dropped_total{stage="kernel"}"#] == 0)
        #expect(values[#"dubbo_capture_packets_dropped_total{stage="queue"}"#] == 0)
        #expect((values["dubbo_capture_packets_analysed_total"] ?? 0) >= 40)  // handshakes, 57 frames, ACKs

        live.signal(SIGTERM)
        #expect(try live.waitForExit() == 0, "stderr: \(live.standardError)")
        driver.kill()
        let records = try live.jsonLines()
        try checkEveryLiveCall(calls, against: records)
        let missing = records.first { $0["method"] as? String == "missing" }
        #expect(missing?["outcome"] as? String == "no_response")
        #expect(live.standardError.contains("dropped by the kernel 0, by the interface 0, by the queue 0"))
        #expect(live.standardError.contains("correlation: duplicate request ids 0, evicted pending 0, timed out 0"))

        // The saved capture gives the same records offline.
        let (summary, problems) = OfflineAnalysis(plan: DecodePlan(depth: .metadata)).run(paths: [pcapng]) { _ in }
        #expect(problems.unreadableFiles.isEmpty && problems.readErrors.isEmpty)
        #expect(summary.records == records.count)
        #expect(summary.correlation.calls == twoWay.count - 1)  // answered calls
        #expect(summary.correlation.noResponse == 1)
    }

    @Test("--timeout expires an unanswered request as no_response while the capture runs; csv streams; --duration ends it",
          .timeLimit(.minutes(2)))
    func timeoutExpiresDuringTheRun() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "csv", "--timeout", "1", "--duration", "15",
            "--metrics-listen", "127.0.0.1:0", "--no-payload",
        ], directory: directory)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()
        let driver = try LiveProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", LiveCaptureTests.driver, "--port", "\(port)", "--calls", "2", "--linger", "60"],
            directory: directory, outputName: "driver")
        defer { driver.kill() }
        let calls = try driver.waitForLines(9)
        let noResponse = #"dubbo_calls_total{service="\#(Self.calc)",method="missing",status="NO_RESPONSE",provider_application="",consumer_application="live-test-consumer",protocol="dubbo"}"#
        // The connection is still open: only the timeout can have ended the request.
        _ = try waitForLiveMetrics(port: metricsPort) { $0[noResponse] == 1 && $0["dubbo_requests_in_flight"] == 0 }
        #expect(live.process.isRunning)
        #expect(live.standardOutput.contains(",missing,"))  // the row is out before the end of the capture
        #expect(try live.waitForExit(seconds: 40) == 0)
        driver.kill()
        let rows = live.standardOutput.split(whereSeparator: \.isNewline)
        #expect(rows.first?.hasPrefix("kind,") == true)
        #expect(rows.count == 1 + calls.count)
        #expect(live.standardError.contains("timed out 1"))
    }

    @Test("--registry names the provider application in the metrics labels", .tags(.redis), .timeLimit(.minutes(2)))
    func registryNamesApplications() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let redis = try TestRedis()
        defer { redis.stop() }
        let redisPort = redis.port
        let url = "dubbo://127.0.0.1:\(port)/\(Self.calc)?application=calc-app&interface=\(Self.calc)"
            + "&methods=add,slow,reject,crash&side=provider&version=1.0"
        try redis.register("/dubbo/\(Self.calc)/providers", url, expiry: Expiry.fresh)
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "none", "--metrics-listen", "127.0.0.1:0",
            "--registry", "redis://127.0.0.1:\(redisPort)", "--registry-required",
        ], directory: directory)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()
        #expect(live.standardError.contains("1 provider at 1 endpoint"))
        _ = try runDubboClients(port: port, calls: 3)
        let labels = #"service="\#(Self.calc)",method="add",status="OK",provider_application="calc-app",consumer_application="live-test-consumer",protocol="dubbo""#
        let values = try waitForLiveMetrics(port: metricsPort) { $0["dubbo_calls_total{\(labels)}"] == 3 }
        #expect(values["dubbo_calls_total{\(labels)}"] == 3)
        live.signal(SIGINT)
        #expect(try live.waitForExit() == 0)
    }

    @Test("--registry zookeeper:// names the calls live, at the application level; the records say registered",
          .timeLimit(.minutes(2)))
    func zooKeeperNamesApplicationsLive() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let server = try TestZooKeeper()
        defer { server.stop() }
        // Dubbo 3's application-level layout only: an instance at the provider's port and the mapping of the
        // calculator interface to its application (written by kazoo as Dubbo writes them).
        let registration = try ZooKeeperRegistration(server, spec: [
            "instances": [["application": "live-zk-provider", "address": "127.0.0.1", "port": port,
                           "endpoints": [["dubbo", port]], "revision": "r1"]],
            "mappings": [Self.calc: "live-zk-provider"],
        ])
        defer { registration.close() }
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "jsonl", "--metrics-listen", "127.0.0.1:0",
            "--registry", server.address, "--registry-required",
        ], directory: directory)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()
        #expect(live.standardError.contains("1 application instance"), "stderr: \(live.standardError)")
        _ = try runDubboClients(port: port, calls: 3)
        let labels = #"service="\#(Self.calc)",method="add",status="OK",provider_application="live-zk-provider",consumer_application="live-test-consumer",protocol="dubbo""#
        _ = try waitForLiveMetrics(port: metricsPort) { $0["dubbo_calls_total{\(labels)}"] == 3 }
        live.signal(SIGTERM)
        #expect(try live.waitForExit() == 0)
        let records = try live.jsonLines().filter { $0["kind"] as? String == "call" }
        let adds = records.filter { $0["method"] as? String == "add" }
        #expect(adds.count == 3)
        #expect(adds.allSatisfy {
            $0["provider_application"] as? String == "live-zk-provider" && $0["registry_status"] as? String == "registered"
        }, "\(adds)")
        // Every call at that endpoint is named by the instance, whatever its interface.
        #expect(records.allSatisfy { $0["provider_application"] as? String == "live-zk-provider" })
    }

    // MARK: Capture health

    @Test("a 1 MiB kernel buffer under a burst: the kernel drop counter moves and the run says so",
          .timeLimit(.minutes(2)))
    func kernelDropsAreCounted() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused(type: SOCK_DGRAM)
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--filter", "udp and dst port \(port)", "--buffer-size", "1", "--format", "none",
            "--metrics-listen", "127.0.0.1:0",
        ], directory: directory)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()
        let sent = try loopbackUDPBurst(port: port, datagrams: 20_000, size: 60_000, threads: 4)
        let values = try waitForLiveMetrics(port: metricsPort) { ($0["dubbo_capture_packets_received_total"] ?? 0) > 0 }
        live.signal(SIGINT)
        #expect(try live.waitForExit() == 0)
        let kernel = values[#"dubbo_capture_packets_dropped_total{stage="kernel"}"#] ?? 0
        let summary = try #require(live.standardError.firstMatch(of: /dropped by the kernel (\d+), by the interface (\d+), by the queue (\d+); analysed (\d+)/))
        let droppedAtEnd = Int(summary.1) ?? 0
        #expect(droppedAtEnd > 0, "sent \(sent) datagrams; stderr: \(live.standardError)")
        #expect(Double(droppedAtEnd) >= kernel)
        #expect(live.standardError.contains("packets were lost before analysis"))
        print("kernel-drop test: sent \(sent), dropped by the kernel \(droppedAtEnd), analysed \(summary.4)")
    }

    @Test("packets in blocks (the default) and one by one (--immediate) both reach the analysis whole; the run says which",
          .timeLimit(.minutes(2)), arguments: [false, true])
    func deliveryModes(immediate: Bool) throws {
        try requireLiveRoot()
        guard let tcpreplay = Subprocess.find("tcpreplay") else {
            throw LiveTestFailure("tcpreplay is not installed (apt-get install tcpreplay; scripts/test.sh does it)")
        }
        let directory = try LiveScratchFolder()
        let live = try LiveProcess(
            arguments: ["live", "-i", "lo", "--ports", "20880", "--format", "jsonl", "--metrics-listen", "127.0.0.1:0"]
                + (immediate ? ["--immediate"] : []),
            directory: directory
        )
        defer { live.kill() }
        _ = try live.metricsPort()
        let fixture = Self.repositoryRoot.appendingPathComponent("Fixtures/basic.pcap").path
        let replay = try Subprocess.run(tcpreplay, ["--quiet", "--intf1=lo", "--pps=500", fixture], timeout: 60)
        #expect(replay.status == 0, "tcpreplay: \(replay.error)")
        let expected = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("Fixtures/basic.expected.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(#""kind":"call""#) }.count
        // A block is handed over when full or after 100 ms: the calls are all there well within the wait.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, live.standardOutput.split(separator: "\n").filter({ $0.contains(#""kind":"call""#) }).count < expected {
            Thread.sleep(forTimeInterval: 0.05)
        }
        live.signal(SIGINT)
        #expect(try live.waitForExit() == 0)
        let calls = live.standardOutput.split(separator: "\n").filter { $0.contains(#""kind":"call""#) }.count
        #expect(calls == expected, "\(live.standardError)")
        #expect(live.standardError.contains(immediate ? "immediate)" : "blocks of 100 ms at most)"), "\(live.standardError)")
        #expect(live.standardError.contains("dropped by the kernel 0, by the interface 0, by the queue 0"), "\(live.standardError)")
    }

    @Test("a stalled output fills the queue: the capture thread keeps reading and counts queue drops",
          .timeLimit(.minutes(2)))
    func stalledOutputDropsAtTheQueue() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let dubboPort = try LoopbackPort.unused()
        let udpPort = try LoopbackPort.unused(type: SOCK_DGRAM)
        // Standard output is a pipe nobody reads until the end: once the ~64 KiB pipe is full, the analysis blocks.
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--filter", "(tcp port \(dubboPort)) or (udp and dst port \(udpPort))",
            "--format", "jsonl", "--queue-size", "1", "--metrics-listen", "127.0.0.1:0",
        ], directory: directory, standardOutputToPipe: true)
        defer { live.kill() }
        let metricsPort = try live.metricsPort()
        _ = try runDubboClients(port: dubboPort, calls: 150)  // ~300 records, well over 64 KiB of JSON lines
        let sent = try loopbackUDPBurst(port: udpPort, datagrams: 2_000, size: 8_000, threads: 1)
        let values = try waitForLiveMetrics(port: metricsPort) {
            ($0[#"dubbo_capture_packets_dropped_total{stage="queue"}"#] ?? 0) > 0
        }
        let queueDrops = values[#"dubbo_capture_packets_dropped_total{stage="queue"}"#] ?? 0
        live.signal(SIGINT)
        live.drainStandardOutput()
        #expect(try live.waitForExit() == 0)
        #expect(queueDrops > 0)
        let summary = try #require(live.standardError.firstMatch(of: /captured, (\d+) received by the filter; dropped by the kernel (\d+), by the interface \d+, by the queue (\d+)/))
        #expect((Int(summary.3) ?? 0) > 0)
        print("queue-drop test: sent \(sent) datagrams, queue drops \(summary.3), kernel drops \(summary.2)")
    }

    // MARK: Privileges and errors

    @Test("--user nobody gives up root and its capabilities once the interface is open; capture goes on",
          .timeLimit(.minutes(2)))
    func dropsPrivileges() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "jsonl", "--user", "nobody",
            "--metrics-listen", "127.0.0.1:0",
        ], directory: directory)
        defer { live.kill() }
        _ = try live.metricsPort()
        // Credentials are per thread: every thread of the process must have given root up.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(live.processIdentifier)/task")
        #expect(tasks.count >= 3)
        for task in tasks {
            let status = try String(contentsOfFile: "/proc/\(live.processIdentifier)/task/\(task)/status", encoding: .utf8)
            let field = { (name: String) in
                status.split(separator: "\n").first { $0.hasPrefix(name) }?.split(whereSeparator: \.isWhitespace).dropFirst()
                    .map(String.init)
            }
            #expect(field("Uid:") == ["65534", "65534", "65534", "65534"], "thread \(task)")
            #expect(field("Gid:") == ["65534", "65534", "65534", "65534"], "thread \(task)")
            #expect(field("CapEff:") == ["0000000000000000"], "thread \(task)")
            #expect(field("CapPrm:") == ["0000000000000000"], "thread \(task)")
        }
        let calls = try runDubboClients(port: port, calls: 2)
        live.signal(SIGINT)
        #expect(try live.waitForExit() == 0)
        #expect(try live.jsonLines().count == calls.count, "stderr: \(live.standardError)")
        #expect(live.standardError.contains("as user nobody"))
    }

    @Test("without CAP_NET_RAW the message names the capability and how to grant it", .timeLimit(.minutes(1)))
    func missingPrivilegesAreExplained() throws {
        try requireLiveRoot()
        let result = try runLiveTool(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", try liveToolPath(), "live", "-i", "lo", "--duration", "1"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("CAP_NET_RAW"), "\(result.standardError)")
        #expect(result.standardError.contains("setcap cap_net_raw,cap_net_admin=eip"), "\(result.standardError)")
    }

    @Test("an unknown interface is refused with the list of available ones", .timeLimit(.minutes(1)))
    func unknownInterface() throws {
        let result = try runLiveTool(try liveToolPath(), ["live", "-i", "nosuchif0", "--duration", "1"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("interface 'nosuchif0' not found; available interfaces:"))
        #expect(result.standardError.contains("lo"))
    }

    // MARK: The live view

    @Test("the live view draws in place on the alternate screen, fits the width, and restores the terminal on SIGTERM",
          .timeLimit(.minutes(2)))
    func liveViewRestoresTheTerminal() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let transcript = directory.path + "/view.txt"
        // `script` gives the tool a pseudo-terminal of 90×30; the tool is the only thing drawing on it.
        let command = "stty cols 90 rows 30; exec \(try liveToolPath()) live -i lo --ports \(port) --metrics-listen 127.0.0.1:0"
        let view = try LiveProcess(
            executable: "/usr/bin/script", arguments: ["-qfec", command, transcript], directory: directory)
        defer { view.kill() }
        _ = try view.metricsPort(in: { (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? "" })
        _ = try runDubboClients(port: port, calls: 3)
        Thread.sleep(forTimeInterval: 2.5)  // at least two refreshes after the traffic
        let tool = try #require(liveChildProcess(of: view.processIdentifier), "the tool under script was not found")
        #expect(Glibc.kill(tool, SIGTERM) == 0)
        #expect(try view.waitForExit() == 0)
        let output = try String(contentsOfFile: transcript, encoding: .utf8)
        let enter = try #require(output.range(of: "\u{1B}[?1049h"), "never entered the alternate screen")
        let leave = try #require(output.range(of: "\u{1B}[?1049l", options: .backwards), "the terminal was not restored")
        #expect(enter.upperBound <= leave.lowerBound)
        #expect(output[leave.upperBound...].contains("Live capture on lo"))  // the summary comes after the view
        #expect(output.contains("\u{1B}[?25h"))  // cursor shown again
        let frames = output[enter.upperBound..<leave.lowerBound].components(separatedBy: "\u{1B}[H").dropFirst()
        #expect(frames.count >= 2)
        #expect(!output[enter.upperBound..<leave.lowerBound].contains("\u{1B}[2J\u{1B}[H\u{1B}[2J"))  // no clearing per frame
        let last = try #require(frames.last)
        #expect(last.contains("\(Self.calc).add"))
        let lines = last.replacingOccurrences(of: "\u{1B}[J", with: "").components(separatedBy: "\u{1B}[K")
        #expect(lines.count <= 31)
        for line in lines {
            let visible = line.trimmingCharacters(in: .newlines)
            #expect(DisplayWidthProbe.columns(visible) <= 90, "\(visible)")
        }
    }
}

// MARK: - Helpers

/// Columns of a line, as the view counts them (wide CJK characters are not used by these tests' names).
fileprivate enum DisplayWidthProbe {
    static func columns(_ text: String) -> Int { text.unicodeScalars.count { $0.value >= 0x20 } }
}

fileprivate func requireLiveRoot() throws {
    guard geteuid() == 0 else {
        throw LiveTestFailure("live capture tests need root (CI runs them as root); euid is \(geteuid())")
    }
}

fileprivate struct LiveTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A scratch directory removed afterwards.
fileprivate final class LiveScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The built `dubbo-inspect`, next to the test bundle.
fileprivate func liveToolPath() throws -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    // Bounded: a handful of parents at most.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("dubbo-inspect").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw LiveTestFailure("dubbo-inspect is not built next to \(bundle.path); run `swift build --build-tests` first")
}

/// Runs the Python driver against a provider it starts on `port`; returns each call as the client saw it.
fileprivate func runDubboClients(port: Int, calls: Int) throws -> [[String: Any]] {
    let result = try runLiveTool(
        "/usr/bin/env", ["python3", LiveCaptureTests.driver, "--port", "\(port)", "--calls", "\(calls)"], seconds: 120)
    guard result.status == 0 else {
        throw LiveTestFailure(
            "the Python Dubbo driver failed (status \(result.status)); `pip install dubbo-py==0.2.2 dubbo-ssl-python==0.9.6` "
                + "(scripts/test.sh does it): \(result.standardError.suffix(800)) \(result.standardOutput.suffix(400))")
    }
    let lines = result.standardOutput.split(separator: "\n")
    return try lines.map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw LiveTestFailure("driver line is not an object: \(line)")
        }
        return object
    }
}

/// Each two-way call the clients made has its record, with the same service, method, arguments and outcome.
fileprivate func checkEveryLiveCall(_ calls: [[String: Any]], against records: [[String: Any]]) throws {
    for call in calls {
        let method = call["method"] as? String
        if call["kind"] as? String == "heartbeat" {
            let heartbeat = records.first { $0["kind"] as? String == "heartbeat" && ($0["request_id"] as? Int) == call["request_id"] as? Int }
            // Answered (dubbo-py's heartbeat response carries status 0, so its outcome is not "ok").
            #expect(heartbeat?["latency_us"] is Int, "heartbeat \(call)")
            continue
        }
        let matches = records.filter {
            $0["service"] as? String == call["service"] as? String && $0["method"] as? String == method
                && jsonMatches($0["arguments"], call["arguments"])
        }
        #expect(matches.count == 1, "\(matches.count) records for \(call)")
        guard let record = matches.first else { continue }
        #expect(record["kind"] as? String == "call")
        switch call["status"] {
        case let status as Int where status == 20:
            #expect(record["outcome"] as? String == "ok", "\(call)")
            #expect(jsonMatches(record["return_value"], call["value"]), "\(call) value")
        case let status as Int:
            #expect(record["status"] as? Int == status, "\(call)")
            #expect(record["error_message"] as? String == call["error"] as? String, "\(call)")
        default:
            #expect(record["outcome"] as? String == "no_response", "\(call)")
        }
        if let client = call["client"] as? String { #expect(record["client"] as? String == client, "\(call)") }
    }
    let callRecords = records.filter { $0["kind"] as? String == "call" }
    #expect(callRecords.count == calls.filter { $0["kind"] == nil }.count)
}

/// Sends `datagrams` UDP datagrams of `size` bytes to 127.0.0.1:`port` from `threads` threads, as fast as possible,
/// to a socket bound there that never reads (the kernel drops what its buffer cannot hold). Returns how many were sent.
fileprivate func loopbackUDPBurst(port: Int, datagrams: Int, size: Int, threads: Int) throws -> Int {
    let sink = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard sink >= 0 else { throw LiveTestFailure("socket failed") }
    defer { close(sink) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sink, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw LiveTestFailure("cannot bind UDP 127.0.0.1:\(port)") }
    let sent = LiveBurstCounter()
    let group = DispatchGroup()
    let target = address
    for _ in 0..<threads {
        group.enter()
        Thread {
            defer { group.leave() }
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var destination = target
            let payload = [UInt8](repeating: 0x5A, count: size)
            var count = 0
            for _ in 0..<(datagrams / threads) {
                let result = withUnsafePointer(to: &destination) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                if result == payload.count { count += 1 }
            }
            sent.add(count)
        }.start()
    }
    guard group.wait(timeout: .now() + 60) == .success else { throw LiveTestFailure("the UDP burst did not finish in 60 s") }
    return sent.value
}

fileprivate final class LiveBurstCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ amount: Int) { lock.lock(); total += amount; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

/// Scrapes `/metrics` until `condition` holds (every 200 ms, at most 20 s); returns the last values.
fileprivate func waitForLiveMetrics(port: Int, _ condition: ([String: Double]) -> Bool) throws -> [String: Double] {
    let deadline = Date().addingTimeInterval(20)
    var values: [String: Double] = [:]
    while Date() < deadline {
        values = liveMetricValues(try liveHTTPGet(port: port, path: "/metrics"))
        if condition(values) { return values }
        Thread.sleep(forTimeInterval: 0.2)
    }
    throw LiveTestFailure("metrics never reached the expected values in 20 s; last: \(values.filter { !$0.key.contains("_bucket") })")
}

fileprivate func liveMetricValues(_ text: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        result[String(line[..<space])] = Double(line[line.index(after: space)...])
    }
    return result
}

fileprivate func metricSum(_ values: [String: Double], _ family: String) -> Double {
    values.filter { $0.key.hasPrefix(family + "{") }.reduce(0) { $0 + $1.value }
}

/// GET http://127.0.0.1:`port``path`, body only (5 s timeout).
fileprivate func liveHTTPGet(port: Int, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LiveTestFailure("socket failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw LiveTestFailure("cannot connect to the metrics endpoint 127.0.0.1:\(port)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = send(fd, request, request.count, 0)
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while received.count < 64 << 20 {
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { break }
        received.append(contentsOf: chunk[0..<count])
    }
    let text = String(decoding: received, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else {
        throw LiveTestFailure("bad metrics answer: \(text.prefix(300))")
    }
    return String(text[split.upperBound...])
}

fileprivate struct LiveToolResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs a program to its end (killed after `seconds`), output captured through files.
fileprivate func runLiveTool(_ executable: String, _ arguments: [String], input: String? = nil, seconds: Double = 60) throws -> LiveToolResult {
    let folder = try LiveScratchFolder()
    let outPath = folder.path + "/out", errPath = folder.path + "/err"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let pipe = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : pipe
    try process.run()
    if let input {
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
    }
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw LiveTestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish in \(Int(seconds)) s")
    }
    process.waitUntilExit()
    return LiveToolResult(
        status: process.terminationStatus,
        standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// The child of `parent` (scanning /proc for its parent id), for the tool started under `script`.
fileprivate func liveChildProcess(of parent: Int32) -> Int32? {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "(comm)": state, then the parent id.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == parent { return pid }
        }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return nil
}

/// `dubbo-inspect live` (or `script` around it) running in the background, its output in files.
fileprivate final class LiveProcess {
    let process = Process()
    let outPath: String
    let errPath: String
    private var outputPipe: Pipe?
    private var drained = Data()

    init(
        executable: String? = nil, arguments: [String], directory: LiveScratchFolder, outputName: String = "live",
        standardOutputToPipe: Bool = false
    ) throws {
        outPath = directory.path + "/\(outputName).out"
        errPath = directory.path + "/\(outputName).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try executable ?? liveToolPath())
        process.arguments = arguments
        if standardOutputToPipe {
            let pipe = Pipe()
            outputPipe = pipe
            process.standardOutput = pipe
        } else {
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var standardOutput: String {
        if outputPipe != nil { return String(decoding: drained, as: UTF8.self) }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }
    var standardError: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits (at most 20 s) for the "metrics at" line and returns its port; fails if the tool exits first.
    func metricsPort(in text: (() -> String)? = nil) throws -> Int {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let output = text?() ?? standardError
            if let match = output.firstMatch(of: /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/), let port = Int(match.1) {
                return port
            }
            if !process.isRunning {
                throw LiveTestFailure("dubbo-inspect live exited before capturing: \(standardError) \(output.suffix(500))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw LiveTestFailure("dubbo-inspect live did not start capturing in 20 s: \(standardError)")
    }

    /// Waits (at most 90 s) until standard output holds `count` JSON lines (the driver's calls) and returns them.
    func waitForLines(_ count: Int) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let lines = standardOutput.split(separator: "\n")
            if lines.count >= count { return try jsonLines() }
            if !process.isRunning {
                throw LiveTestFailure(
                    "the Python Dubbo driver ended early (status \(process.terminationStatus)); `pip install "
                        + "dubbo-py==0.2.2 dubbo-ssl-python==0.9.6` (scripts/test.sh does it): \(standardError.suffix(800))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw LiveTestFailure("the Python Dubbo driver made only \(standardOutput.split(separator: "\n").count) of \(count) calls in 90 s")
    }

    func signal(_ number: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, number) }
    }

    /// Reads the piped standard output to its end on another thread, so the tool can finish writing.
    func drainStandardOutput() {
        guard let pipe = outputPipe else { return }
        let handle = pipe.fileHandleForReading
        let result = Locked<Data?>(nil)
        let thread = Thread {
            let data = handle.readDataToEndOfFile()
            result.withLock { $0 = data }
        }
        thread.start()
        drainBox = result
    }

    /// The drained output once the reading thread has it (a lock, so the hand-over is visible to the sanitizer).
    private var drainBox: Locked<Data?>?

    /// Waits for the exit (at most `seconds`) and returns the status; kills and fails past the deadline.
    func waitForExit(seconds: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill()
            throw LiveTestFailure("dubbo-inspect live did not stop within \(Int(seconds)) s: \(standardError)")
        }
        process.waitUntilExit()
        if let box = drainBox {
            // The tool has exited, so its end of the pipe is closed and the read ends promptly; bounded anyway.
            let drainDeadline = Date().addingTimeInterval(10)
            while box.withLock({ $0 }) == nil && Date() < drainDeadline { Thread.sleep(forTimeInterval: 0.02) }
            drained = box.withLock { $0 } ?? Data()
        }
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func jsonLines() throws -> [[String: Any]] {
        try standardOutput.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw LiveTestFailure("not a JSON object: \(line)")
            }
            return object
        }
    }
}

// MARK: Consumer timeouts (issue 16)

extension LiveCaptureTests {
    static let timeoutDriver = repositoryRoot.appendingPathComponent("Tests/Support/dubbo_timeout.py").path

    @Test("a dubbo-py consumer that timed out against a slow dubbo-py provider: timeout_exceeded true, with the provider's server time",
          .timeLimit(.minutes(2)))
    func consumerTimeoutIsJudgedFromTheWire() throws {
        try requireLiveRoot()
        let directory = try LiveScratchFolder()
        let port = try LoopbackPort.unused()
        let live = try LiveProcess(arguments: [
            "live", "-i", "lo", "--ports", "\(port)", "--format", "jsonl", "--metrics-listen", "127.0.0.1:0",
        ], directory: directory)
        defer { live.kill() }
        _ = try live.metricsPort()
        let driver = try LiveProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", Self.timeoutDriver, "--port", "\(port)", "--timeout-ms", "50", "--slow-ms", "250"],
            directory: directory, outputName: "driver")
        defer { driver.kill() }
        let calls = try driver.waitForLines(2)
        #expect(try driver.waitForExit(seconds: 30) == 0, "driver: \(driver.standardError)")
        #expect(calls.map { $0["consumer_timed_out"] as? Bool } == [false, true], "the consumer really gave up")
        live.signal(SIGTERM)
        #expect(try live.waitForExit() == 0, "stderr: \(live.standardError)")
        let records = try live.jsonLines().filter { $0["method"] as? String == "slow" }
        try #require(records.count == 2, "records: \(records)")

        let inTime = records[0]
        #expect(inTime["timeout_ms"] as? Int == 1_000)
        #expect(inTime["timeout_exceeded"] as? Bool == false)

        let late = records[1]
        #expect(late["timeout_ms"] as? Int == 50)
        #expect(late["timeout_exceeded"] as? Bool == true)
        #expect(late["outcome"] as? String == "ok", "the provider answered, after the consumer had given up")
        // The provider slept 250 ms: the wire shows its answer at least that late, far past the 50 ms timeout.
        let latency = try #require(late["latency_us"] as? Int)
        #expect(latency >= 250_000 && latency < 2_000_000, "latency_us \(latency)")
        let requestEnd = try #require(late["request_end_ts"] as? Double)
        let responseStart = try #require(late["response_ts"] as? Double)
        let serverMicroseconds = (responseStart - requestEnd) * 1e6
        #expect(serverMicroseconds >= 249_000, "server time \(serverMicroseconds) µs: the provider's own time")
    }
}
