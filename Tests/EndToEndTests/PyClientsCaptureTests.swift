import Foundation
import DubboWire
import AnalysisPipeline
import LatencyReports
import RecordFormats
import RegistryJoin
import Testing

/// `pyclients-loopback`: real traffic between independent Python Dubbo stacks, with a reference decode of every
/// frame made by python-hessian and cross-checked with Caucho Hessian (`../shared/captures/README.md`).
@Suite("pyclients-loopback capture")
struct PyClientsCaptureTests {
    static let base = Captures.shared.appendingPathComponent("generated/pyclients-loopback")

    static func referenceFrames() throws -> [[String: Any]] {
        let path = try Captures.required(base.appendingPathExtension("frames.jsonl"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    static func endpoints(_ connection: String) -> (String, String) {
        let parts = connection.components(separatedBy: " -> ")
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }

    static func sameTime(_ a: Any?, _ b: Any?) -> Bool {
        guard let a = a as? Double, let b = b as? Double else { return false }
        return abs(a - b) < 0.000_001_5
    }

    @Test("every reference frame is found with the same fields", arguments: ["pcap", "pcapng"])
    func everyFrameFound(format: String) throws {
        let capture = try Captures.required(Self.base.appendingPathExtension(format))
        // Values up to 1 MiB of JSON, so the 150 kB request and the 100 000-char response are shown whole.
        let result = try Captures.analyze([capture], options: RecordRenderOptions(maxValueBytes: 1 << 20))
        let frames = try Self.referenceFrames()
        #expect(frames.count == 65)
        for frame in frames {
            let (source, destination) = Self.endpoints(frame["conn"] as? String ?? "")
            let id = (frame["request_id"] as? NSNumber)?.int64Value
            let label = "\(frame["conn"] ?? "") #\(id.map(String.init) ?? "?") \(frame["kind"] ?? "")"
            if frame["kind"] as? String == "request" {
                let match = result.records.first {
                    $0["client"] as? String == source && $0["server"] as? String == destination
                        && ($0["request_id"] as? NSNumber)?.int64Value == id && Self.sameTime($0["request_ts"], frame["ts"])
                }
                guard let record = match else {
                    Issue.record("request not found: \(label)")
                    continue
                }
                #expect((record["request_bytes"] as? Int) == frame["body_len"] as? Int, "\(label)")
                if frame["event"] as? Bool == true {
                    #expect(record["kind"] as? String == "heartbeat", "\(label)")
                    continue
                }
                #expect(record["kind"] as? String == (frame["twoway"] as? Bool == true ? "call" : "oneway"), "\(label)")
                #expect(record["dubbo_version"] as? String == frame["dubbo_version"] as? String, "\(label)")
                #expect(record["service"] as? String == frame["path"] as? String, "\(label)")
                #expect(record["version"] as? String == frame["version"] as? String, "\(label)")
                #expect(record["method"] as? String == frame["method"] as? String, "\(label)")
                #expect(jsonMatches(record["arguments"], frame["args"]), "\(label) arguments")
                #expect(jsonMatches(record["attachments"], frame["attachments"]), "\(label) attachments")
                let types = (frame["param_types"] as? String).flatMap { ParameterDescriptor.javaNames($0) }
                #expect((record["parameter_types"] as? [String]) == types, "\(label) parameter types")
            } else {
                let match = result.records.first {
                    $0["server"] as? String == source && $0["client"] as? String == destination
                        && ($0["request_id"] as? NSNumber)?.int64Value == id && Self.sameTime($0["response_ts"], frame["ts"])
                }
                guard let record = match else {
                    Issue.record("response not found: \(label)")
                    continue
                }
                #expect((record["response_bytes"] as? Int) == frame["body_len"] as? Int, "\(label)")
                let status = Int((frame["status"] as? String ?? "").prefix { $0.isNumber })
                #expect(record["status"] as? Int == status, "\(label)")
                let values = frame["values"] as? [Any] ?? []
                if frame["truncated"] != nil {
                    #expect((record["quality"] as? [String]) == ["truncated", "partial_body"], "\(label)")
                    // The reference decoder read the result flag from the captured head as well; the value was cut,
                    // so nothing of it is shown.
                    let flag = (frame["result_flag"] as? String).flatMap { Int($0.prefix { $0.isNumber }) }
                    let result: String? = switch flag {
                    case 1, 4: "value"
                    case 2, 5: "null"
                    case 0, 3: "exception"
                    default: nil
                    }
                    #expect(record["result"] as? String == result, "\(label): the flag from the head")
                    #expect(record["return_value"] is NSNull && (values.isEmpty), "\(label): nothing invented")
                    continue
                }
                if frame["event"] as? Bool == true {
                    #expect(record["kind"] as? String == "heartbeat", "\(label)")
                    continue
                }
                guard status == 20 else {
                    #expect(record["outcome"] as? String == "error", "\(label)")
                    #expect(jsonMatches(record["error_message"], values.first), "\(label) message")
                    continue
                }
                let flag = Int((frame["result_flag"] as? String ?? "").prefix { $0.isNumber }) ?? -1
                switch flag {
                case 0, 3:
                    #expect(record["outcome"] as? String == "exception", "\(label)")
                    let exception = values.first as? [String: Any]
                    let expected = "\(exception?["$class"] ?? ""): \(exception?["detailMessage"] ?? "")"
                    #expect(record["exception"] as? String == expected, "\(label)")
                    if flag == 3 { #expect(jsonMatches(record["response_attachments"], values.last), "\(label)") }
                case 1, 4:
                    #expect(record["result"] as? String == "value", "\(label)")
                    if record["method"] as? String == "download" {
                        // The reference decoder gets this chunked string wrong (97 436 chars, a 'z' missing). Parsed
                        // by hand, the body is 'R' 32768 ×3 + 'S' 1696: 100 000 UTF-16 units of a 39-char pattern.
                        let value = record["return_value"] as? String ?? ""
                        #expect(value.utf16.count == 100_000, "\(label)")
                        #expect(value.hasPrefix("0123456789abcdefghijklmnopqrstuvwxyzé中 0123"), "\(label)")
                        continue
                    }
                    #expect(jsonMatches(record["return_value"], values.first), "\(label) value")
                    if flag == 4 { #expect(jsonMatches(record["response_attachments"], values.last), "\(label)") }
                case 2, 5:
                    #expect(record["result"] as? String == "null", "\(label)")
                    #expect(record["return_value"] is NSNull, "\(label)")
                    if flag == 5 { #expect(jsonMatches(record["response_attachments"], values.first), "\(label)") }
                default:
                    Issue.record("unexpected result flag in reference: \(label)")
                }
            }
        }
    }

    @Test("counts: 34 records, the telnet connection gives none, the unanswered request is reported")
    func counts() throws {
        let capture = try Captures.required(Self.base.appendingPathExtension("pcap"))
        let result = try Captures.analyze([capture])
        let kinds = result.records.map { $0["kind"] as? String ?? "" }
        #expect(result.records.count == 34)
        #expect(kinds.filter { $0 == "call" }.count == 26)  // 25 answered, 1 whose response was cut off
        #expect(kinds.filter { $0 == "heartbeat" }.count == 7)
        #expect(kinds.filter { $0 == "oneway" }.count == 1)
        #expect(result.summary.nonDubboConnections == 1)
        #expect(result.summary.streams.frames == 65)
        #expect(result.summary.streams.syncLosses == 0)
        let unanswered = result.records.filter { $0["outcome"] as? String == "no_response" }
        #expect(unanswered.map { $0["method"] as? String } == ["nosuch"])
        #expect(result.problems.unreadableFiles.isEmpty && result.problems.readErrors.isEmpty)
    }

    @Test("latencies are response first byte minus request first byte")
    func latencies() throws {
        let capture = try Captures.required(Self.base.appendingPathExtension("pcap"))
        let result = try Captures.analyze([capture])
        let slow = result.records.first { $0["method"] as? String == "slow" }
        // Request 1795303779.642845, response 1795303779.993356 (frames.jsonl).
        #expect(slow?["latency_us"] as? Int == 350_511)
        let first = result.records.first
        #expect(first?["latency_us"] as? Int == 445)
        #expect(first?["request_id"] as? Int == 0)
    }
}
