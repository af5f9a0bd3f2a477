import RegistryJoin
import RecordFormats
import InspectorCore

/// The `json` format: one object with the keys of docs/REPORT.md, always present and always in the same order
/// (absent values are `null`), so other tools can rely on them.
extension LatencyReport {
    public static let jsonSchemaName = "dubbo-inspect/latency-report"
    public static let jsonSchemaVersion = 1

    public func json() -> String {
        var writer = JSONWriter(reservingCapacity: 1 << 16)
        writeJSON(to: &writer)
        writer.raw("\n")
        return writer.string
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("schema"); writer.string(Self.jsonSchemaName)
        writer.comma(); writer.key("schema_version"); writer.integer(Self.jsonSchemaVersion)
        writer.comma(); writer.key("group_by"); writer.string(grouping.rawValue)
        writer.comma(); writer.key("precision"); Self.writePrecision(to: &writer)
        writer.comma(); writer.key("interval_s"); writer.double(intervalSeconds)
        writer.comma(); writer.key("requested_interval_s"); writer.double(requestedIntervalSeconds)
        writer.comma(); writer.key("first_ts"); writer.time(firstTime)
        writer.comma(); writer.key("last_ts"); writer.time(lastTime)
        writer.comma(); writer.key("duration_s"); writer.number(durationSeconds.map { ReportNumbers.rounded($0, 6) })
        writer.comma(); writer.key("files"); writer.strings(inputFiles)
        writer.comma(); writer.key("payload_included"); writer.bool(includesPayload)
        writer.comma(); writer.key("payload_limit_bytes"); writer.integer(payloadLimitBytes)
        writer.comma(); writer.key("near_limit_bytes"); writer.integer(nearLimitBytes)
        writer.comma(); writer.key("large_response_bytes"); writer.integer(largeResponseBytes)
        writer.comma(); writer.key("totals"); writeTotals(to: &writer)
        writer.comma(); writer.key("groups")
        writer.array(groups) { writer, group in group.writeJSON(to: &writer) }
        writer.comma(); writer.key("series")
        writer.array(series) { writer, point in point.writeJSON(to: &writer) }
        writer.comma(); writer.key("connections")
        writer.array(connections) { writer, connection in connection.writeJSON(to: &writer) }
        writer.comma(); writer.key("service_map")
        writer.array(serviceMap) { writer, edge in
            writer.beginObject()
            writer.key("consumer"); writer.string(edge.consumer)
            writer.comma(); writer.key("provider"); writer.string(edge.provider)
            writer.comma(); writer.key("service"); writer.optionalString(edge.service)
            writer.comma(); writer.key("calls"); writer.integer(edge.calls)
            writer.comma(); writer.key("failures"); writer.integer(edge.failures)
            writer.endObject()
        }
        writer.comma(); writer.key("slowest")
        writer.array(slowest) { writer, call in call.writeJSON(to: &writer) }
        writer.comma(); writer.key("capture_quality"); captureQuality.writeJSON(to: &writer)
        writer.comma(); writer.key("limits_hit")
        writer.beginObject()
        writer.key("records_in_overflow_group"); writer.integer(limitsHit.recordsInOverflowGroup)
        writer.comma(); writer.key("untracked_connections"); writer.integer(limitsHit.untrackedConnections)
        writer.comma(); writer.key("clamped_values"); writer.integer(limitsHit.clampedValues)
        writer.comma(); writer.key("interval_doublings"); writer.integer(limitsHit.intervalDoublings)
        writer.comma(); writer.key("dropped_service_edges"); writer.integer(limitsHit.droppedServiceEdges)
        writer.endObject()
        writer.comma(); writer.key("findings")
        writer.array(findings) { writer, finding in finding.writeJSON(to: &writer) }
        writer.endObject()
    }

