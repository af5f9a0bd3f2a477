import Correlation
import Foundation
import Hessian2
import InspectorCore
@testable import LatencyReports
import RecordFormats
import RegistryJoin
import TestSupport
import Testing

@Suite("report formats")
struct ReportFormatTests {
    static let hostileService = "<script>alert(1)</script>"

    /// Calls on a normal service, one with hostile names, and one whose names carry CSV and terminal traps.
    static func report(includePayload: Bool = true) -> LatencyReport {
        var records = ReportAggregatorTests.mixedCalls()
        var hostile = CallFactory.Call()
        hostile.service = hostileService
        hostile.method = "x\"onmouseover=\"alert(2)"
        hostile.arguments = [.string("</code><img src=x onerror=alert(3)>")]
        hostile.server = 50_000_000
        hostile.start = 1_000
        records.append(CallFactory.record(hostile))
        var tricky = CallFactory.Call()
        tricky.service = "=HYPERLINK(\"http://evil\"),a\nb"
        tricky.method = "\u{1B}[2Jclear"
        tricky.start = 2_000
        tricky.status = 70
        records.append(CallFactory.record(tricky))
        var configuration = ReportConfiguration(includePayload: includePayload)
        configuration.slowestCount = 5
        var aggregator = ReportAggregator(configuration: configuration)
        for record in records { aggregator.add(record) }
        return aggregator.finish(
            inputFiles: ["a.pcap"],
            captureQuality: CaptureQualitySummary(rows: [
                .init(key: "packets", label: "packets", value: 12_000, concern: false),
                .init(key: "gaps", label: "TCP gaps", value: 2, concern: true),
            ]))
    }

    // MARK: JSON

    static func object(_ any: Any?) throws -> [String: Any] {
        try #require(any as? [String: Any])
    }

