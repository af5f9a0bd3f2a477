import RegistryJoin
import RecordFormats
import InspectorCore

/// The `csv` format: a header and one row per group (RFC 4180, CRLF line ends), the same numbers as the JSON.
/// Text from the wire is neutralised like `CSVFormatter` does, so a spreadsheet never runs it as a formula.
extension LatencyReport {
    public static let csvColumns = [
        "group_by", "label", "service", "method", "provider", "consumer",
        "calls", "calls_per_s", "oneway", "errors", "exceptions", "no_response", "orphan_responses", "failure_rate",
        "latency_us_min", "latency_us_mean", "latency_us_p50", "latency_us_p90", "latency_us_p99", "latency_us_p999",
        "latency_us_max", "latency_us_total",
        "server_us_mean", "server_us_p50", "server_us_p99", "transfer_us_mean", "transfer_us_p50", "transfer_us_p99",
        "request_bytes_p50", "request_bytes_p99", "request_bytes_max", "requests_near_limit", "requests_too_large",
        "response_bytes_p50", "response_bytes_p99", "response_bytes_max", "responses_near_limit",
        "responses_too_large", "errors_by_status", "exceptions_by_class", "first_ts", "last_ts", "slow_since",
        "dubbo_calls", "triple_calls",
    ]

    public func csv() -> String {
        var text = Self.csvColumns.joined(separator: ",") + "\r\n"
        for group in groups {
            text += csvRow(group)
        }
        return text
    }

    func csvRow(_ group: GroupReport) -> String {
        func integer(_ value: Int64?) -> String { value.map { String($0) } ?? "" }
        func decimal(_ value: Double?, _ places: Int) -> String {
            value.map { ReportNumbers.fixed($0, places) } ?? ""
        }
        func counts(_ values: [NamedCount]) -> String {
            CSVFormatter.text(values.map { "\($0.name)=\($0.count)" }.joined(separator: ";"))
        }
        let cells: [String] = [
            grouping.rawValue, CSVFormatter.text(group.label), CSVFormatter.text(group.service),
            CSVFormatter.text(group.method), CSVFormatter.text(group.provider), CSVFormatter.text(group.consumer),
            String(group.calls), decimal(group.callsPerSecond, 3), String(group.oneway), String(group.errors),
            String(group.exceptions), String(group.noResponse), String(group.orphanResponses),
            decimal(group.failureRate, 6),
            integer(group.latency.min), decimal(group.latency.mean, 1), integer(group.latency.p50),
            integer(group.latency.p90), integer(group.latency.p99), integer(group.latency.p999),
            integer(group.latency.max), String(group.latency.total),
            decimal(group.server.mean, 1), integer(group.server.p50), integer(group.server.p99),
            decimal(group.transfer.mean, 1), integer(group.transfer.p50), integer(group.transfer.p99),
            integer(group.requestBytes.p50), integer(group.requestBytes.p99), integer(group.requestBytes.max),
            String(group.requestsNearLimit), String(group.requestsTooLarge),
            integer(group.responseBytes.p50), integer(group.responseBytes.p99), integer(group.responseBytes.max),
            String(group.responsesNearLimit), String(group.responsesTooLarge),
            counts(group.errorsByStatus), counts(group.exceptionsByClass),
            group.firstTime?.description ?? "", group.lastTime?.description ?? "", group.slowSince?.description ?? "",
            String(group.dubboCalls), String(group.tripleCalls),
        ]
        return cells.map(CSVFormatter.quote).joined(separator: ",") + "\r\n"
    }
}