    static func writePrecision(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("histogram"); writer.string("HdrHistogram")
        writer.comma(); writer.key("significant_digits"); writer.integer(ReportPrecision.significantDigits)
        writer.comma(); writer.key("max_relative_error"); writer.double(ReportPrecision.maxRelativeError)
        writer.comma(); writer.key("statement"); writer.string(ReportPrecision.statement)
        writer.endObject()
    }

    /// `{"dubbo": n, "triple": m}`: both keys always, so a reader never tests for presence.
    static func writeProtocols(dubbo: Int, triple: Int, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("dubbo"); writer.integer(dubbo)
        writer.comma(); writer.key("triple"); writer.integer(triple)
        writer.endObject()
    }

    private func writeTotals(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("calls"); writer.integer(totals.calls)
        writer.comma(); writer.key("oneway"); writer.integer(totals.oneway)
        writer.comma(); writer.key("errors"); writer.integer(totals.errors)
        writer.comma(); writer.key("exceptions"); writer.integer(totals.exceptions)
        writer.comma(); writer.key("no_response"); writer.integer(totals.noResponse)
        writer.comma(); writer.key("orphan_responses"); writer.integer(totals.orphanResponses)
        writer.comma(); writer.key("heartbeats"); writer.integer(totals.heartbeats)
        writer.comma(); writer.key("missed_heartbeats"); writer.integer(totals.missedHeartbeats)
        writer.comma(); writer.key("events"); writer.integer(totals.events)
        writer.comma(); writer.key("calls_by_protocol")
        Self.writeProtocols(dubbo: totals.dubboCalls, triple: totals.tripleCalls, to: &writer)
        writer.comma(); writer.key("records_with_quality_flags"); writer.integer(totals.recordsWithQualityFlags)
        writer.comma(); writer.key("quality_flags")
        writer.beginObject()
        for (index, name) in totals.qualityFlags.keys.sorted().enumerated() {
            if index > 0 { writer.comma() }
            writer.key(name); writer.integer(totals.qualityFlags[name] ?? 0)
        }
        writer.endObject()
        writer.comma(); writer.key("latency_us"); totals.latency.writeJSON(to: &writer)
        writer.comma(); writer.key("server_us"); totals.server.writeJSON(to: &writer)
        writer.endObject()
    }
}