    @Test("JSON parses, has the documented keys with their types, and carries the report's numbers")
    func jsonRoundTrip() throws {
        let report = Self.report()
        let root = try Self.object(try JSONSerialization.jsonObject(with: Data(report.json().utf8)))
        let topKeys: Set<String> = [
            "schema", "schema_version", "group_by", "precision", "interval_s", "requested_interval_s", "first_ts",
            "last_ts", "duration_s", "files", "payload_included", "payload_limit_bytes", "near_limit_bytes",
            "large_response_bytes", "totals", "groups", "series", "findings", "connections", "service_map", "slowest",
            "capture_quality", "limits_hit",
        ]
        #expect(Set(root.keys) == topKeys)
        #expect(root["schema"] as? String == "dubbo-inspect/latency-report")
        #expect(root["schema_version"] as? Int == 1)
        let precision = try Self.object(root["precision"])
        #expect(precision["significant_digits"] as? Int == 2)
        #expect(precision["max_relative_error"] as? Double == 1.0 / 128)
        let groups = try #require(root["groups"] as? [[String: Any]])
        #expect(groups.count == report.groups.count)
        let groupKeys: Set<String> = [
            "label", "service", "method", "provider", "consumer", "calls", "calls_per_s", "oneway", "errors",
            "errors_by_status", "exceptions", "exceptions_by_class", "no_response", "orphan_responses",
            "records_with_quality_flags", "serialization_not_registered", "calls_by_protocol", "failure_rate", "latency_us", "server_us", "transfer_us",
            "request_transfer_mean_us", "response_transfer_mean_us", "request_bytes", "response_bytes", "first_ts",
            "last_ts", "slow_since", "latency_histogram", "series", "slowest",
        ]
        let statsKeys: Set<String> = ["count", "min", "mean", "p50", "p90", "p99", "p999", "max", "total"]
        for (json, group) in zip(groups, report.groups) {
            #expect(Set(json.keys) == groupKeys)
            #expect(json["service"] as? String == group.service)
            #expect(json["method"] as? String == group.method)
            #expect(json["provider"] is NSNull)
            #expect(json["calls"] as? Int == group.calls)
            #expect(json["errors"] as? Int == group.errors)
            #expect(json["no_response"] as? Int == group.noResponse)
            let latency = try Self.object(json["latency_us"])
            #expect(Set(latency.keys) == statsKeys)
            for (key, value) in [("min", group.latency.min), ("p50", group.latency.p50), ("p90", group.latency.p90),
                                 ("p99", group.latency.p99), ("p999", group.latency.p999), ("max", group.latency.max)] {
                #expect((latency[key] as? NSNumber)?.int64Value == value, "\(group.label) \(key)")
            }
            #expect(latency["mean"] is Double || latency["mean"] is NSNumber)
            let bytes = try Self.object(json["request_bytes"])
            #expect(Set(bytes.keys) == statsKeys.union(["near_limit", "too_large"]))
            let series = try #require(json["series"] as? [[String: Any]])
            #expect(series.count == group.series.count)
            #expect(Set(series.first?.keys.map { $0 } ?? []) ==
                    ["ts", "calls", "errors", "exceptions", "no_response", "p50_us", "p99_us", "server_mean_us"])
        }
        let hostile = try #require(groups.first { $0["service"] as? String == Self.hostileService })
        #expect(hostile["method"] as? String == "x\"onmouseover=\"alert(2)")
        let quality = try Self.object(root["capture_quality"])
        #expect((quality["concerns"] as? [String]) == ["gaps"])
        #expect(try Self.object(quality["counters"])["packets"] as? Int == 12_000)
    }

    @Test("JSON keys come in a fixed order, so equal reports give equal text")
    func jsonStable() {
        let first = Self.report().json()
        let second = Self.report().json()
        #expect(first == second)
        #expect(first.hasPrefix("{\"schema\":\"dubbo-inspect/latency-report\",\"schema_version\":1,\"group_by\":\"method\""))
    }

    // MARK: CSV

    /// RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = d }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r" {
                continue
            } else if c == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test("CSV has a header and one row per group, quotes what needs it and defuses formulas")
    func csvParses() throws {
        let report = Self.report()
        let text = report.csv()
        #expect(text.hasSuffix("\r\n"))
        let rows = Self.parseCSV(text)
        #expect(rows.first == LatencyReport.csvColumns)
        #expect(rows.count == report.groups.count + 1)
        #expect(rows.allSatisfy { $0.count == LatencyReport.csvColumns.count })
        let column = { (name: String) in LatencyReport.csvColumns.firstIndex(of: name) ?? -1 }
        for (row, group) in zip(rows.dropFirst(), report.groups) {
            #expect(row[column("calls")] == String(group.calls))
            #expect(row[column("latency_us_p99")] == group.latency.p99.map { String($0) } ?? "")
            #expect(row[column("errors")] == String(group.errors))
        }
        let tricky = try #require(rows.first { $0[column("service")].contains("HYPERLINK") })
        #expect(tricky[column("service")] == "'=HYPERLINK(\"http://evil\"),a\nb", "kept whole, neutralised")
        #expect(tricky[column("errors_by_status")] == "SERVICE_ERROR=1")
    }

    // MARK: text

    @Test("text tables fit the width by cutting the widest text column first, and sanitise wire strings")
    func textFits() throws {
        let report = Self.report()
        let text = report.text(width: 100)
        #expect(!text.contains("\u{1B}"))
        #expect(report.text(width: 200).contains("\\u{1b}[2Jclear"))
        let lines = text.split(separator: "\n")
        let tableStarts = lines.indices.filter { lines[$0].hasPrefix("method ") }
        #expect(tableStarts.count >= 4)
        for start in tableStarts {
            for line in lines[start...].prefix(report.groups.count + 1) { #expect(line.count <= 100, "\(line)") }
        }
        let latencyHeader = try #require(lines.first { $0.hasPrefix("method ") })
        #expect(latencyHeader.hasSuffix("p99.9      max"))
        // Numbers are never cut: the p99 of the slowest group shows whole.
        let slow = try #require(report.groups.first)
        #expect(text.contains(ReportNumbers.duration(microseconds: slow.latency.p99)))
        #expect(text.contains(ReportPrecision.statement))
    }

    @Test("widest-first shrinking takes from the widest column until the table fits")
    func widestFirst() {
        var table = TextTable([.text("name"), .text("host"), .number("n")])
        table.add([String(repeating: "a", count: 40), String(repeating: "b", count: 20), "12345"])
        let widths = table.widths(maxWidth: 50)
        // 40 + 20 + 5 + 4 gaps = 69: 19 characters come off the name, which stays the widest or ties.
        #expect(widths == [21, 20, 5])
        let narrower = table.widths(maxWidth: 40)
        #expect(narrower == [16, 15, 5])
        #expect(table.render(maxWidth: 40).split(separator: "\n").allSatisfy { $0.count <= 40 })
    }

    // MARK: HTML

    @Test("HTML escapes every wire string: a script-named service is text, never markup")
    func htmlEscapes() {
        let html = Self.report().html()
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("onmouseover=\"alert"))
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;/code&gt;&lt;img src=x onerror=alert(3)&gt;"))
        #expect(!html.contains("\u{1B}"))
        // Exactly one script element: ours.
        #expect(html.components(separatedBy: "<script").count == 2)
    }

    @Test("HTML is self-contained: nothing is fetched, and only its own script may run")
    func htmlSelfContained() throws {
        let html = Self.report().html()
        for pattern in ["src=\"http", "href=\"http", "src=\"//", "url(", "@import", "<link", "<iframe"] {
            #expect(!html.contains(pattern), "\(pattern)")
        }
        let hash = SHA256.base64(SHA256.digest(Array(HTMLPage.script.utf8)))
        #expect(html.contains("script-src 'sha256-\(hash)'"))
        #expect(html.contains("<script>\(HTMLPage.script)</script>"))
        #expect(html.contains("default-src 'none'"))
    }

    @Test("a huge name from the wire is cut in the HTML but kept whole in the JSON")
    func hugeNames() {
        var call = CallFactory.Call()
        call.service = String(repeating: "s", count: 100_000)
        call.method = String(repeating: "m", count: 100_000)
        var aggregator = ReportAggregator(configuration: ReportConfiguration())
        aggregator.add(CallFactory.record(call))
        let report = aggregator.finish()
        let html = report.html()
        #expect(html.utf8.count < 200_000, "\(html.utf8.count) bytes")
        #expect(html.contains(String(repeating: "s", count: 150) + "…") || html.contains(String(repeating: "s", count: 150)))
        #expect(report.json().contains(call.service + "." + call.method))
    }

    @Test("without payloads the HTML shows no arguments")
    func htmlNoPayload() {
        let html = Self.report(includePayload: false).html()
        #expect(!html.contains("item-1"))
        #expect(html.contains("Arguments left out (--no-payload)"))
    }

    @Test("SHA-256 matches the FIPS 180-2 test vectors")
    func sha256Vectors() {
        let hex = { (bytes: [UInt8]) in bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        #expect(hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(SHA256.digest(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.base64(Array("hello".utf8)) == "aGVsbG8=")
    }

    @Test("the format follows the file extension")
    func formatFromExtension() {
        #expect(ReportFormat.inferred(fromPath: "out/report.HTML") == .html)
        #expect(ReportFormat.inferred(fromPath: "r.json") == .json)
        #expect(ReportFormat.inferred(fromPath: "r.csv") == .csv)
        #expect(ReportFormat.inferred(fromPath: "dir.v2/report") == nil)
    }
}

