import AnalysisPipeline
import Correlation
import DubboWire
import Foundation
import LatencyReports
import TestSupport
import Testing

/// Findings on whole captures and in the HTML page a browser renders.
@Suite("findings in reports")
struct FindingsReportTests {
    static let output = Captures.repositoryRoot.appendingPathComponent("artifacts/findings-tests")

    @Test("the fixture captures give only the findings their contents justify")
    func fixturesHaveNoFalseFinding() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Captures.fixtures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(fixtures.count >= 20)
        for name in fixtures {
            let path = Captures.fixtures.appendingPathComponent(name).path
            var records: [CallRecord] = []
            let report = OfflineReport(analysis: OfflineAnalysis(plan: DecodePlan(depth: .full), recordsOnSecondThread: false))
                .run(paths: [path]) { records.append($0) }.report
            // Each finding must be backed by records of its own kind; none of these captures has a timeout overrun,
            // a slow provider or a head-of-line wait.
            for finding in report.findings {
                switch finding.kind {
                case "no_response":
                    #expect(records.contains { $0.kind == .call && $0.outcome == .noResponse }, "\(name)")
                case "thread_pool_exhausted":
                    #expect(records.contains { $0.status?.rawValue == 100 }, "\(name)")
                case "provider_decode_failure":
                    #expect(records.contains { $0.status?.rawValue == 40 }, "\(name)")
                case "service_not_found":
                    #expect(records.contains { $0.status?.rawValue == 70 }, "\(name)")
                case "payload_limit":
                    #expect(records.contains { $0.status?.rawValue == 25 }, "\(name)")
                case "callers":
                    #expect(records.contains { $0.request?.attachment("remote.application") != nil }, "\(name)")
                default:
                    Issue.record("\(name): unexpected finding \(finding.kind): \(finding.statement)")
                }
            }
            let unanswered = records.filter { $0.kind == .call && $0.outcome == .noResponse }.count
            #expect(report.findings.filter { $0.kind == "no_response" }.reduce(0) { $0 + Int($1.figure("calls") ?? 0) }
                        == unanswered, "\(name)")
        }
    }

    @Test("the HTML findings panel renders first in headless Chromium, wire strings as text")
    func findingsPanelInChromium() throws {
        try FileManager.default.createDirectory(at: Self.output, withIntermediateDirectories: true)
        var exhausted = CallFactory.Call()
        exhausted.status = 100
        exhausted.errorMessage = "Thread pool is EXHAUSTED!"
        var missing = CallFactory.Call()
        missing.id = 2
        missing.service = "<img src=x onerror=alert(1)>"
        missing.status = 70
        missing.errorMessage = "Not found exported service: <img src=x onerror=alert(1)>:20880"
        var aggregator = ReportAggregator(configuration: ReportConfiguration())
        aggregator.add(CallFactory.record(exhausted))
        aggregator.add(CallFactory.record(missing))
        let report = aggregator.finish()
        let path = Self.output.appendingPathComponent("findings.html").path
        try report.html().write(toFile: path, atomically: true, encoding: .utf8)
        let page = try Chromium.render(
            path, screenshot: Captures.repositoryRoot.appendingPathComponent("artifacts/report-findings.png").path)
        #expect(page.dom.contains("data-report-ready=\"yes\""), "the page script ran to its end")
        #expect(!page.log.contains("Uncaught"))
        let panel = try #require(page.dom.range(of: "<section id=\"findings\">"))
        let firstTable = try #require(page.dom.range(of: "<section id=\"time\">"))
        #expect(panel.lowerBound < firstTable.lowerBound, "findings come before the tables")
        #expect(page.dom.contains("data-kind=\"thread_pool_exhausted\""))
        #expect(page.dom.contains("data-kind=\"service_not_found\""))
        #expect(page.dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "the hostile service name is text")
        #expect(!page.dom.contains("<img src=x"), "and never an element")
    }
}
