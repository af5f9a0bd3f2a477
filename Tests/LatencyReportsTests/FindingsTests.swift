import Foundation
import Correlation
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers
@testable import LatencyReports
import TestSupport
import Testing

@Suite("Findings")
struct FindingsTests {
    static let slowServer = Endpoint(address: IPAddress(10, 0, 0, 10), port: 20_880)

    static func call(_ change: (inout CallFactory.Call) -> Void = { _ in }) -> CallFactory.Call {
        var call = CallFactory.Call()
        change(&call)
        return call
    }

    static func record(_ call: CallFactory.Call, attachments: [(String, HessianValue)] = []) -> CallRecord {
        var record = CallFactory.record(call)
        if !attachments.isEmpty {
            record.request?.attachments = HessianMap(entries: attachments.map {
                HessianMapEntry(key: .string($0.0), value: $0.1)
            })
        }
        return record
    }

    static func report(_ records: [CallRecord]) -> LatencyReport { ReportAggregatorTests.aggregate(records) }

    /// 100 clean calls spread over two providers with the same speed.
    static func cleanCalls() -> [CallRecord] {
        (0..<100).map { index in
            record(call {
                $0.id = Int64(index)
                $0.start = Int64(index) * 10_000
                $0.server = 2_000 + Int64(index % 7) * 10
                $0.serverEndpoint = index % 2 == 0 ? CallFactory.server : slowServer
            })
        }
    }

    @Test("a clean capture gives no finding")
    func clean() {
        #expect(Self.report(Self.cleanCalls()).findings.isEmpty)
    }

    @Test("calls answered after the timeout: the provider's own time when server time alone passed it")
    func lateByProvider() throws {
        var records = Self.cleanCalls()
        for index in 0..<3 {
            records.append(Self.record(Self.call {
                $0.id = 1_000 + Int64(index)
                $0.start = 2_000_000
                $0.requestTransfer = 100
                $0.server = 150_000
            }, attachments: [("timeout", .string("100"))]))
        }
        let finding = try #require(Self.report(records).findings.first)
        #expect(finding.kind == "timeout_exceeded")
        #expect(finding.subject == "com.example.OrderService.place")
        #expect(finding.figure("calls") == 3)
        #expect(finding.figure("timeout_ms") == 100)
        #expect(finding.figure("server_ms") == 150)
        #expect(finding.figure("wire_ms") == 150.1)
        #expect(finding.figure("calls_server_over_timeout") == 3)
        #expect(finding.statement.contains("the provider's own time"))
    }

    @Test("calls answered after the timeout: outside the provider when the transfer took the time")
    func lateByWire() throws {
        let record = Self.record(Self.call {
            $0.requestTransfer = 90_000
            $0.server = 20_000
        }, attachments: [("timeout", .int(100))])
        let finding = try #require(Self.report([record]).findings.first)
        #expect(finding.kind == "timeout_exceeded")
        #expect(finding.figure("wire_ms") == 110)
        #expect(finding.figure("server_ms") == 20)
        #expect(finding.figure("calls_server_over_timeout") == 0)
        #expect(finding.statement.contains("time outside the provider"))
    }

    @Test("unanswered calls, and thread-pool exhaustion with its time span, per provider endpoint")
    func unansweredAndExhausted() throws {
        var records: [CallRecord] = []
        records.append(Self.record(Self.call { $0.server = nil; $0.id = 1 }))
        records.append(Self.record(Self.call { $0.server = nil; $0.id = 2; $0.start = 5_000 }))
        for index in 0..<4 {
            records.append(Self.record(Self.call {
                $0.id = 10 + Int64(index)
                $0.start = 1_000_000 + Int64(index) * 250_000
                $0.status = 100
                $0.errorMessage = "Thread pool is EXHAUSTED!"
                $0.serverEndpoint = Self.slowServer
            }))
        }
        let findings = Self.report(records).findings
        #expect(findings.map(\.kind) == ["thread_pool_exhausted", "no_response"])
        let exhausted = findings[0]
        #expect(exhausted.subject == "10.0.0.10:20880")
        #expect(exhausted.figure("calls") == 4)
        #expect(exhausted.figure("span_seconds") == 0.75)
        #expect(exhausted.figure("first_ts") == 1_700_000_001)
        let unanswered = findings[1]
        #expect(unanswered.subject == "10.0.0.9:20880")
        #expect(unanswered.figure("calls") == 2)
    }

    @Test("payload-limit rejections (status 25) and bodies near the limit")
    func payload() throws {
        let records = [
            Self.record(Self.call {
                $0.status = 25
                $0.errorMessage = "Data length too large: 9000000, max payload: 8388608"
            }),
            Self.record(Self.call { $0.id = 2; $0.requestBytes = 7_800_000 }),
            Self.record(Self.call { $0.id = 3; $0.status = 25; $0.errorMessage = "some other serialization error" }),
        ]
        let findings = Self.report(records).findings
        #expect(findings.map(\.kind) == ["payload_limit", "payload_near_limit"])
        #expect(findings[0].figure("calls") == 1)
        #expect(findings[1].figure("calls") == 1)
        #expect(findings[1].figure("limit_bytes") == 8_388_608)
    }