extension GroupReport {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("label"); writer.string(label)
        writer.comma(); writer.key("service"); writer.optionalString(service)
        writer.comma(); writer.key("method"); writer.optionalString(method)
        writer.comma(); writer.key("provider"); writer.optionalString(provider)
        writer.comma(); writer.key("consumer"); writer.optionalString(consumer)
        writer.comma(); writer.key("calls"); writer.integer(calls)
        writer.comma(); writer.key("calls_per_s"); writer.number(callsPerSecond.map { ReportNumbers.rounded($0, 3) })
        writer.comma(); writer.key("oneway"); writer.integer(oneway)
        writer.comma(); writer.key("errors"); writer.integer(errors)
        writer.comma(); writer.key("errors_by_status"); writer.counts(errorsByStatus)
        writer.comma(); writer.key("exceptions"); writer.integer(exceptions)
        writer.comma(); writer.key("exceptions_by_class"); writer.counts(exceptionsByClass)
        writer.comma(); writer.key("no_response"); writer.integer(noResponse)
        writer.comma(); writer.key("orphan_responses"); writer.integer(orphanResponses)
        writer.comma(); writer.key("records_with_quality_flags"); writer.integer(recordsWithQualityFlags)
        writer.comma(); writer.key("serialization_not_registered"); writer.integer(serializationNotRegistered)
        writer.comma(); writer.key("calls_by_protocol")
        LatencyReport.writeProtocols(dubbo: dubboCalls, triple: tripleCalls, to: &writer)
        writer.comma(); writer.key("failure_rate"); writer.number(failureRate.map { ReportNumbers.rounded($0, 6) })
        writer.comma(); writer.key("latency_us"); latency.writeJSON(to: &writer)
        writer.comma(); writer.key("server_us"); server.writeJSON(to: &writer)
        writer.comma(); writer.key("transfer_us"); transfer.writeJSON(to: &writer)
        writer.comma(); writer.key("request_transfer_mean_us")
        writer.number(requestTransferMean.map { ReportNumbers.rounded($0, 1) })
        writer.comma(); writer.key("response_transfer_mean_us")
        writer.number(responseTransferMean.map { ReportNumbers.rounded($0, 1) })
        writer.comma(); writer.key("request_bytes")
        requestBytes.writeJSON(to: &writer, nearLimit: requestsNearLimit, tooLarge: requestsTooLarge)
        writer.comma(); writer.key("response_bytes")
        responseBytes.writeJSON(to: &writer, nearLimit: responsesNearLimit, tooLarge: responsesTooLarge)
        writer.comma(); writer.key("first_ts"); writer.time(firstTime)
        writer.comma(); writer.key("last_ts"); writer.time(lastTime)
        writer.comma(); writer.key("slow_since"); writer.time(slowSince)
        writer.comma(); writer.key("latency_histogram")
        writer.array(latencyBars) { writer, bar in
            writer.beginObject()
            writer.key("lower_us"); writer.integer(bar.lower)
            writer.comma(); writer.key("upper_us"); writer.integer(bar.upper)
            writer.comma(); writer.key("count"); writer.integer(bar.count)
            writer.endObject()
        }
        writer.comma(); writer.key("series")
        writer.array(series) { writer, point in point.writeJSON(to: &writer) }
        writer.comma(); writer.key("slowest")
        writer.array(slowest) { writer, call in call.writeJSON(to: &writer) }
        writer.endObject()
    }
}

extension DistributionSummary {
    /// `{count, min, mean, p50, p90, p99, p999, max, total}`; all but count and total null when empty.
    func writeJSON(to writer: inout JSONWriter, nearLimit: Int? = nil, tooLarge: Int? = nil) {
        writer.beginObject()
        writer.key("count"); writer.integer(count)
        writer.comma(); writer.key("min"); writer.optionalInteger(min)
        writer.comma(); writer.key("mean"); writer.number(mean.map { ReportNumbers.rounded($0, 1) })
        writer.comma(); writer.key("p50"); writer.optionalInteger(p50)
        writer.comma(); writer.key("p90"); writer.optionalInteger(p90)
        writer.comma(); writer.key("p99"); writer.optionalInteger(p99)
        writer.comma(); writer.key("p999"); writer.optionalInteger(p999)
        writer.comma(); writer.key("max"); writer.optionalInteger(max)
        writer.comma(); writer.key("total"); writer.integer(total)
        if let nearLimit { writer.comma(); writer.key("near_limit"); writer.integer(nearLimit) }
        if let tooLarge { writer.comma(); writer.key("too_large"); writer.integer(tooLarge) }
        writer.endObject()
    }
}

extension SeriesPoint {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("ts"); writer.timestamp(start)
        writer.comma(); writer.key("calls"); writer.integer(calls)
        writer.comma(); writer.key("errors"); writer.integer(errors)
        writer.comma(); writer.key("exceptions"); writer.integer(exceptions)
        writer.comma(); writer.key("no_response"); writer.integer(noResponse)
        writer.comma(); writer.key("p50_us"); writer.optionalInteger(p50)
        writer.comma(); writer.key("p99_us"); writer.optionalInteger(p99)
        writer.comma(); writer.key("server_mean_us"); writer.number(serverMean.map { ReportNumbers.rounded($0, 1) })
        writer.endObject()
    }
}

