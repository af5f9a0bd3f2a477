import Correlation
import DubboWire
import Hessian2
import Foundation
import AnalysisPipeline
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

/// `dubbo-inspect report` and `read --report` end to end: fixture captures, a generated capture of a few thousand
/// calls checked against the times it was built with, every format, compare mode, and the HTML in a real browser.
@Suite("latency reports")
struct ReportTests {
    static let output = Captures.repositoryRoot.appendingPathComponent("artifacts/report-tests")

    /// The generated captures, written once per test run.
    struct Generated: Sendable {
        var current: String
        var baseline: String
        var calls: [ReportCapture.Call]
    }

    static let generated: Result<Generated, any Error> = Result {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var current = ReportCapture(seed: 5, slowFrom: 180)
        let currentPath = output.appendingPathComponent("shop-after.pcap").path
        try current.write(to: currentPath)
        // The same traffic without the slowdown.
        var baseline = ReportCapture(seed: 5, slowFrom: nil)
        let baselinePath = output.appendingPathComponent("shop-before.pcap").path
        try baseline.write(to: baselinePath)
        return Generated(current: currentPath, baseline: baselinePath, calls: current.calls)
    }

    static func sorted(_ values: [Int64]) -> [Int64] { values.sorted() }

    /// Where two long texts part, with a little context from each (instead of both texts in full).
    static func firstDifference(_ a: String, _ b: String) -> String {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        let common = zip(x, y).prefix { $0 == $1 }.count
        let start = max(0, common - 60)
        func excerpt(_ bytes: [UInt8]) -> String { String(decoding: bytes[start..<min(bytes.count, common + 60)], as: UTF8.self) }
        return "byte \(common): …\(excerpt(x))… vs …\(excerpt(y))…"
    }

    static func expectWithinPrecision(_ summary: DistributionSummary, _ values: [Int64], _ label: String) {
        let exact = values.sorted()
        guard !exact.isEmpty else {
            #expect(summary.count == 0, "\(label)")
            return
        }
        #expect(summary.count == exact.count, "\(label) count")
        #expect(summary.min == exact.first && summary.max == exact.last, "\(label) min/max")
        for (permille, value) in [(500, summary.p50), (900, summary.p90), (990, summary.p99), (999, summary.p999)] {
            let rank = max(1, (permille * exact.count + 999) / 1000)
            let truth = exact[rank - 1]
            let ok: Bool
            if let value {
                ok = truth < 256 ? value == truth : value >= truth && Double(value - truth) <= Double(truth) / 128
            } else {
                ok = false
            }
            #expect(ok, "\(label) p\(Double(permille) / 10): reported \(value ?? -1), exact \(truth)")
        }
    }

    // MARK: Fixtures

