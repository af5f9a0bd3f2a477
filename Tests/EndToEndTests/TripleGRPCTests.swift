import Foundation
import AnalysisPipeline
import Correlation
import DubboWire
import LatencyReports
import RecordFormats
import TestSupport
import Testing
import TripleWire

/// Real Triple traffic: a `grpcio` provider and consumer on loopback speaking Triple's headers and wrapper messages
/// (Tests/Support/triple_grpc.py), captured by tcpdump. Two references no one here wrote: the client's own view of
/// every call, and tshark's HTTP/2 dissector for stream ids, header values and frame timestamps.
@Suite("Triple over grpcio, checked against the client and tshark", .serialized)
struct TripleGRPCTests {
    static let support = Captures.repositoryRoot.appendingPathComponent("Tests/Support")

    struct Run {
        var records: [[String: Any]]
        var truth: [[String: Any]]
        var reference: [[String: Any]]
        var summary: RunSummary
        /// The capture itself and the server's port, for the tests that cut or mix it.
        var pcap: Data
        var port: Int
    }

    /// Captures one run (unary, streaming, errors, deadline, gzip, a 200 kB message, concurrency, 300 calls on one
    /// connection), decodes it, and asks tshark. Fails loudly when a part is missing.
    // Built once, on first use, then only read (the suite is serialized).
    nonisolated(unsafe) static let run: Result<Run, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triple-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try LoopbackPort.unused()
        let pcap = folder.appendingPathComponent("triple.pcap").path
        let truthPath = folder.appendingPathComponent("truth.jsonl").path
        let driver = try Subprocess.run("/usr/bin/env", [
            "python3", support.appendingPathComponent("triple_grpc.py").path, "--port", "\(port)", "--pcap", pcap,
            "--truth", truthPath, "--reused", "300", "--concurrent", "40",
        ], timeout: 180)
        guard driver.status == 0 else {
            throw Captures.MissingFile(path: "triple_grpc.py failed (status \(driver.status); needs grpcio and tcpdump, "
                + "scripts/setup.sh installs them): \(driver.error.suffix(800))")
        }
        let tshark = try Subprocess.run("/usr/bin/env", [
            "python3", support.appendingPathComponent("tshark_http2.py").path, pcap, "\(port)",
        ], timeout: 300)
        guard tshark.status == 0 else {
            throw Captures.MissingFile(path: "tshark_http2.py failed (status \(tshark.status)): \(tshark.error.suffix(800))")
        }
        let result = try Captures.analyze([pcap], options: RecordRenderOptions(maxValueBytes: 1 << 20))
        return Run(
            records: result.records, truth: try jsonLines(String(contentsOfFile: truthPath, encoding: .utf8)),
            reference: try jsonLines(tshark.output), summary: result.summary,
            pcap: try Data(contentsOf: URL(fileURLWithPath: pcap)), port: port
        )
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
    }

    static func calls(_ run: Run) -> [Int: [String: Any]] {
        var byStream: [Int: [String: Any]] = [:]
        for record in run.records where record["kind"] as? String == "call" && record["protocol"] as? String == "triple" {
            if let id = record["request_id"] as? Int { byStream[id] = record }
        }
        return byStream
    }

    static func sameTime(_ a: Any?, _ b: Any?) -> Bool {
        guard let a = a as? Double, let b = b as? Double else { return false }
        return abs(a - b) < 0.000_001_5
    }

    @Test("every request HEADERS tshark sees is one call with the same stream id, time, interface, method and headers")
    func requestsMatchTshark() throws {
        let run = try Self.run.get()
        let calls = Self.calls(run)
        let requests = run.reference.filter { $0["from_server"] as? Bool == false }
        #expect(requests.count == run.truth.count, "tshark saw \(requests.count) requests, the client made \(run.truth.count)")
        #expect(calls.count == requests.count)
        for request in requests {
            let stream = request["stream"] as? Int ?? -1
            guard let record = calls[stream] else {
                Issue.record("stream \(stream): no record")
                continue
            }
            let headers = Dictionary((request["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
            let path = headers[":path"] ?? ""
            #expect("/\(record["service"] as? String ?? "")/\(record["method"] as? String ?? "")" == path, "stream \(stream)")
            #expect(record["version"] as? String == headers["tri-service-version"], "stream \(stream)")
            #expect(record["group"] as? String == headers["tri-service-group"], "stream \(stream)")
            #expect(record["remote_application"] as? String == headers["tri-consumer-appname"], "stream \(stream)")
            #expect((record["attachments"] as? [String: Any])?["traceid"] as? String == headers["traceid"], "stream \(stream)")
            // request_ts is the packet with the HEADERS frame's first byte (tshark files a split frame under its last).
            #expect(Self.sameTime(record["request_ts"], request["first_ts"]), "stream \(stream) request_ts")
            #expect((record["quality"] as? [String]) == [], "stream \(stream) quality \(record["quality"] ?? "")")
        }
    }

    @Test("request_ts is the packet with the HEADERS frame's first byte, as tshark reassembles it, when a packet completes one frame and holds another whole")
    func requestTimeAfterSplitFrame() throws {
        let capture = try Captures.required(Self.support.appendingPathComponent("captures/http2-headers-after-split-frame.pcap"))
        let tshark = try Subprocess.run("/usr/bin/env", [
            "python3", Self.support.appendingPathComponent("tshark_http2.py").path, capture, "50051",
        ], timeout: 120)
        guard tshark.status == 0 else {
            throw Captures.MissingFile(path: "tshark_http2.py failed (status \(tshark.status)): \(tshark.error.suffix(800))")
        }
        let requests = try Self.jsonLines(tshark.output).filter { $0["from_server"] as? Bool == false }
        let records = try Captures.analyze([capture]).records.filter { $0["kind"] as? String == "call" }
        // The capture's own account (Tests/Support/captures/http2-headers-after-split-frame.py): packets 1 ms apart.
        let expected: [Int: Double] = [1: 1_700_000_000.005, 3: 1_700_000_000.007, 5: 1_700_000_000.008]
        #expect(requests.count == 3 && records.count == 3)
        for request in requests {
            let stream = request["stream"] as? Int ?? -1
            let record = records.first { $0["request_id"] as? Int == stream }
            #expect(Self.sameTime(request["first_ts"], expected[stream]), "tshark, stream \(stream)")
            #expect(Self.sameTime(record?["request_ts"], expected[stream]), "stream \(stream)")
            #expect(record?["outcome"] as? String == "ok" && (record?["quality"] as? [String]) == [], "stream \(stream)")
        }
    }

    @Test("response timing and status match tshark: first response HEADERS, END_STREAM trailers, grpc-status")
    func responsesMatchTshark() throws {
        let run = try Self.run.get()
        let calls = Self.calls(run)
        var firstResponse: [Int: Double] = [:]
        for frame in run.reference where frame["from_server"] as? Bool == true {
            let stream = frame["stream"] as? Int ?? -1
            let ts = frame["ts"] as? Double ?? 0
            if firstResponse[stream] == nil { firstResponse[stream] = frame["first_ts"] as? Double ?? 0 }
            // A stream the client reset is over for HTTP/2 (RFC 9113 §5.1): the server's later trailers are not its answer.
            guard frame["end_stream"] as? Bool == true, let record = calls[stream], record["outcome"] as? String != "cancelled"
            else { continue }
            let headers = Dictionary((frame["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
            #expect(record["status"] as? Int == headers["grpc-status"].flatMap { Int($0) }, "stream \(stream)")
            #expect(Self.sameTime(record["response_end_ts"], ts), "stream \(stream) response_end_ts")
        }
        #expect(firstResponse.count >= calls.count - 1)  // the deadline call was reset before any response
        for (stream, ts) in firstResponse {
            guard let record = calls[stream], record["outcome"] as? String != "cancelled" else { continue }
            #expect(Self.sameTime(record["response_ts"], ts), "stream \(stream) response_ts")
            let latency = record["latency_us"] as? Int ?? -1
            let expected = Int(((ts - (record["request_ts"] as? Double ?? 0)) * 1e6).rounded())
            #expect(abs(latency - expected) <= 1, "stream \(stream) latency")
        }
    }

    @Test("each call matches the client's view: arguments, results, statuses, messages, outcome, in call order")
    func callsMatchClient() throws {
        let run = try Self.run.get()
        let calls = Self.calls(run)
        // The client's sequential calls open streams 1, 3, 5, … in order; the concurrent phase may open its streams
        // in any order, so those are matched as a set.
        var concurrent: [[String: Any]] = []
        var ordered = calls.keys.sorted().map { calls[$0]! }
        #expect(run.truth.contains { $0["phase"] as? String == "exception" }, "the driver threw a business exception")
        for truth in run.truth {
            let phase = truth["phase"] as? String ?? ""
            if phase == "concurrent" {
                concurrent.append(truth)
                continue
            }
            guard let index = ordered.firstIndex(where: { record in
                "/\(record["service"] as? String ?? "")/\(record["method"] as? String ?? "")" == truth["path"] as? String
                    && (phase == "big" || jsonMatches(record["arguments"], truth["sent"]))
            }) else {
                Issue.record("no record for \(truth)")
                continue
            }
            let record = ordered.remove(at: index)
            let code = truth["code"] as? String ?? ""
            switch code {
            case _ where phase == "exception":
                // A business exception: the thrown object is the message, flagged by tri-exception-code.
                #expect(record["outcome"] as? String == "exception" && record["status_name"] as? String == code, "\(truth)")
                #expect(record["exception"] as? String == truth["exception"] as? String, "\(truth) \(record["exception"] ?? "nil")")
                #expect(record["return_value"] is NSNull, "\(truth)")
                #expect(record["error_message"] as? String == truth["details"] as? String, "\(truth)")
                let attachments = record["response_attachments"] as? [String: Any]
                #expect(attachments?["tri-exception-code"] as? String == truth["exception_code"] as? String, "\(truth)")
            case "OK":
                #expect(record["outcome"] as? String == "ok" && record["status_name"] as? String == "OK", "\(truth)")
                #expect(jsonMatches(record["return_value"], truth["received"]), "\(truth) return \(record["return_value"] ?? "nil")")
            case "DEADLINE_EXCEEDED":
                // Both sides time out: whichever reached the wire first ends the stream — the client's RST_STREAM
                // (cancelled) or the server's DEADLINE_EXCEEDED trailers (error).
                let outcome = record["outcome"] as? String
                #expect(outcome == "cancelled" || (outcome == "error" && record["status_name"] as? String == code), "\(truth)")
            default:
                #expect(record["outcome"] as? String == "error" && record["status_name"] as? String == code, "\(truth)")
                #expect(record["error_message"] as? String == truth["details"] as? String, "\(truth)")
            }
            // Trailers the client received: Dubbo's exception code as sent; the rich status, whose bytes the client
            // saw, rendered field by field (google.rpc.Status: 1 code, 2 message).
            if let trailers = truth["trailers"] as? [String: String], let code = trailers["tri-exception-code"] {
                let attachments = record["response_attachments"] as? [String: Any]
                #expect(attachments?["tri-exception-code"] as? String == code, "\(truth)")
                #expect(trailers["grpc-status-details-bin"] == "0807120664656e696564", "the driver's google.rpc.Status bytes")
                let details = attachments?["grpc-status-details-bin"] as? [String: Any]
                #expect(details?["1"] as? Int == 7 && details?["2"] as? String == "denied", "\(truth)")
            }
            #expect(record["request_messages"] as? Int == truth["request_messages"] as? Int, "\(truth)")
            #expect(record["response_messages"] as? Int == truth["response_messages"] as? Int, "\(truth)")
            let serialization = (truth["path"] as? String ?? "").contains("IdlGreeter") ? "protobuf" : "hessian2"
            #expect(record["serialization"] as? String == serialization, "\(truth)")
        }
        #expect(ordered.count == concurrent.count)
        for truth in concurrent {
            #expect(ordered.contains { jsonMatches($0["arguments"], truth["sent"]) && jsonMatches($0["return_value"], truth["received"]) },
                    "concurrent \(truth)")
        }
        let big = calls.values.first { $0["method"] as? String == "sizeOf" }
        #expect(((big?["arguments"] as? [Any])?.first as? String)?.count == 200_000, "the 200 kB argument is whole")
        #expect((big?["request_bytes"] as? Int ?? 0) > 200_000)
    }

    @Test("a report's slowest Triple calls show the arguments the client sent, decoded only for the calls shown")
    func reportSlowestArguments() throws {
        let run = try Self.run.get()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triple-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("triple.pcap").path
        try run.pcap.write(to: URL(fileURLWithPath: path))
        var configuration = ReportConfiguration()
        configuration.slowestCount = 1_000
        configuration.slowestPerGroup = 1_000
        configuration.maxArgumentsBytes = 1 << 20
        configuration.maxArgumentBytes = 1 << 20
        // What `dubbo-inspect report` does (arguments kept as bytes, decoded when a call is shown) against decoding
        // every call in full.
        let reportDepth = DecodePlan(
            includePayload: true, showsRecords: false, keepsSlowestCalls: true, exportsSpans: false)
        #expect(reportDepth.depth == .argumentsOnDemand)
        let onDemand = OfflineReport(analysis: OfflineAnalysis(plan: reportDepth), configuration: configuration).run(paths: [path])
        let full = OfflineReport(analysis: OfflineAnalysis(plan: .full), configuration: configuration).run(paths: [path])
        #expect(onDemand.report.slowest == full.report.slowest)
        let shown = onDemand.report.slowest.filter { $0.arguments != nil }
        #expect(shown.count >= 300, "the 300 reused-connection calls at least")
        // Each call the client made with arguments appears with exactly those arguments (the driver notes the
        // 200 kB argument of `sizeOf` by its length only).
        let sent = run.truth.filter { $0["phase"] as? String != "big" }.compactMap { $0["sent"] }
        for entry in shown.prefix(50) {
            let arguments = try JSONSerialization.jsonObject(with: Data(entry.arguments!.utf8))
            if entry.method == "sizeOf" {
                #expect(((arguments as? [Any])?.first as? String)?.count == 200_000, "the 200 kB argument is whole")
                continue
            }
            #expect(sent.contains { jsonMatches(arguments, $0) }, "\(entry.method ?? "") \(entry.arguments!.prefix(200))")
        }
    }

    @Test("one connection carries every call; it is counted as Triple, not as non-Dubbo bytes")
    func connectionCounted() throws {
        let run = try Self.run.get()
        #expect(run.summary.nonDubboConnections == 0 && run.summary.dubboConnections == 0)
        #expect(run.records.allSatisfy { $0["protocol"] as? String == "triple" })
        #expect(run.records.contains { $0["kind"] as? String == "heartbeat" }, "grpc's PINGs are timed")
        // The summary's per-kind line counts Triple records as it counts dubbo's.
        let kinds = Dictionary(grouping: run.records) { $0["kind"] as? String ?? "" }.mapValues(\.count)
        let unanswered = run.records.filter { $0["kind"] as? String == "call" && $0["outcome"] as? String == "no_response" }.count
        #expect(run.summary.correlation.calls + run.summary.correlation.noResponse == kinds["call"] ?? 0)
        #expect(run.summary.correlation.noResponse == unanswered)
        #expect(run.summary.correlation.heartbeats == kinds["heartbeat"] ?? 0)
        #expect(run.summary.correlation.orphanResponses == kinds["orphan_response"] ?? 0)
        // grpcio's encoder indexes every field, so in its stride a method's request, `:status 200` and the trailers
        // come again byte for byte and are answered without HPACK decoding (the calls above match tshark all the same).
        let triple = run.summary.triple
        #expect(triple.headerBlocks >= 2 * Int64(kinds["call"] ?? 0) && triple.reusedHeaderBlocks * 4 > triple.headerBlocks * 3,
                "\(triple.reusedHeaderBlocks) of \(triple.headerBlocks) header blocks reused")
    }

    /// Runs a capture tool (editcap, mergecap, tcprewrite) and the analysis over its output.
    static func transformed(_ run: Run, _ tool: String, _ arguments: (String, String) -> [String]) throws -> Captures.Result {
        try transformedCapture(run, tool, arguments).result
    }

    /// `transformed`, also giving the capture the tool wrote.
    static func transformedCapture(
        _ run: Run, _ tool: String, _ arguments: (String, String) -> [String]
    ) throws -> (result: Captures.Result, capture: Data) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triple-cut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.pcap").path
        let output = folder.appendingPathComponent("out.pcap").path
        try run.pcap.write(to: URL(fileURLWithPath: input))
        let outcome = try Subprocess.run("/usr/bin/env", [tool] + arguments(input, output), timeout: 60)
        guard outcome.status == 0 else {
            throw Captures.MissingFile(path: "\(tool) failed (\(outcome.status)): \(outcome.error.suffix(400)) (apt-get install tshark tcpreplay)")
        }
        let result = try Captures.analyze([output], options: RecordRenderOptions(maxValueBytes: 1 << 20))
        return (result, try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// Capture time, in seconds, of the first packet of a little-endian pcap file (µs or ns resolution).
    static func firstPacketTime(_ pcap: Data) -> Double? {
        guard pcap.count >= 32 else { return nil }
        func word(_ offset: Int) -> UInt32 {
            pcap.dropFirst(offset).prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        let divisor: Double
        switch word(0) {
        case 0xA1B2_C3D4: divisor = 1e6
        case 0xA1B2_3C4D: divisor = 1e9
        default: return nil
        }
        return Double(word(24)) + Double(word(28)) / divisor
    }

    /// The capture with the server's port moved below (1) or above (65001) every ephemeral client port: the roles
    /// of a connection picked up mid-stream are first guessed from ports, right in one and wrong in the other.
    nonisolated(unsafe) static let portOrders: Result<[Bool: Run], any Error> = Result {
        let original = try Self.run.get()
        var moved: [Bool: Run] = [:]
        for serverPortBelow in [true, false] {
            let port = serverPortBelow ? 1 : 65_001
            let (result, capture) = try transformedCapture(original, "tcprewrite") { input, output in
                ["--portmap=\(original.port):\(port)", "--infile=\(input)", "--outfile=\(output)"]
            }
            moved[serverPortBelow] = Run(
                records: result.records, truth: original.truth, reference: original.reference, summary: result.summary,
                pcap: capture, port: port)
        }
        return moved
    }

    /// Where the cut falls decides what the first deliveries hold (a frame's tail, a lone PING or WINDOW_UPDATE, an
    /// ACK without payload); several cuts are tried so that none of these can pass or fail by luck. Each cut is
    /// tried with the server's port below and above the client's, so the port guess is wrong in one of the two.
    @Test("picked up mid-connection: later calls are all reported; names are right or null, never guessed",
          arguments: [200, 201, 202, 203, 205, 230, 260, 400], [true, false])
    func midstreamNeverGuesses(firstKept: Int, serverPortBelow: Bool) throws {
        let run = try #require(try Self.portOrders.get()[serverPortBelow])
        let full = Self.calls(run)
        #expect(full.count == Self.calls(try Self.run.get()).count, "the moved capture decodes like the original")
        let label = "cut \(firstKept), server port \(serverPortBelow ? "below" : "above") the client's"
        // Keep packets from `firstKept` on: the connection's start (preface, SETTINGS, early header blocks) is gone.
        let (cut, cutCapture) = try Self.transformedCapture(run, "editcap") { input, output in
            ["-F", "pcap", "-r", input, output, "\(firstKept)-1000000"]
        }
        let calls = cut.records.filter { $0["kind"] as? String == "call" }
        // Every call whose request began after the first kept packet must be reported (tshark-free truth: the full run).
        let start = try #require(Self.firstPacketTime(cutCapture), "\(label): no first packet time")
        let later = full.filter { ($0.value["request_ts"] as? Double ?? 0) > start }
        #expect(later.count > 100, "\(label): \(later.count) calls begin after the cut")
        let reported = Set(calls.compactMap { $0["request_id"] as? Int })
        #expect(later.keys.allSatisfy { reported.contains($0) },
                "\(label): \(later.keys.filter { !reported.contains($0) }.count) later calls missing")
        var incomplete = 0
        for record in calls {
            let id = record["request_id"] as? Int ?? -1
            #expect(full[id] != nil, "\(label): stream \(id) was not in the full capture")
            let quality = record["quality"] as? [String] ?? []
            if quality.contains("headers_incomplete") {
                incomplete += 1
                #expect(record["service"] is NSNull && record["method"] is NSNull, "\(label) stream \(id): a name was guessed")
            }
            for key in ["service", "method", "version", "group", "remote_application"] where !(record[key] is NSNull) {
                #expect(record[key] as? String == full[id]?[key] as? String, "\(label) stream \(id) \(key)")
            }
            #expect(record["server"] as? String == full[id]?["server"] as? String, "\(label) stream \(id): roles")
            if let status = record["status"] as? Int { #expect(status == full[id]?["status"] as? Int, "\(label) stream \(id) status") }
            #expect(Self.sameTime(record["request_ts"], full[id]?["request_ts"]), "\(label) stream \(id) request_ts")
        }
        #expect(incomplete > 0, "\(label): grpc's header blocks index earlier fields, so some must be undecodable")
        #expect(cut.summary.tripleConnections == 1 && cut.summary.nonDubboConnections == 0, "\(label)")
    }

    @Test("dubbo and Triple on the same server port: each connection is told apart by its first bytes")
    func sharedPort() throws {
        let run = try Self.run.get()
        let dubbo = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let expected = try String(contentsOfFile: Captures.fixtures.appendingPathComponent("basic.expected.jsonl").path,
                                  encoding: .utf8).split(separator: "\n").count
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triple-mix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let moved = folder.appendingPathComponent("dubbo-moved.pcap").path
        let rewrite = try Subprocess.run("/usr/bin/env", [
            "tcprewrite", "--portmap=20880:\(run.port)", "--infile=\(dubbo)", "--outfile=\(moved)",
        ], timeout: 60)
        guard rewrite.status == 0 else { throw Captures.MissingFile(path: "tcprewrite failed: \(rewrite.error)") }
        let (mixed, mixedCapture) = try Self.transformedCapture(run, "mergecap") { input, output in
            ["-F", "pcap", "-w", output, input, moved]
        }
        let dubboRecords = mixed.records.filter { $0["protocol"] as? String == "dubbo" }
        let tripleCalls = mixed.records.filter { $0["protocol"] as? String == "triple" && $0["kind"] as? String == "call" }
        #expect(dubboRecords.count == expected)
        #expect(dubboRecords.allSatisfy { ($0["server"] as? String)?.hasSuffix(":\(run.port)") == true })
        #expect(tripleCalls.count == Self.calls(run).count)
        #expect(mixed.summary.tripleConnections == 1)
        // The report says how the calls travelled: totals by protocol, and Triple groups marked.
        let mixedPath = folder.appendingPathComponent("mixed.pcap").path
        try mixedCapture.write(to: URL(fileURLWithPath: mixedPath))
        let report = OfflineReport().run(paths: [mixedPath]).report
        let dubboCalls = mixed.records.filter {
            $0["protocol"] as? String == "dubbo" && ["call", "oneway", "orphan_response"].contains($0["kind"] as? String ?? "")
        }.count
        #expect(report.totals.tripleCalls == tripleCalls.count + mixed.records.filter {
            $0["protocol"] as? String == "triple" && $0["kind"] as? String == "orphan_response"
        }.count)
        #expect(report.totals.dubboCalls == dubboCalls)
        let text = report.rendered(as: .text)
        #expect(text.contains("Protocols: dubbo \(dubboCalls) calls, triple \(report.totals.tripleCalls) calls"))
        #expect(report.groups.contains { $0.protocolMark == "triple" } && text.contains(" [triple]"))
        #expect(report.groups.filter { $0.protocolMark == nil }.allSatisfy { $0.tripleCalls == 0 && $0.calls > 0 })
    }
}