extension ConnectionReport {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("client"); writer.string(client)
        writer.comma(); writer.key("server"); writer.string(server)
        writer.comma(); writer.key("calls"); writer.integer(calls)
        writer.comma(); writer.key("max_in_flight"); writer.integer(maxInFlight)
        writer.comma(); writer.key("waited_behind_large_response"); writer.integer(waitedBehindLargeResponse)
        writer.comma(); writer.key("waited_us"); writer.integer(waitedMicroseconds)
        writer.comma(); writer.key("heartbeats"); writer.integer(heartbeats)
        writer.comma(); writer.key("missed_heartbeats"); writer.integer(missedHeartbeats)
        writer.comma(); writer.key("heartbeat_rtt_us")
        writer.beginObject()
        writer.key("count"); writer.integer(heartbeatRTT.count)
        writer.comma(); writer.key("min"); writer.optionalInteger(heartbeatRTT.min)
        writer.comma(); writer.key("mean"); writer.number(heartbeatRTT.mean.map { ReportNumbers.rounded($0, 1) })
        writer.comma(); writer.key("max"); writer.optionalInteger(heartbeatRTT.max)
        writer.endObject()
        writer.endObject()
    }
}

extension SlowCallEntry {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("ts"); writer.timestamp(time)
        writer.comma(); writer.key("service"); writer.optionalString(service)
        writer.comma(); writer.key("method"); writer.optionalString(method)
        writer.comma(); writer.key("client"); writer.string(client)
        writer.comma(); writer.key("server"); writer.string(server)
        writer.comma(); writer.key("request_id"); writer.integer(requestID)
        writer.comma(); writer.key("latency_us"); writer.integer(latencyMicroseconds)
        writer.comma(); writer.key("server_us"); writer.optionalInteger(serverMicroseconds)
        writer.comma(); writer.key("outcome"); writer.string(outcome)
        writer.comma(); writer.key("status_name"); writer.optionalString(statusName)
        writer.comma(); writer.key("arguments"); writer.optionalString(arguments)
        writer.comma(); writer.key("failure"); writer.optionalString(failure)
        writer.endObject()
    }
}

extension CaptureQualitySummary {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("counters")
        writer.beginObject()
        for (index, row) in rows.enumerated() {
            if index > 0 { writer.comma() }
            writer.key(row.key); writer.integer(row.value)
        }
        writer.endObject()
        writer.comma(); writer.key("concerns")
        writer.strings(rows.filter { $0.concern && $0.value > 0 }.map(\.key))
        writer.comma(); writer.key("problems"); writer.strings(problems)
        writer.endObject()
    }
}

extension JSONWriter {
    mutating func optionalInteger(_ value: Int64?) {
        if let value { integer(value) } else { null() }
    }

    mutating func number(_ value: Double?) {
        if let value { double(value) } else { null() }
    }

    mutating func time(_ value: CaptureTime?) {
        if let value { timestamp(value) } else { null() }
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for (index, value) in values.enumerated() {
            if index > 0 { comma() }
            string(value)
        }
        endArray()
    }

    mutating func counts(_ values: [NamedCount]) {
        beginObject()
        for (index, entry) in values.enumerated() {
            if index > 0 { comma() }
            key(entry.name)
            integer(entry.count)
        }
        endObject()
    }

    mutating func array<Element>(_ values: [Element], _ body: (inout JSONWriter, Element) -> Void) {
        beginArray()
        for (index, value) in values.enumerated() {
            if index > 0 { comma() }
            body(&self, value)
        }
        endArray()
    }
}

extension Finding {
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("kind"); writer.string(kind)
        writer.comma(); writer.key("subject"); writer.string(subject)
        writer.comma(); writer.key("statement"); writer.string(statement)
        writer.comma(); writer.key("weight"); writer.double(ReportNumbers.rounded(weight, 3))
        writer.comma(); writer.key("figures")
        writer.beginObject()
        for (index, figure) in figures.enumerated() {
            if index > 0 { writer.comma() }
            writer.key(figure.name); writer.double(ReportNumbers.rounded(figure.value, 6))
        }
        writer.endObject()
        writer.endObject()
    }
}
