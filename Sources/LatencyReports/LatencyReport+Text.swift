import RegistryJoin
import RecordFormats
import InspectorCore

/// The `text` format: aligned tables for a terminal, groups sorted by total time spent. Every string from the wire
/// goes through `TerminalText`; tables wider than `width` shrink their widest text column first.
extension LatencyReport {
    /// `width` nil: no limit (output to a file or a pipe), nothing is cut.
    public func text(width: Int? = 120) -> String {
        let width = width.map { max(40, $0) }
        var out = headline()
        if !findings.isEmpty {
            out += "\n" + section("Findings, most important first")
            for finding in findings {
                out += "  [\(finding.kind)] " + TerminalText.sanitize(finding.statement) + "\n"
            }
        }
        out += "\n" + section("Latency by \(grouping.rawValue), most total time first")
        var latencyTable = TextTable([
            .text(grouping.rawValue), .number("calls"), .number("min"), .number("mean"), .number("p50"),
            .number("p90"), .number("p99"), .number("p99.9"), .number("max"),
        ])
        var splitTable = TextTable([
            .text(grouping.rawValue), .number("calls/s"), .number("failed"), .number("server p50"),
            .number("server p99"), .number("wire mean"), .number("total time"), .number("slow since"),
        ])
        for group in groups {
            let latency = group.latency
            latencyTable.add([
                group.protocolMark.map { "\(group.label) [\($0)]" } ?? group.label, String(group.calls), ReportNumbers.duration(microseconds: latency.min),
                latency.mean.map { ReportNumbers.duration(microseconds: $0) } ?? "-",
                ReportNumbers.duration(microseconds: latency.p50), ReportNumbers.duration(microseconds: latency.p90),
                ReportNumbers.duration(microseconds: latency.p99), ReportNumbers.duration(microseconds: latency.p999),
                ReportNumbers.duration(microseconds: latency.max),
            ])
            splitTable.add([
                group.label, ReportNumbers.rate(group.callsPerSecond),
                String(group.errors + group.exceptions + group.noResponse),
                ReportNumbers.duration(microseconds: group.server.p50),
                ReportNumbers.duration(microseconds: group.server.p99),
                group.transfer.mean.map { ReportNumbers.duration(microseconds: $0) } ?? "-",
                ReportNumbers.duration(microseconds: latency.count > 0 ? latency.total : nil),
                group.slowSince.map(Self.clock) ?? "",
            ])
        }
        if groups.isEmpty {
            out += "  (no calls)\n"
        } else {
            out += latencyTable.render(maxWidth: width)
            out += "\n" + section("Server vs wire time (server: request's last byte → response's first byte)")
            out += splitTable.render(maxWidth: width)
        }

        let failing = groups.filter { $0.errors + $0.exceptions + $0.noResponse > 0 }
        if !failing.isEmpty {
            out += "\n" + section("Failures")
            var failures = TextTable([
                .text(grouping.rawValue), .number("calls"), .number("rate"), .number("no response"),
                .text("errors by status / exceptions by class"),
            ])
            for group in failing {
                let detail = (group.errorsByStatus + group.exceptionsByClass).map { "\($0.name) \($0.count)" }
                failures.add([
                    group.label, String(group.calls), ReportNumbers.percent(group.failureRate),
                    String(group.noResponse), detail.joined(separator: ", "),
                ])
            }
            out += failures.render(maxWidth: width)
        }

        out += "\n" + section("Body sizes (near the limit: ≥ \(ReportNumbers.bytes(Int64(nearLimitBytes))) of \(ReportNumbers.bytes(Int64(payloadLimitBytes))))")
        var sizes = TextTable([
            .text(grouping.rawValue), .number("req p50"), .number("req p99"), .number("req max"),
            .number("resp p50"), .number("resp p99"), .number("resp max"), .text("warning"),
        ])
        for group in groups {
            var warnings: [String] = []
            let near = group.requestsNearLimit + group.responsesNearLimit
            let over = group.requestsTooLarge + group.responsesTooLarge
            if near > 0 { warnings.append("\(near) near limit") }
            if over > 0 { warnings.append("\(over) over limit") }
            sizes.add([
                group.label, ReportNumbers.bytes(group.requestBytes.p50), ReportNumbers.bytes(group.requestBytes.p99),
                ReportNumbers.bytes(group.requestBytes.max), ReportNumbers.bytes(group.responseBytes.p50),
                ReportNumbers.bytes(group.responseBytes.p99), ReportNumbers.bytes(group.responseBytes.max),
                warnings.joined(separator: ", "),
            ])
        }
        out += sizes.render(maxWidth: width)

        if !connections.isEmpty {
            out += "\n" + section("Connections")
            var table = TextTable([
                .text("client"), .text("server"), .number("calls"), .number("max in flight"),
                .number("behind large resp."), .number("heartbeats"), .number("missed"), .number("hb rtt"),
            ])
            for connection in connections {
                table.add([
                    connection.client, connection.server, String(connection.calls), String(connection.maxInFlight),
                    String(connection.waitedBehindLargeResponse), String(connection.heartbeats),
                    String(connection.missedHeartbeats),
                    connection.heartbeatRTT.mean.map { ReportNumbers.duration(microseconds: $0) } ?? "-",
                ])
            }
            out += table.render(maxWidth: width)
        }

        if !slowest.isEmpty {
            out += "\n" + section("Slowest calls")
            var table = TextTable([
                .text("time"), .text("call"), .number("latency"), .number("server"), .text("outcome"),
                .text(includesPayload ? "arguments" : "failure"),
            ])
            for call in slowest {
                table.add([
                    Self.clock(call.time), "\(call.service ?? "?").\(call.method ?? "?")",
                    ReportNumbers.duration(microseconds: call.latencyMicroseconds),
                    ReportNumbers.duration(microseconds: call.serverMicroseconds),
                    call.statusName.map { call.outcome == "error" ? $0 : call.outcome } ?? call.outcome,
                    (includesPayload ? call.arguments : nil) ?? call.failure ?? "",
                ])
            }
            out += table.render(maxWidth: width)
        }

        out += "\n" + section("Capture quality")
        out += qualityText()
        return out
    }

