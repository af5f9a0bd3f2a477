import Foundation
import Glibc
import TestSupport
import Testing

/// `dubbo-inspect read … --otlp-endpoint` against a real OTLP/HTTP receiver on loopback
/// (`Tests/Support/otlp/otlp_receiver.py`), which decodes every request with the official OpenTelemetry protobuf
/// definitions (PyPI `opentelemetry-proto`; `scripts/test.sh` installs it). A receiver that cannot start fails the
/// test saying why. Everything stays on 127.0.0.1; every wait is bounded.
@Suite("OTLP export to a real receiver", .serialized)
struct OTLPExportTests {
    static let root = RepositoryPaths.root
    static let fixtures = RepositoryPaths.fixtures
    static let support = RepositoryPaths.testScripts.appendingPathComponent("otlp")

    // MARK: Spans and metrics of the fixtures

    @Test("basic.pcap: one CLIENT span per call with the Dubbo attributes and capture times; metrics match",
          .timeLimit(.minutes(3)))
    func basicCaptureSpansAndMetrics() throws {
        let scratch = try OTLPScratch()
        let receiver = try OTLPTestReceiver(in: scratch)
        defer { receiver.stop() }
        let capture = Self.fixtures.appendingPathComponent("basic.pcap").path
        let expected = try otlpExpectedRecords("basic")
        #expect(expected.count == 17)

        let run = try OTLPToolRun(["read", capture, "--format", "none", "--otlp-endpoint", receiver.url], in: scratch)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        #expect(run.standardError.contains("otlp: 17 spans exported to \(receiver.url), 0 dropped"),
                "stderr: \(run.standardError)")

        let requests = try receiver.requests()
        #expect(requests.allSatisfy { $0["answered"] as? Int == 200 && $0["error"] == nil })
        #expect(requests.allSatisfy { $0["content_type"] as? String == "application/x-protobuf" })
        let spans = otlpSpans(requests)
        #expect(spans.count == 17)
        let resource = try #require(otlpResources(requests).first)
        #expect(resource["service.name"] as? String == "dubbo-inspect")
        #expect(resource["host.name"] as? String == otlpHostName())
        #expect(resource["dubbo_inspect.capture.files"] as? [String] == [capture])

