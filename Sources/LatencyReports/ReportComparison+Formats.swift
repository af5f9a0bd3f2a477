import RegistryJoin
import RecordFormats
import InspectorCore

/// The comparison in the four report formats; the numbers are the same in each.
extension ReportComparison {
    public static let jsonSchemaName = "dubbo-inspect/latency-comparison"
    public static let jsonSchemaVersion = 1

    // MARK: text

    /// `width` nil: no limit (output to a file or a pipe), nothing is cut.
    public func text(width: Int? = 120) -> String {
        var out = "Dubbo latency comparison, grouped by \(grouping.rawValue)\n"
        out += "  baseline: \(baselineFiles.count) file\(baselineFiles.count == 1 ? "" : "s"), "
        out += "\(baselineTotals.calls) calls over \(baselineDuration.map { ReportNumbers.fixed($0, 1) } ?? "0") s\n"
        out += "  current:  \(currentFiles.count) file\(currentFiles.count == 1 ? "" : "s"), "
        out += "\(currentTotals.calls) calls over \(currentDuration.map { ReportNumbers.fixed($0, 1) } ?? "0") s\n"
        let regressions = rows.filter { $0.status == .regressed }.count
        out += "  \(regressions) significant regression\(regressions == 1 ? "" : "s") "
        out += "(p50/p99 up ≥ \(ReportNumbers.fixed(thresholds.latencyRatio * 100, 0)) % and ≥ \(thresholds.minimumLatencyChange) µs "
        out += "with ≥ \(thresholds.minimumCalls) answered calls each side and more calls above the old value than chance; "
        out += "failure rate up with z ≥ "
        out += "\(ReportNumbers.fixed(thresholds.failureZ, 1)))\n\n"
        var table = TextTable([
            .text("status"), .text(grouping.rawValue), .number("calls/s"), .number("Δ"), .number("fail"),
            .number("Δ pts"), .number("p50"), .number("Δ"), .number("p99"), .number("Δ"), .text("findings"),
        ])
        for row in rows {
            table.add([
                row.status.rawValue, row.label,
                Self.pair(row.before?.callsPerSecond.map(ReportNumbers.rate), row.after?.callsPerSecond.map(ReportNumbers.rate)),
                Self.relative(row.callRateChange),
                Self.pair(row.before?.failureRate.map(ReportNumbers.percent), row.after?.failureRate.map(ReportNumbers.percent)),
                row.failureRateChange.map { ($0 >= 0 ? "+" : "") + ReportNumbers.fixed($0 * 100, 2) } ?? "",
                Self.pair(row.before?.p50.map(ReportNumbers.duration(microseconds:)), row.after?.p50.map(ReportNumbers.duration(microseconds:))),
                Self.relative(row.p50Change),
                Self.pair(row.before?.p99.map(ReportNumbers.duration(microseconds:)), row.after?.p99.map(ReportNumbers.duration(microseconds:))),
                Self.relative(row.p99Change),
                row.findings.joined(separator: "; "),
            ])
        }
        out += rows.isEmpty ? "  (no calls on either side)\n" : table.render(maxWidth: width.map { max(40, $0) })
        for (title, findings) in [("Findings that appeared", findingsAppeared), ("Findings that disappeared", findingsDisappeared)]
        where !findings.isEmpty {
            out += "\n\(title)\n"
            for finding in findings {
                out += "  [\(finding.kind)] " + TerminalText.sanitize(finding.statement) + "\n"
            }
        }
        out += "\n" + ReportPrecision.statement + "\n"
        return out
    }

    static func pair(_ before: String?, _ after: String?) -> String {
        "\(before ?? "-") → \(after ?? "-")"
    }

    static func relative(_ change: Double?) -> String {
        guard let change else { return "" }
        return (change >= 0 ? "+" : "") + ReportNumbers.fixed(change * 100, 0) + " %"
    }

    // MARK: json