    @Test("provider decode failures (40) and missing services (70 Not found exported service)")
    func decodeAndMissing() throws {
        let records = [
            Self.record(Self.call { $0.status = 40; $0.errorMessage = "Fail to decode request" }),
            Self.record(Self.call {
                $0.id = 2
                $0.service = "com.example.Gone"
                $0.status = 70
                $0.errorMessage = "Not found exported service: com.example.Gone:20880"
            }),
            Self.record(Self.call { $0.id = 3; $0.status = 70; $0.errorMessage = "java.lang.IllegalStateException" }),
        ]
        let findings = Self.report(records).findings
        #expect(Set(findings.map(\.kind)) == ["provider_decode_failure", "service_not_found"])
        let missing = try #require(findings.first { $0.kind == "service_not_found" })
        #expect(missing.subject == "com.example.Gone")
        #expect(missing.figure("calls") == 1)
    }

    @Test("head-of-line blocking: calls that waited behind a large response on the shared connection")
    func headOfLine() throws {
        let records = [
            // A 2 MiB response sent from 1 ms to 51 ms.
            Self.record(Self.call { $0.id = 1; $0.server = 1_000; $0.responseTransfer = 50_000; $0.responseBytes = 2 << 20 }),
            // Its request ended at 10 ms; its answer could only start after the large one, at 51 ms.
            Self.record(Self.call { $0.id = 2; $0.start = 10_000; $0.server = 41_000 }),
        ]
        let finding = try #require(Self.report(records).findings.first)
        #expect(finding.kind == "head_of_line_blocking")
        #expect(finding.figure("calls") == 1)
        #expect(finding.figure("waited_ms") == 41)
    }

    @Test("a provider slower than its peers for the same method")
    func slowProvider() throws {
        var records = Self.cleanCalls()
        for index in 0..<10 {
            let third = Endpoint(address: IPAddress(10, 0, 0, 11), port: 20_880)
            records.append(Self.record(Self.call {
                $0.id = 500 + Int64(index)
                $0.server = 9_000
                $0.serverEndpoint = third
            }))
        }
        let finding = try #require(Self.report(records).findings.first)
        #expect(finding.kind == "slow_provider")
        #expect(finding.subject == "10.0.0.11:20880")
        #expect(finding.figure("server_ms") == 9)
        #expect(finding.figure("peers") == 2)
    }

    @Test("callers of each provider from the remote.application attachment")
    func callers() throws {
        let records = [
            Self.record(Self.call { $0.id = 1 }, attachments: [("remote.application", .string("order-web"))]),
            Self.record(Self.call { $0.id = 2 }, attachments: [("remote.application", .string("order-web"))]),
            Self.record(Self.call { $0.id = 3 }, attachments: [("remote.application", .string("billing"))]),
        ]
        let finding = try #require(Self.report(records).findings.first)
        #expect(finding.kind == "callers")
        #expect(finding.statement == "10.0.0.9:20880 is called by order-web (2 calls), billing (1 calls).")
        #expect(finding.figure("applications") == 2)
    }

    @Test("the JSON report carries the findings with kind, subject, statement and figures; the text report leads with them")
    func formats() throws {
        let record = Self.record(Self.call { $0.status = 100 })
        let report = Self.report([record])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings[0]["kind"] as? String == "thread_pool_exhausted")
        #expect((findings[0]["figures"] as? [String: Any])?["calls"] as? Double == 1)
        let text = report.text()
        let findingsAt = try #require(text.range(of: "Findings, most important first"))
        let latencyAt = try #require(text.range(of: "Latency by"))
        #expect(findingsAt.lowerBound < latencyAt.lowerBound)
        #expect(text.contains("[thread_pool_exhausted] 10.0.0.9:20880 rejected 1 call(s)"))
    }

    @Test("memory is bounded: past the subject limit new providers are counted, not kept")
    func bounded() {
        var accumulator = FindingsAccumulator()
        for index in 0..<(FindingsAccumulator.maxSubjects + 10) {
            var call = CallFactory.Call()
            call.server = nil
            call.serverEndpoint = Endpoint(address: IPAddress(10, 1, UInt8(index / 256), UInt8(index % 256)), port: 20_880)
            accumulator.add(CallFactory.record(call), nearLimitBytes: 0)
        }
        #expect(accumulator.untracked == 10)
        #expect(accumulator.findings(connections: [], payloadLimitBytes: 0).count == FindingsAccumulator.maxSubjects)
    }
}

@Suite("Findings in a baseline comparison")
struct FindingsComparisonTests {
    @Test("findings that appeared or disappeared are listed, matched by kind and subject")
    func appearedAndDisappeared() throws {
        var exhausted = CallFactory.Call()
        exhausted.status = 100
        let clean = FindingsTests.report(FindingsTests.cleanCalls())
        let broken = FindingsTests.report(FindingsTests.cleanCalls() + [CallFactory.record(exhausted)])
        let worse = ReportComparison(baseline: clean, current: broken)
        #expect(worse.findingsAppeared.map(\.kind) == ["thread_pool_exhausted"])
        #expect(worse.findingsDisappeared.isEmpty)
        let better = ReportComparison(baseline: broken, current: clean)
        #expect(better.findingsAppeared.isEmpty)
        #expect(better.findingsDisappeared.map(\.subject) == ["10.0.0.9:20880"])
        let same = ReportComparison(baseline: broken, current: broken)
        #expect(same.findingsAppeared.isEmpty && same.findingsDisappeared.isEmpty)

        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(worse.json().utf8)) as? [String: Any])
        let appeared = try #require(json["findings_appeared"] as? [[String: Any]])
        #expect(appeared.first?["kind"] as? String == "thread_pool_exhausted")
        #expect((json["findings_disappeared"] as? [Any])?.isEmpty == true)
        #expect(worse.text().contains("Findings that appeared\n  [thread_pool_exhausted] 10.0.0.9:20880 rejected 1 call(s)"))
        #expect(better.html().contains("<section id=\"findings-disappeared\">"))
    }
}