    private func headline() -> String {
        let span: String = {
            guard let first = firstTime, let last = lastTime else { return "no calls" }
            let seconds = durationSeconds.map { ReportNumbers.fixed($0, 1) + " s" } ?? "0 s"
            return "\(first.iso8601) … \(last.iso8601) (\(seconds))"
        }()
        let t = totals
        var text = "Dubbo latency report: \(inputFiles.count) file\(inputFiles.count == 1 ? "" : "s"), \(span)\n"
        text += "Calls \(ReportNumbers.grouped(t.calls))"
        if let seconds = durationSeconds { text += " (\(ReportNumbers.rate(Double(t.calls) / seconds))/s)" }
        text += ": errors \(t.errors), exceptions \(t.exceptions), no response \(t.noResponse), one-way \(t.oneway)"
        text += ", orphan responses \(t.orphanResponses); heartbeats \(t.heartbeats) (missed \(t.missedHeartbeats))\n"
        if t.tripleCalls > 0 {
            text += "Protocols: dubbo \(ReportNumbers.grouped(t.dubboCalls)) calls, triple \(ReportNumbers.grouped(t.tripleCalls)) calls "
            text += "(groups marked [triple] or [dubbo+triple])\n"
        }
        text += "Latency p50 \(ReportNumbers.duration(microseconds: t.latency.p50)), p99 "
        text += "\(ReportNumbers.duration(microseconds: t.latency.p99)), max \(ReportNumbers.duration(microseconds: t.latency.max)); "
        text += "server p50 \(ReportNumbers.duration(microseconds: t.server.p50))\n"
        text += "Latency = request first byte → response first byte; server = request last byte → response first byte; "
        text += "wire = request and response transfer.\n"
        text += "\(ReportPrecision.statement)\n"
        text += "Time series: \(ReportNumbers.fixed(intervalSeconds, intervalSeconds < 1 ? 3 : 1)) s slots"
        if intervalSeconds != requestedIntervalSeconds {
            text += " (widened from \(ReportNumbers.fixed(requestedIntervalSeconds, 3)) s to stay within bounds)"
        }
        text += "\n"
        return text
    }

    func qualityText() -> String {
        var text = ""
        let concerns = captureQuality.rows.filter { $0.concern && $0.value > 0 }
        let facts = captureQuality.rows.filter { !$0.concern }
        if !facts.isEmpty {
            text += "  " + facts.map { "\($0.label) \(ReportNumbers.grouped($0.value))" }.joined(separator: ", ") + "\n"
        }
        if concerns.isEmpty {
            text += "  no gaps, resyncs or dropped data were counted\n"
        } else {
            text += "  incomplete: " + concerns.map { "\($0.label) \(ReportNumbers.grouped($0.value))" }
                .joined(separator: ", ") + "\n"
        }
        let unlisted = groups.filter { $0.serializationNotRegistered > 0 }
        if !unlisted.isEmpty {
            text += "  serialization not registered by the provider: "
                + unlisted.map { "\(TerminalText.sanitize($0.label)) \($0.serializationNotRegistered)" }.joined(separator: ", ") + "\n"
        }
        if totals.recordsWithQualityFlags > 0 {
            let flags = totals.qualityFlags.keys.sorted().map { "\($0) \(totals.qualityFlags[$0] ?? 0)" }
            text += "  records with quality flags: \(totals.recordsWithQualityFlags) (\(flags.joined(separator: ", ")))\n"
        }
        for problem in captureQuality.problems {
            text += "  problem: " + TerminalText.sanitize(problem) + "\n"
        }
        let limits = limitsHit
        if limits.recordsInOverflowGroup > 0 {
            text += "  \(limits.recordsInOverflowGroup) records beyond the group limit are in \"(other groups)\"\n"
        }
        if limits.untrackedConnections > 0 {
            text += "  \(limits.untrackedConnections) records on connections beyond the connection limit\n"
        }
        if limits.clampedValues > 0 { text += "  \(limits.clampedValues) latencies out of range were clamped\n" }
        return text
    }

    private func section(_ title: String) -> String {
        title + "\n" + String(repeating: "─", count: min(title.count, 100)) + "\n"
    }

    /// `23:50:57.123` (UTC).
    static func clock(_ time: CaptureTime) -> String {
        let iso = time.iso8601
        guard let t = iso.firstIndex(of: "T") else { return iso }
        return String(iso[iso.index(after: t)...].prefix(12))
    }
}