    public func json() -> String {
        var writer = JSONWriter(reservingCapacity: 1 << 14)
        writer.beginObject()
        writer.key("schema"); writer.string(Self.jsonSchemaName)
        writer.comma(); writer.key("schema_version"); writer.integer(Self.jsonSchemaVersion)
        writer.comma(); writer.key("group_by"); writer.string(grouping.rawValue)
        writer.comma(); writer.key("precision"); LatencyReport.writePrecision(to: &writer)
        writer.comma(); writer.key("thresholds")
        writer.beginObject()
        writer.key("minimum_calls"); writer.integer(thresholds.minimumCalls)
        writer.comma(); writer.key("latency_ratio"); writer.double(thresholds.latencyRatio)
        writer.comma(); writer.key("minimum_latency_change_us"); writer.integer(thresholds.minimumLatencyChange)
        writer.comma(); writer.key("exceedance_z"); writer.double(thresholds.exceedanceZ)
        writer.comma(); writer.key("failure_z"); writer.double(thresholds.failureZ)
        writer.comma(); writer.key("minimum_failure_change"); writer.double(thresholds.minimumFailureChange)
        writer.comma(); writer.key("call_rate_ratio"); writer.double(thresholds.callRateRatio)
        writer.endObject()
        for (name, files, duration, totals) in [
            ("baseline", baselineFiles, baselineDuration, baselineTotals), ("current", currentFiles, currentDuration, currentTotals),
        ] {
            writer.comma(); writer.key(name)
            writer.beginObject()
            writer.key("files"); writer.strings(files)
            writer.comma(); writer.key("duration_s"); writer.number(duration.map { ReportNumbers.rounded($0, 6) })
            writer.comma(); writer.key("calls"); writer.integer(totals.calls)
            writer.comma(); writer.key("failures"); writer.integer(totals.errors + totals.exceptions + totals.noResponse)
            writer.comma(); writer.key("latency_us"); totals.latency.writeJSON(to: &writer)
            writer.endObject()
        }
        writer.comma(); writer.key("groups")
        writer.array(rows) { writer, row in
            writer.beginObject()
            writer.key("label"); writer.string(row.label)
            writer.comma(); writer.key("service"); writer.optionalString(row.service)
            writer.comma(); writer.key("method"); writer.optionalString(row.method)
            writer.comma(); writer.key("status"); writer.string(row.status.rawValue)
            writer.comma(); writer.key("before"); Self.writeSide(row.before, to: &writer)
            writer.comma(); writer.key("after"); Self.writeSide(row.after, to: &writer)
            writer.comma(); writer.key("change")
            writer.beginObject()
            writer.key("calls_per_s"); writer.number(row.callRateChange.map { ReportNumbers.rounded($0, 4) })
            writer.comma(); writer.key("failure_rate"); writer.number(row.failureRateChange.map { ReportNumbers.rounded($0, 6) })
            writer.comma(); writer.key("p50"); writer.number(row.p50Change.map { ReportNumbers.rounded($0, 4) })
            writer.comma(); writer.key("p99"); writer.number(row.p99Change.map { ReportNumbers.rounded($0, 4) })
            writer.endObject()
            writer.comma(); writer.key("findings"); writer.strings(row.findings)
            writer.comma(); writer.key("severity"); writer.double(ReportNumbers.rounded(row.severity, 3))
            writer.endObject()
        }
        writer.comma(); writer.key("findings_appeared")
        writer.array(findingsAppeared) { writer, finding in finding.writeJSON(to: &writer) }
        writer.comma(); writer.key("findings_disappeared")
        writer.array(findingsDisappeared) { writer, finding in finding.writeJSON(to: &writer) }
        writer.endObject()
        writer.raw("\n")
        return writer.string
    }

    private static func writeSide(_ side: Side?, to writer: inout JSONWriter) {
        guard let side else { return writer.null() }
        writer.beginObject()
        writer.key("calls"); writer.integer(side.calls)
        writer.comma(); writer.key("calls_per_s"); writer.number(side.callsPerSecond.map { ReportNumbers.rounded($0, 3) })
        writer.comma(); writer.key("failures"); writer.integer(side.failures)
        writer.comma(); writer.key("failure_rate"); writer.number(side.failureRate.map { ReportNumbers.rounded($0, 6) })
        writer.comma(); writer.key("p50_us"); writer.optionalInteger(side.p50)
        writer.comma(); writer.key("p99_us"); writer.optionalInteger(side.p99)
        writer.endObject()
    }

    // MARK: csv

    public static let csvColumns = [
        "group_by", "label", "service", "method", "status",
        "calls_before", "calls_after", "calls_per_s_before", "calls_per_s_after", "calls_per_s_change",
        "failure_rate_before", "failure_rate_after", "failure_rate_change",
        "p50_us_before", "p50_us_after", "p50_change", "p99_us_before", "p99_us_after", "p99_change", "findings",
    ]

    public func csv() -> String {
        var text = Self.csvColumns.joined(separator: ",") + "\r\n"
        func decimal(_ value: Double?, _ places: Int) -> String { value.map { ReportNumbers.fixed($0, places) } ?? "" }
        func integer(_ value: Int64?) -> String { value.map { String($0) } ?? "" }
        for row in rows {
            let cells = [
                grouping.rawValue, CSVFormatter.text(row.label), CSVFormatter.text(row.service),
                CSVFormatter.text(row.method), row.status.rawValue,
                row.before.map { String($0.calls) } ?? "", row.after.map { String($0.calls) } ?? "",
                decimal(row.before?.callsPerSecond, 3), decimal(row.after?.callsPerSecond, 3), decimal(row.callRateChange, 4),
                decimal(row.before?.failureRate, 6), decimal(row.after?.failureRate, 6), decimal(row.failureRateChange, 6),
                integer(row.before?.p50), integer(row.after?.p50), decimal(row.p50Change, 4),
                integer(row.before?.p99), integer(row.after?.p99), decimal(row.p99Change, 4),
                CSVFormatter.text(row.findings.joined(separator: "; ")),
            ]
            text += cells.map(CSVFormatter.quote).joined(separator: ",") + "\r\n"
        }
        return text
    }