    @Test("percentiles on the fixture captures match an exact sorted-array computation")
    func fixturePercentiles() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Captures.fixtures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            .map { Captures.fixtures.appendingPathComponent($0).path }
        #expect(fixtures.count >= 20)
        let shared = try Captures.required(Captures.shared.appendingPathComponent("generated/pyclients-loopback.pcap"))
        var groupsChecked = 0
        for path in fixtures + [shared] {
            var records: [CallRecord] = []
            let result = OfflineReport().run(paths: [path]) { records.append($0) }
            let calls = records.filter { [.call, .oneway, .orphanResponse].contains($0.kind) }
            #expect(result.report.totals.calls == calls.count, "\(path)")
            #expect(result.report.totals.heartbeats == records.filter { $0.kind == .heartbeat }.count, "\(path)")
            for group in result.report.groups {
                guard let service = group.service, let method = group.method else { continue }
                let mine = calls.filter { $0.serviceName == service && $0.methodName == method }
                #expect(group.calls == mine.count, "\(path) \(group.label)")
                Self.expectWithinPrecision(group.latency, mine.compactMap(\.latencyMicroseconds), "\(path) \(group.label)")
                Self.expectWithinPrecision(group.server, mine.compactMap(\.serverMicroseconds), "\(path) \(group.label) server")
                groupsChecked += 1
            }
        }
        #expect(groupsChecked >= 30)
    }

    @Test("""
        a report decoded as `report` decodes (arguments on demand, only the attachments records read; on the record \
        thread or not) equals one from full decoding
        """)
    func argumentsOnDemandReportsMatch() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Captures.fixtures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            .map { Captures.fixtures.appendingPathComponent($0).path }
        let shared = try Captures.required(Captures.shared.appendingPathComponent("generated/pyclients-loopback.pcap"))
        // Java consumers' attachments: tracing (EagleEye, SkyWalking's sw8) besides Dubbo's own.
        let external = Captures.shared.appendingPathComponent("external/deepflow")
        let deepflow = try FileManager.default.contentsOfDirectory(atPath: external.path).filter { $0.hasSuffix(".pcap") }
            .sorted().map { external.appendingPathComponent($0).path }
        #expect(deepflow.count >= 3)
        let generated = try Self.generated.get()
        let plan = DecodePlan(includePayload: true, showsRecords: false, keepsSlowestCalls: true, exportsSpans: false)
        #expect(plan.depth == .argumentsOnDemand && plan.requestAttachmentKeys == CallRecord.attachmentKeysRead)
        var withArguments = 0
        var attachmentsLeftOut = 0
        var attachmentFieldsRead = 0
        for path in fixtures + [shared, generated.current] + deepflow {
            var fullRecords: [CallRecord] = []
            let full = OfflineReport(analysis: OfflineAnalysis(plan: DecodePlan(depth: .full), recordsOnSecondThread: false))
                .run(paths: [path]) { fullRecords.append($0) }.report
            for onRecordThread in [true, false] {
                var records: [CallRecord] = []
                let onDemand = OfflineReport(analysis: OfflineAnalysis(plan: plan, recordsOnSecondThread: onRecordThread))
                    .run(paths: [path]) { records.append($0) }.report
                let (mine, expected) = (onDemand.rendered(as: .json, width: 100), full.rendered(as: .json, width: 100))
                #expect(mine == expected,
                        "\(path), record thread \(onRecordThread): \(Self.firstDifference(mine, expected))")
                // Nothing was decoded for the calls the report does not show.
                #expect(records.allSatisfy { $0.request?.arguments.isEmpty ?? true }, "\(path)")
                // The attachments kept are the ones the record's fields read, and they read the same.
                #expect(records.count == fullRecords.count, "\(path)")
                for (record, reference) in zip(records, fullRecords) {
                    #expect(record.group == reference.group && record.remoteApplication == reference.remoteApplication
                            && record.timeoutMilliseconds == reference.timeoutMilliseconds, "\(path) \(record.requestID)")
                    // Other serializations keep every attachment.
                    let hessian = record.serialization == .hessian2 || record.serialization == Serialization(id: 10)
                    guard !record.isTriple, hessian, let kept = record.request?.attachments,
                          let all = reference.request?.attachments else { continue }
                    let wanted = all.entries.filter { entry in
                        guard case .string(let key) = entry.key else { return false }
                        return CallRecord.attachmentKeysRead.contains(key)
                    }
                    #expect(kept.entries == wanted, "\(path) \(record.requestID)")
                    attachmentsLeftOut += all.entries.count - kept.entries.count
                    attachmentFieldsRead += kept.entries.count
                }
            }
            withArguments += full.slowest.filter { $0.arguments != nil }.count
        }
        #expect(withArguments > 100)
        #expect(attachmentsLeftOut > 10_000 && attachmentFieldsRead >= 50, "\(attachmentsLeftOut) \(attachmentFieldsRead)")
    }

    // MARK: Generated capture

    @Test("on a few thousand generated calls the report matches the times the capture was built with")
    func generatedGroundTruth() throws {
        let generated = try Self.generated.get()
        let result = OfflineReport().run(paths: [generated.current])
        let report = result.report
        #expect(result.problems.unreadableFiles.isEmpty && result.problems.readErrors.isEmpty)
        #expect(report.totals.calls == generated.calls.count)
        #expect(generated.calls.count > 3_500)
        let byLabel = Dictionary(grouping: generated.calls, by: \.label)
        #expect(Set(report.groups.map(\.label)) == Set(byLabel.keys))
        for group in report.groups {
            let calls = try #require(byLabel[group.label])
            let answered = calls.filter(\.answered)
            #expect(group.calls == calls.count, "\(group.label)")
            #expect(group.errors == calls.filter { $0.answered && $0.status != 20 }.count, "\(group.label)")
            #expect(group.exceptions == calls.filter { $0.answered && $0.status == 20 && $0.exception != nil }.count)
            #expect(group.noResponse == calls.filter { !$0.answered }.count, "\(group.label)")
            Self.expectWithinPrecision(group.latency, answered.map(\.latencyMicroseconds), group.label)
            Self.expectWithinPrecision(group.server, answered.map(\.serverMicroseconds), "\(group.label) server")
        }
        // What a person must see: placeOrder slowed down three minutes in, and it is the server's doing.
        let slow = try #require(report.slowestGroup)
        #expect(slow.label == "com.shop.OrderService.placeOrder")
        let since = try #require(slow.slowSince)
        let offset = Double(since.nanosecondsSinceEpoch - ReportCapture.start) / 1e9
        #expect(offset >= 179 && offset <= 181, "slow since \(offset) s")
        #expect((slow.server.mean ?? 0) > 10 * (slow.transfer.mean ?? 0))
        let search = try #require(report.groups.first { $0.method == "search" })
        #expect((search.transfer.mean ?? 0) > 10 * (search.server.mean ?? 0), "search spends its time on the wire")
        #expect(report.groups.first { $0.method == "reserve" }?.errorsByStatus.first?.name == "SERVICE_ERROR")
        #expect(report.connections.count == 3)
        #expect(report.connections.contains { $0.waitedBehindLargeResponse > 0 })
        #expect(report.connections.allSatisfy { $0.maxInFlight >= 2 })
        #expect(report.totals.heartbeats == 15 && report.totals.missedHeartbeats == 1)
        #expect(report.captureQuality.rows.filter { $0.concern && $0.value > 0 }.isEmpty)
        #expect(report.totals.recordsWithQualityFlags == 0)
    }

    @Test("report, JSON, CSV and HTML carry the same numbers, and read --report gives the same report")
    func formatsAgree() throws {
        let generated = try Self.generated.get()
        let json = Self.output.appendingPathComponent("report.json").path
        let csv = Self.output.appendingPathComponent("report.csv").path
        let html = Self.output.appendingPathComponent("report.html").path
        let fromRead = Self.output.appendingPathComponent("read-report.json").path
        try Tool.inspect(["report", generated.current, "--format", "json", "-o", json])
        try Tool.inspect(["report", generated.current, "-o", csv])
        try Tool.inspect(["report", generated.current, "-o", html])
        try Tool.inspect(["read", generated.current, "--format", "none", "--report", fromRead])
        let text = try Tool.inspect(["report", generated.current, "--width", "150"]).output

        let jsonText = try String(contentsOfFile: json, encoding: .utf8)
        #expect(try String(contentsOfFile: fromRead, encoding: .utf8) == jsonText, "one pass with read, same report")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        let rows = try Self.parseCSV(try String(contentsOfFile: csv, encoding: .utf8))
        let header = try #require(rows.first)
        let htmlText = try String(contentsOfFile: html, encoding: .utf8)
        #expect(rows.count == groups.count + 1)
        for (group, row) in zip(groups, rows.dropFirst()) {
            let cell = { (name: String) in header.firstIndex(of: name).map { row[$0] } ?? "?" }
            let latency = try #require(group["latency_us"] as? [String: Any])
            #expect(cell("label") == group["label"] as? String)
            #expect(cell("calls") == "\(group["calls"] ?? "")")
            #expect(cell("errors") == "\(group["errors"] ?? "")")
            for key in ["min", "p50", "p90", "p99", "p999", "max"] {
                #expect(cell("latency_us_\(key)") == (latency[key] as? NSNumber).map { "\($0.int64Value)" } ?? "")
            }
            // The HTML shows the label (escaped) and the p99 as a duration.
            let label = try #require(group["label"] as? String)
            let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            #expect(htmlText.replacingOccurrences(of: "<wbr>", with: "").contains(escaped), "\(label) in HTML")
            if let p99 = (latency["p99"] as? NSNumber)?.int64Value {
                let shown = Self.duration(p99)
                #expect(htmlText.contains(shown), "p99 \(shown) of \(label) in HTML")
                #expect(text.contains(shown), "p99 \(shown) of \(label) in text")
            }
        }
    }

    /// The text/HTML rendering of a duration, to find a JSON number in them (mirrors ReportNumbers.duration).
    static func duration(_ microseconds: Int64) -> String {
        let value = Double(microseconds)
        func fixed(_ x: Double, _ places: Int) -> String { String(format: "%.\(places)f", x) }
        func significant(_ x: Double) -> String { x < 10 ? fixed(x, 2) : (x < 100 ? fixed(x, 1) : fixed(x, 0)) }
        if value < 1_000 { return "\(microseconds) µs" }
        if value < 1_000_000 { return significant(value / 1_000) + " ms" }
        return significant(value / 1_000_000) + " s"
    }

    static func parseCSV(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        for scalar in text.unicodeScalars {
            if quoted {
                if scalar == "\"" { quoted = false; afterQuote = true } else { field.unicodeScalars.append(scalar) }
                continue
            }
            switch scalar {
            case "\"":
                if afterQuote { field.append("\"") }
                quoted = true
            case ",": row.append(field); field = ""
            case "\r": break
            case "\n": row.append(field); field = ""; rows.append(row); row = []
            default: field.unicodeScalars.append(scalar)
            }
            afterQuote = false
        }
        return rows
    }

    // MARK: Compare

    @Test("compare mode puts the method that slowed down first, as a regression", .tags(.browser))
    func compareRegressionFirst() throws {
        let generated = try Self.generated.get()
        let path = Self.output.appendingPathComponent("compare.json").path
        try Tool.inspect(["report", generated.current, "--baseline", generated.baseline, "--format", "json", "-o", path])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(root["schema"] as? String == "dubbo-inspect/latency-comparison")
        let groups = try #require(root["groups"] as? [[String: Any]])
        let first = try #require(groups.first)
        #expect(first["label"] as? String == "com.shop.OrderService.placeOrder")
        #expect(first["status"] as? String == "regressed")
        #expect((first["findings"] as? [String])?.first?.hasPrefix("p99 +") == true)
        let others = groups.dropFirst().compactMap { $0["status"] as? String }
        #expect(!others.contains("regressed"), "only placeOrder changed: \(others)")
        let html = Self.output.appendingPathComponent("compare.html").path
        try Tool.inspect(["report", generated.current, "--baseline", generated.baseline, "-o", html])
        let page = try Chromium.render(html, screenshot: Captures.repositoryRoot.appendingPathComponent("artifacts/report-compare.png").path)
        #expect(page.dom.contains("data-report-ready=\"yes\""))
    }

    // MARK: Browser

    @Test("the HTML report renders in headless Chromium without script errors, wire strings shown as text", .tags(.browser))
    func htmlInChromium() throws {
        let generated = try Self.generated.get()
        let html = Self.output.appendingPathComponent("report-browser.html").path
        try Tool.inspect(["report", generated.current, "-o", html])
        let screenshot = Captures.repositoryRoot.appendingPathComponent("artifacts/report.png").path
        let page = try Chromium.render(html, screenshot: screenshot)
        #expect(page.dom.contains("data-report-ready=\"yes\""), "the page script ran to its end")
        #expect(!page.dom.contains("data-script-errors=\""), "no script error was caught")
        #expect(!page.log.contains("Uncaught"), "no uncaught error in the browser log")
        #expect(!page.log.contains("Content Security Policy"), "the policy blocked nothing")
        #expect(page.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the hostile service name is text")
        #expect(!page.dom.contains("<script>alert(1)"), "and never an element")
        #expect(page.dom.contains("com.<wbr>shop.<wbr>OrderService.<wbr>placeOrder"))
        #expect(page.dom.contains("slow since"))
        let size = (try FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? NSNumber)?.intValue ?? 0
        #expect(size > 50_000, "a screenshot with content was saved to \(screenshot)")
    }

    @Test("a browser that cannot start fails the test with a clear message")
    func browserFailureIsLoud() {
        do {
            _ = try Chromium.render("/nonexistent.html", screenshot: nil, binary: "/nonexistent/chromium")
            Issue.record("a missing browser must not pass")
        } catch {
            #expect("\(error)".contains("chromium could not start"))
            #expect("\(error)".contains("/nonexistent/chromium"))
        }
    }

    @Test("bad options are refused with a message")
    func badOptions() throws {
        let generated = try Self.generated.get()
        let groupBy = try Tool.run(["report", generated.current, "--group-by", "colour"])
        #expect(groupBy.status != 0 && groupBy.error.contains("--group-by must be one of"))
        let interval = try Tool.run(["report", generated.current, "--interval", "-3s"])
        #expect(interval.status != 0 && interval.error.contains("--interval"))
        let byProvider = try Tool.inspect(["report", generated.current, "--group-by", "provider", "--format", "csv",
                                           "--interval", "250ms"])
        #expect(byProvider.output.contains("provider,\(ReportCapture.server.map(String.init).joined(separator: ".")):20880"))
    }
}