        for record in expected {
            let id = record["request_id"] as! Int
            let span = try #require(spans.first { otlpAttributes($0)["dubbo_inspect.request_id"] as? Int == id },
                                    "no span for request \(id)")
            let attributes = otlpAttributes(span)
            let method = "\(record["service"] as! String)/\(record["method"] as! String)"
            #expect(span["name"] as? String == method)
            #expect(span["kind"] as? String == "SPAN_KIND_CLIENT")
            #expect(span["parent_span_id"] as? String == "")
            #expect(otlpInt(span["start"]) == otlpNanos(record["request_ts"]), "start of \(id)")
            #expect(otlpInt(span["end"]) == otlpNanos(record["response_ts"]), "end of \(id)")
            #expect(attributes["rpc.system.name"] as? String == "dubbo")
            #expect(attributes["rpc.method"] as? String == method)
            #expect(attributes["rpc.response.status_code"] as? String == record["status_name"] as? String)
            #expect(attributes["server.address"] as? String == "10.0.0.2")
            #expect(attributes["server.port"] as? Int == 20880)
            #expect(attributes["network.peer.address"] as? String == "10.0.0.2")
            #expect(attributes["network.peer.port"] as? Int == 20880)
            #expect(attributes["network.local.address"] as? String == "10.0.0.1")
            #expect(attributes.keys.allSatisfy { !$0.hasPrefix("rpc.request.metadata.") })  // opt-in only
            #expect(attributes["rpc.system"] == nil && attributes["rpc.service"] == nil)  // deprecated names
            switch record["outcome"] as! String {
            case "ok":
                #expect(attributes["error.type"] == nil)
                #expect(span["status_code"] as? String == "STATUS_CODE_UNSET")
            case "error":
                #expect(attributes["error.type"] as? String == record["status_name"] as? String)
                #expect(span["status_code"] as? String == "STATUS_CODE_ERROR")
                #expect(span["status_message"] as? String == record["error_message"] as? String)
            case "exception":
                let exceptionClass = (record["exception"] as! String).components(separatedBy: ": ")[0]
                #expect(attributes["error.type"] as? String == exceptionClass)
                #expect(span["status_code"] as? String == "STATUS_CODE_ERROR")
                let events = span["events"] as? [[String: Any]] ?? []
                #expect(events.map { $0["name"] as? String } == ["exception"])
            default:
                Issue.record("unexpected outcome in basic: \(record)")
            }
        }
        #expect(Set(spans.map { $0["span_id"] as! String }).count == 17)
        #expect(Set(spans.map { $0["trace_id"] as! String }).count == 17)

        // Metrics: the whole capture lasts 50 ms, so one export at the end, stamped with the last response time.
        let metricRequests = requests.filter { $0["path"] as? String == "/v1/metrics" }
        #expect(metricRequests.count == 1)
        let metrics = otlpMetrics(metricRequests)
        let duration = try #require(metrics.first { $0["name"] as? String == "rpc.client.call.duration" })
        #expect(duration["unit"] as? String == "s")
        #expect(duration["type"] as? String == "histogram")
        #expect(duration["temporality"] as? Int == 2)  // AGGREGATION_TEMPORALITY_CUMULATIVE
        let firstRequest = expected.compactMap { otlpNanos($0["request_ts"]) }.min()
        let lastResponse = expected.compactMap { otlpNanos($0["response_ts"]) }.max()
        var pointCount = 0
        for point in duration["points"] as? [[String: Any]] ?? [] {
            let attributes = point["attributes"] as? [String: Any] ?? [:]
            let inSeries = expected.filter { record in
                "\(record["service"] as! String)/\(record["method"] as! String)" == attributes["rpc.method"] as? String
                    && record["status_name"] as? String == attributes["rpc.response.status_code"] as? String
                    && (record["outcome"] as? String == "exception")
                        == ((attributes["error.type"] as? String)?.hasPrefix("java.") ?? false)
            }
            let latency = inSeries.reduce(0.0) { $0 + Double($1["latency_us"] as! Int) / 1e6 }
            #expect(point["count"] as? Int == inSeries.count, "series \(attributes)")
            #expect(abs((point["sum"] as? Double ?? -1) - latency) < 1e-9, "series \(attributes)")
            #expect((point["bucket_counts"] as? [Int] ?? []).reduce(0, +) == inSeries.count)
            #expect(point["explicit_bounds"] as? [Double]
                    == [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
            #expect(attributes["rpc.system.name"] as? String == "dubbo")
            #expect(attributes["server.address"] as? String == "10.0.0.2")
            #expect(otlpInt(point["time"]) == lastResponse)
            #expect(otlpInt(point["start"]) == firstRequest)
            pointCount += inSeries.count
        }
        #expect(pointCount == 17)
        let calls = try #require(metrics.first { $0["name"] as? String == "dubbo_inspect.client.calls" })
        #expect(calls["monotonic"] as? Bool == true)
        let counted = (calls["points"] as? [[String: Any]] ?? []).reduce(0) { $0 + (otlpInt($1["value"]) ?? 0) }
        #expect(counted == 17)

        // The same capture read again gives the same span and trace ids.
        let again = try OTLPToolRun(["read", capture, "--format", "none", "--otlp-endpoint", receiver.url], in: scratch)
        #expect(again.status == 0)
        let allSpans = otlpSpans(try receiver.requests())
        #expect(allSpans.count == 34)
        let ids = { (spans: ArraySlice<[String: Any]>) in spans.map { "\($0["trace_id"]!)/\($0["span_id"]!)" }.sorted() }
        #expect(ids(allSpans[..<17]) == ids(allSpans[17...]))
    }

    @Test("events.pcap: the call and the one-way request become spans; heartbeats and events do not",
          .timeLimit(.minutes(2)))
    func eventsCapture() throws {
        let scratch = try OTLPScratch()
        let receiver = try OTLPTestReceiver(in: scratch)
        defer { receiver.stop() }
        let expected = try otlpExpectedRecords("events").filter { ["call", "oneway"].contains($0["kind"] as? String) }
        #expect(expected.count == 2)
        let run = try OTLPToolRun(
            ["read", Self.fixtures.appendingPathComponent("events.pcap").path, "--format", "none",
             "--otlp-endpoint", receiver.url], in: scratch)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        let spans = otlpSpans(try receiver.requests())
        #expect(spans.map { $0["name"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") }
                == ["org.apache.dubbo.demo.DemoService/notify", "org.apache.dubbo.demo.DemoService/slow"])
        for record in expected {
            let method = record["method"] as! String
            let span = try #require(spans.first { ($0["name"] as? String)?.hasSuffix("/\(method)") == true })
            let attributes = otlpAttributes(span)
            #expect(otlpInt(span["start"]) == otlpNanos(record["request_ts"]))
            if record["kind"] as? String == "oneway" {
                #expect(otlpInt(span["end"]) == otlpNanos(record["request_ts"]))  // no response: request time
                #expect(attributes["rpc.response.status_code"] == nil)
                #expect(attributes["dubbo_inspect.outcome"] as? String == "oneway")
                #expect(span["status_code"] as? String == "STATUS_CODE_UNSET")
            } else {
                #expect(otlpInt(span["end"]) == otlpNanos(record["response_ts"]))
                #expect(attributes["rpc.response.status_code"] as? String == "OK")
            }
        }
    }

    // MARK: Joining propagated traces

    @Test("traceparent, sw8 and EagleEye-TraceID attachments put the spans in those traces",
          .timeLimit(.minutes(2)))
    func joinsPropagatedTraces() throws {
        let scratch = try OTLPScratch()
        let receiver = try OTLPTestReceiver(in: scratch)
        defer { receiver.stop() }
        let capture = scratch.path("trace-context.pcap")
        let made = try OTLPToolRun(
            ["python3", Self.support.appendingPathComponent("trace_context_capture.py").path, capture],
            in: scratch, executable: "/usr/bin/env")
        try #require(made.status == 0, "cannot build the capture: \(made.standardError)")

        let run = try OTLPToolRun(
            ["read", capture, "--format", "none", "--otlp-endpoint", receiver.url, "--otlp-attachments"], in: scratch)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        let spans = otlpSpans(try receiver.requests())
        #expect(spans.count == 4)
        func span(_ method: String) throws -> [String: Any] {
            try #require(spans.first { $0["name"] as? String == "org.apache.dubbo.demo.DemoService/\(method)" })
        }

        let w3c = try span("withTraceparent")
        #expect(w3c["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(w3c["parent_span_id"] as? String == "00f067aa0ba902b7")
        #expect(w3c["trace_state"] as? String == "congo=t61rcWkgMzE")
        #expect(otlpInt(w3c["flags"]) == 0x301)  // sampled; the parent is remote
        #expect(otlpAttributes(w3c)["rpc.request.metadata.traceparent"] as? [String]
                == ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
        #expect(otlpAttributes(w3c)["rpc.request.metadata.path"] as? [String] == ["org.apache.dubbo.demo.DemoService"])

        // SkyWalking ids as the Collector's skywalkingreceiver maps them (computed by an independent model).
        let sky = try span("withSW8")
        #expect(sky["trace_id"] as? String == "56a5e1c515ae4c7613e51e7cf616977f")
        #expect(sky["parent_span_id"] as? String == "4740ffb9e3b8db09")
        #expect(otlpAttributes(sky)["dubbo_inspect.trace_context.format"] as? String == "sw8")
        #expect(otlpAttributes(sky)["dubbo_inspect.trace_context.original_trace_id"] as? String
                == "56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001")

        let eagle = try span("withEagleEye")
        #expect(eagle["trace_id"] as? String == "000ad1348f1403169275002100356696")
        #expect(eagle["parent_span_id"] as? String == "")
        #expect(otlpAttributes(eagle)["rpc.request.metadata.eagleeye-traceid"] as? [String]
                == ["0ad1348f1403169275002100356696"])

        let plain = try span("plain")
        #expect(plain["parent_span_id"] as? String == "")
        #expect(otlpInt(plain["flags"]) == 0x101)
        #expect(Set(spans.map { $0["trace_id"] as! String }).count == 4)
    }

    // MARK: A collector that is busy or absent

    @Test("a receiver answering 503 gets retries; the spans are counted as dropped; the run ends in bounded time",
          .timeLimit(.minutes(2)))
    func busyReceiverRetriesAndDrops() throws {
        let scratch = try OTLPScratch()
        let receiver = try OTLPTestReceiver(in: scratch, arguments: ["--status", "503"])
        defer { receiver.stop() }
        let records = scratch.path("records.jsonl")
        let run = try OTLPToolRun(
            ["read", Self.fixtures.appendingPathComponent("basic.pcap").path, "--format", "jsonl", "-o", records,
             "--otlp-endpoint", receiver.url, "--otlp-flush-timeout", "3"], in: scratch)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        #expect(run.seconds < 15, "took \(run.seconds) s")
        // The analysis is whole: every record written, the summary printed.
        let lines = try String(contentsOfFile: records, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 17)
        #expect(run.standardError.contains("otlp: 0 spans exported to \(receiver.url), 17 dropped"),
                "stderr: \(run.standardError)")
        #expect(run.standardError.contains("last error: HTTP 503"))
        let retries = otlpCount(before: " retries", in: run.standardError)
        #expect((retries ?? 0) >= 2, "stderr: \(run.standardError)")
        let traceRequests = try receiver.requests().filter { $0["path"] as? String == "/v1/traces" }
        #expect(traceRequests.count >= 3)  // the first try and at least two retries of the same batch
        #expect(traceRequests.allSatisfy { $0["answered"] as? Int == 503 })
        #expect(otlpSpans(traceRequests).count == 17 * traceRequests.count)
    }

    @Test("with no collector listening, connection errors are retried, then everything is counted as dropped",
          .timeLimit(.minutes(2)))
    func absentReceiverDropsInBoundedTime() throws {
        let scratch = try OTLPScratch()
        let port = try LoopbackPort.unused()
        let run = try OTLPToolRun(
            ["read", Self.fixtures.appendingPathComponent("basic.pcap").path, "--format", "none",
             "--otlp-endpoint", "http://127.0.0.1:\(port)", "--otlp-flush-timeout", "2"], in: scratch)
        #expect(run.status == 0, "stderr: \(run.standardError)")
        #expect(run.seconds < 12, "took \(run.seconds) s")
        #expect(run.standardError.contains("otlp: 0 spans exported to http://127.0.0.1:\(port), 17 dropped"),
                "stderr: \(run.standardError)")
        #expect(run.standardError.contains("cannot connect"), "stderr: \(run.standardError)")
        #expect((otlpCount(before: " retries", in: run.standardError) ?? 0) >= 1)
        #expect(run.standardError.contains("records 17"), "the analysis summary is still printed")
    }

    @Test("a bad --otlp-endpoint is refused before anything is read")
    func badEndpointIsRefused() throws {
        let scratch = try OTLPScratch()
        let run = try OTLPToolRun(
            ["read", Self.fixtures.appendingPathComponent("basic.pcap").path, "--otlp-endpoint", "https://collector:4318"],
            in: scratch)
        #expect(run.status == 64)
        #expect(run.standardError.contains("https is not supported"))
    }
}