    // MARK: html

    public func html(title: String = "Dubbo latency comparison") -> String {
        var page = HTMLPage(title: title)
        var body = "<header><h1>\(HTMLText.escape(title))</h1><p class=\"sub\">grouped by \(grouping.rawValue) · baseline "
        body += baselineFiles.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
        body += " → current " + currentFiles.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ") + "</p></header>"
        for (id, title, findings) in [("findings-appeared", "Findings that appeared", findingsAppeared),
                                      ("findings-disappeared", "Findings that disappeared", findingsDisappeared)]
        where !findings.isEmpty {
            body += "<section id=\"\(id)\"><h2>\(title)</h2><ol class=\"findings\">"
            for finding in findings {
                body += "<li data-kind=\"\(HTMLText.escape(finding.kind))\"><code>\(HTMLText.escape(finding.kind))</code> "
                body += HTMLText.escape(finding.statement) + "</li>"
            }
            body += "</ol></section>"
        }
        let regressions = rows.filter { $0.status == .regressed }
        body += "<section class=\"verdict\">"
        if let worst = regressions.first {
            body += "<p><span class=\"label\">Worst</span> <b class=\"name\">\(LatencyReport.shown(worst.label))</b>: "
            body += HTMLText.escape(worst.findings.joined(separator: "; ")) + "</p>"
        }
        body += "<p><span class=\"label\">Summary</span> \(regressions.count) significant regression"
        body += "\(regressions.count == 1 ? "" : "s"), \(rows.filter { $0.status == .improved }.count) improved, "
        body += "\(rows.filter { $0.status == .new }.count) new, \(rows.filter { $0.status == .gone }.count) gone.</p></section>"
        let scale = Double(rows.flatMap { [$0.before?.p99, $0.after?.p99] }.compactMap { $0 }.max() ?? 1)
        body += "<section><h2>Per group, significant regressions first</h2><p class=\"note\">Bars: p99 before (grey) and "
        body += "after (colour). A regression needs p50 or p99 up by ≥ \(ReportNumbers.fixed(thresholds.latencyRatio * 100, 0)) % "
        body += "and ≥ \(thresholds.minimumLatencyChange) µs with ≥ \(thresholds.minimumCalls) answered calls on each side and "
        body += "significantly more calls above the old value than expected (z ≥ \(ReportNumbers.fixed(thresholds.exceedanceZ, 1))), or a "
        body += "failure rate up with z ≥ \(ReportNumbers.fixed(thresholds.failureZ, 1)).</p>"
        body += "<table><thead><tr><th>status</th><th>\(grouping.rawValue)</th><th class=\"n\">calls/s</th><th class=\"n\">failure rate</th>"
        body += "<th class=\"n\">p50</th><th class=\"n\">p99</th><th>p99 before / after</th><th>findings</th></tr></thead><tbody>"
        for row in rows {
            let hot = row.status == .regressed
            body += "<tr\(hot ? " class=\"hot\"" : "")><td class=\"\(hot ? "alert" : "")\">\(row.status.rawValue)</td>"
            body += "<td class=\"name\">\(LatencyReport.nameHTML(row.label))</td>"
            body += "<td class=\"n\">\(HTMLText.escape(Self.pair(row.before?.callsPerSecond.map(ReportNumbers.rate), row.after?.callsPerSecond.map(ReportNumbers.rate))))</td>"
            body += "<td class=\"n\">\(HTMLText.escape(Self.pair(row.before?.failureRate.map(ReportNumbers.percent), row.after?.failureRate.map(ReportNumbers.percent))))</td>"
            body += "<td class=\"n\">\(HTMLText.escape(Self.pair(row.before?.p50.map(ReportNumbers.duration(microseconds:)), row.after?.p50.map(ReportNumbers.duration(microseconds:)))))</td>"
            body += "<td class=\"n\">\(HTMLText.escape(Self.pair(row.before?.p99.map(ReportNumbers.duration(microseconds:)), row.after?.p99.map(ReportNumbers.duration(microseconds:)))))</td>"
            body += "<td>" + SVGChart.stackedBar([(Double(row.before?.p99 ?? 0), "#b8c2cc", "p99 before")], scale: scale, width: 160, height: 9)
            body += "<br>" + SVGChart.stackedBar([(Double(row.after?.p99 ?? 0), hot ? SVGChart.failureColor : SVGChart.serverColor, "p99 after")],
                                                 scale: scale, width: 160, height: 9) + "</td>"
            body += "<td class=\"small findings\">\(HTMLText.escape(row.findings.joined(separator: "; ")))</td></tr>"
        }
        body += "</tbody></table></section>"
        body += "<footer>\(HTMLText.escape(ReportPrecision.statement))</footer>"
        page.body = body
        return page.render()
    }
}