@Suite("ReportComparison")
struct ReportComparisonTests {
    static func report(slowdown: Int64, failEvery: Int, calls: Int = 1_000) -> LatencyReport {
        var aggregator = ReportAggregator(configuration: ReportConfiguration())
        for index in 0..<calls {
            for method in ["steady", "changing"] {
                var call = CallFactory.Call()
                call.method = method
                call.id = Int64(index * 2 + (method == "steady" ? 0 : 1))
                call.start = Int64(index) * 10_000
                call.server = 2_000 + Int64(index % 50) * 20 + (method == "changing" ? slowdown : 0)
                if method == "changing", failEvery > 0, index % failEvery == 0 { call.status = 70 }
                aggregator.add(CallFactory.record(call))
            }
        }
        return aggregator.finish()
    }

    @Test("a slower, more failing group is a regression and comes first; an unchanged one is not")
    func regressionFirst() throws {
        let before = Self.report(slowdown: 0, failEvery: 0)
        let after = Self.report(slowdown: 3_000, failEvery: 20)
        let comparison = ReportComparison(baseline: before, current: after)
        let first = try #require(comparison.rows.first)
        #expect(first.method == "changing")
        #expect(first.status == .regressed)
        #expect(first.findings.contains { $0.hasPrefix("p99 +") })
        #expect(first.findings.contains { $0.hasPrefix("failure rate") })
        #expect(abs((first.failureRateChange ?? 0) - 0.05) < 1e-9)
        let steady = try #require(comparison.rows.first { $0.method == "steady" })
        #expect(steady.status == .unchanged)
        #expect(abs(steady.p99Change ?? 1) < 0.01)
    }

    @Test("small changes within noise are not regressions")
    func noiseIgnored() throws {
        let comparison = ReportComparison(baseline: Self.report(slowdown: 0, failEvery: 0),
                                          current: Self.report(slowdown: 100, failEvery: 500))
        #expect(comparison.rows.allSatisfy { $0.status != .regressed })
    }

    @Test("the comparison renders in every format with the same numbers")
    func formats() throws {
        let comparison = ReportComparison(baseline: Self.report(slowdown: 0, failEvery: 0),
                                          current: Self.report(slowdown: 3_000, failEvery: 20))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as? [String: Any])
        let groups = try #require(json["groups"] as? [[String: Any]])
        #expect(groups.first?["status"] as? String == "regressed")
        let after = try #require(groups.first?["after"] as? [String: Any])
        #expect((after["p99_us"] as? NSNumber)?.int64Value == comparison.rows.first?.after?.p99)
        let csv = ReportFormatTests.parseCSV(comparison.csv())
        #expect(csv.count == 3 && csv[1][4] == "regressed")
        #expect(comparison.text(width: 160).contains("regressed"))
        #expect(comparison.html().contains("class=\"hot\""))
    }
}