// MARK: - Helpers

/// A temporary folder, removed at the end of the test.
final class OTLPScratch {
    let directory: String

    init() throws {
        var template = Array("/tmp/otlp-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw OTLPTestFailure("cannot create a temporary folder") }
        directory = String(cString: made)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

struct OTLPTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The Python receiver, started on a free loopback port and stopped by `stop()` (it also stops by itself after
/// two minutes).
final class OTLPTestReceiver {
    let process = Process()
    let output: String
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(in scratch: OTLPScratch, arguments: [String] = []) throws {
        output = scratch.path("received-\(UUID().uuidString).jsonl")
        let portFile = scratch.path("port-\(UUID().uuidString)")
        let log = scratch.path("receiver.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", OTLPExportTests.support.appendingPathComponent("otlp_receiver.py").path, "--out", output,
            "--port-file", portFile, "--max-seconds", "120",
        ] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        do {
            try process.run()
        } catch {
            throw OTLPTestFailure("cannot start the OTLP receiver (python3): \(error)")
        }
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            } else {
                usleep(20_000)
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw OTLPTestFailure(
                "the OTLP test receiver did not start; it needs PyPI opentelemetry-proto and protobuf "
                    + "(scripts/test.sh installs them). Its output: \(said)")
        }
        port = found
    }

    /// Every request received so far, decoded by the receiver, in arrival order.
    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw OTLPTestFailure("receiver line is not an object: \(line)")
            }
            return object
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// One run of the built `dubbo-inspect` (or another program), bounded to 60 s, with its outputs and wall time.
struct OTLPToolRun {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var seconds: Double

    init(_ arguments: [String], in scratch: OTLPScratch, executable: String? = nil) throws {
        let tool: String
        if let executable {
            tool = executable
        } else {
            guard let path = BuiltTool.dubboInspect else { throw OTLPTestFailure(BuiltTool.missing) }
            tool = path
        }
        let name = UUID().uuidString
        let outPath = scratch.path("out-\(name)")
        let errPath = scratch.path("err-\(name)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        let start = Date()
        try process.run()
        let deadline = start.addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw OTLPTestFailure("\(arguments.prefix(2)) did not finish within 60 s")
        }
        seconds = Date().timeIntervalSince(start)
        status = process.terminationStatus
        standardOutput = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        standardError = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    }
}

/// The records of `Fixtures/<name>.expected.jsonl`.
func otlpExpectedRecords(_ name: String) throws -> [[String: Any]] {
    let path = OTLPExportTests.fixtures.appendingPathComponent("\(name).expected.jsonl").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

func otlpSpans(_ requests: [[String: Any]]) -> [[String: Any]] {
    requests.flatMap { request in
        (request["resource_spans"] as? [[String: Any]] ?? []).flatMap { resource in
            (resource["scopes"] as? [[String: Any]] ?? []).flatMap { $0["spans"] as? [[String: Any]] ?? [] }
        }
    }
}

func otlpResources(_ requests: [[String: Any]]) -> [[String: Any]] {
    requests.flatMap { request in
        ((request["resource_spans"] ?? request["resource_metrics"]) as? [[String: Any]] ?? []).compactMap {
            $0["resource"] as? [String: Any]
        }
    }
}

func otlpMetrics(_ requests: [[String: Any]]) -> [[String: Any]] {
    requests.flatMap { request in
        (request["resource_metrics"] as? [[String: Any]] ?? []).flatMap { resource in
            (resource["scopes"] as? [[String: Any]] ?? []).flatMap { $0["metrics"] as? [[String: Any]] ?? [] }
        }
    }
}

func otlpAttributes(_ span: [String: Any]) -> [String: Any] { span["attributes"] as? [String: Any] ?? [:] }

/// A JSON number as an exact integer (the receiver writes nanosecond times as integers).
func otlpInt(_ value: Any?) -> Int? {
    switch value {
    case let number as Int: return number
    case let number as NSNumber: return number.intValue
    default: return nil
    }
}

/// A fixture timestamp (epoch seconds with 6 decimals) in nanoseconds, exactly.
func otlpNanos(_ value: Any?) -> Int? {
    guard let seconds = value as? Double else { return nil }
    return Int((seconds * 1e6).rounded()) * 1_000
}

/// The number just before `suffix` in `text` (e.g. "3 retries" → 3).
func otlpCount(before suffix: String, in text: String) -> Int? {
    guard let range = text.range(of: suffix) else { return nil }
    let digits = text[..<range.lowerBound].reversed().prefix { $0.isNumber }
    return Int(String(digits.reversed()))
}

func otlpHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, 255)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