/// Runs the built `dubbo-inspect` next to the test bundle.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Outcome {
        var status: Int32
        var output: String
        var error: String
    }

    static func executable() throws -> String {
        guard let path = BuiltTool.dubboInspect else { throw Failure(description: BuiltTool.missing) }
        return path
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        try Subprocess.run(try executable(), arguments, timeout: 300)
    }

    /// Runs and requires success.
    @discardableResult
    static func inspect(_ arguments: [String]) throws -> Outcome {
        let outcome = try run(arguments)
        guard outcome.status == 0 else {
            throw Failure(description: "dubbo-inspect \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.error)")
        }
        return outcome
    }
}

/// Headless Chromium: the DOM after scripts ran, the browser's log, and optionally a screenshot.
enum Chromium {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Page {
        var dom: String
        var log: String
    }

    static func render(_ htmlPath: String, screenshot: String?, binary: String? = nil) throws -> Page {
        guard let browser = binary ?? Subprocess.find("chromium") ?? Subprocess.find("chromium-browser") else {
            throw Failure(description: "chromium could not start: not found on PATH (Debian's chromium; scripts/test.sh installs it)")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("report-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                      "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0", "--window-size=1400,2000"]
        let url = URL(fileURLWithPath: htmlPath).absoluteString
        let dump: Outcome
        do {
            dump = try Subprocess.run(browser, common + ["--dump-dom", url], timeout: 120)
        } catch {
            throw Failure(description: "chromium could not start (\(browser)): \(error)")
        }
        guard dump.status == 0, dump.output.contains("<html") else {
            throw Failure(description: "chromium could not start or render (\(browser)), exit \(dump.status): \(dump.error.suffix(2_000))")
        }
        if let screenshot {
            let shot = try Subprocess.run(browser, common + ["--screenshot=\(screenshot)", url], timeout: 120)
            guard shot.status == 0, FileManager.default.fileExists(atPath: screenshot) else {
                throw Failure(description: "chromium could not take a screenshot, exit \(shot.status): \(shot.error.suffix(2_000))")
            }
        }
        return Page(dom: dump.output, log: dump.error)
    }

    typealias Outcome = Tool.Outcome
}

enum Subprocess {
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a program with its output in temporary files (no pipe can fill up), killing it after `timeout` seconds.
    static func run(_ program: String, _ arguments: [String], timeout: Double) throws -> Tool.Outcome {
        let directory = FileManager.default.temporaryDirectory
        let out = directory.appendingPathComponent("report-out-\(UUID().uuidString)")
        let err = directory.appendingPathComponent("report-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Tool.Failure(description: "\(program) did not finish within \(Int(timeout)) s")
        }
        return Tool.Outcome(status: process.terminationStatus,
                            output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                            error: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

@Suite("latency reports with registry names")
struct ReportRegistryTests {
    @Test("with a registry snapshot, providers and consumers are grouped and mapped by application name")
    func applicationNames() throws {
        let snapshot = try Captures.required(Captures.repositoryRoot.appendingPathComponent("docs/registry-demo.snapshot.json"))
        let capture = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        for (grouping, name) in [("provider", "demo-provider"), ("consumer", "demo-consumer")] {
            let json = try Tool.inspect(["report", capture, "--registry-snapshot", snapshot, "--group-by", grouping,
                                         "--format", "json"]).output
            let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let groups = try #require(root["groups"] as? [[String: Any]])
            #expect(groups.map { $0["label"] as? String } == [name], "\(grouping)")
            #expect(groups.first?[grouping] as? String == name)
            let edges = try #require(root["service_map"] as? [[String: Any]])
            #expect(edges.allSatisfy { $0["consumer"] as? String == "demo-consumer" && $0["provider"] as? String == "demo-provider" })
        }
        let plain = try Tool.inspect(["report", capture, "--group-by", "provider", "--format", "csv"]).output
        #expect(plain.contains("provider,10.0.0.2:20880"), "without a registry the endpoint stands for the provider")
    }
}
