import InspectorCore
public import Correlation
import DubboWire
import NetworkLayers

/// One plain-language statement about what is wrong in a capture, with the figures behind it. `kind` is stable
/// (a JSON contract, docs/REPORT.md); `statement` is for people and may be reworded.
public struct Finding: Sendable, Equatable {
    public var kind: String
    /// Higher is more important; findings are listed by it (then by kind and subject).
    public var weight: Double
    /// Where it happened: a provider endpoint, `service.method`, or a connection.
    public var subject: String
    public var statement: String
    /// Evidence, in a fixed order per kind.
    public var figures: [(name: String, value: Double)]

    public init(kind: String, weight: Double, subject: String, statement: String,
                figures: [(name: String, value: Double)]) {
        self.kind = kind
        self.weight = weight
        self.subject = subject
        self.statement = statement
        self.figures = figures
    }

    public func figure(_ name: String) -> Double? { figures.first { $0.name == name }?.value }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.kind == b.kind && a.weight == b.weight && a.subject == b.subject && a.statement == b.statement
            && a.figures.map(\.name) == b.figures.map(\.name) && a.figures.map(\.value) == b.figures.map(\.value)
    }
}

/// Folds call records into findings as they stream past. Bounded: at most `maxSubjects` providers / methods /
/// callers are followed per kind (later ones are counted in `untracked`), so memory does not grow with the capture.
public struct FindingsAccumulator: Sendable {
    public static let maxSubjects = 1_024
    public static let maxCallersPerProvider = 16

    struct Span: Sendable {
        var count = 0
        var first: CaptureTime?
        var last: CaptureTime?
        var example: String?

        mutating func add(_ time: CaptureTime?, example text: String? = nil) {
            count += 1
            if let time {
                if first.map({ time < $0 }) ?? true { first = time }
                if last.map({ time > $0 }) ?? true { last = time }
            }
            if example == nil { example = text }
        }
    }

    struct Late: Sendable {
        var count = 0
        var timeoutSum: Int64 = 0
        var latencySum: Int64 = 0
        var serverSum: Int64 = 0
        var serverCount = 0
        /// Late calls whose server time alone passed the timeout: the provider's own time.
        var serverOver = 0
    }

    struct Mean: Sendable {
        var count = 0
        var sum: Int64 = 0
        var mean: Double { count > 0 ? Double(sum) / Double(count) : 0 }
    }

    /// Keys are the record's own values (an endpoint, the request's strings), not text built per call: text is
    /// made once per subject, when the findings are stated. When the report already numbered the call's method
    /// (`methodGroup`), that number stands for the two strings, so a call hashes an integer and an endpoint.
    struct MethodKey: Hashable, Sendable {
        var group: Int?
        var service: String
        var method: String
        var provider: Endpoint

        static func == (a: MethodKey, b: MethodKey) -> Bool {
            guard a.provider == b.provider, a.group == b.group else { return false }
            return a.group != nil || (a.service == b.service && a.method == b.method)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(provider)
            if let group { hasher.combine(group) } else {
                hasher.combine(service)
                hasher.combine(method)
            }
        }
    }

    /// A caller application at a provider; callers are few, so their names are numbered (`CallerNames`).
    struct CallerKey: Hashable, Sendable {
        var provider: Endpoint
        var caller: Int
    }

    /// Numbers caller names. The last name is checked first: the decoders intern repeated attachment values, so a
    /// repeated caller is the same string storage and the comparison settles without hashing.
    struct CallerNames: Sendable {
        var ids: [String: Int] = [:]
        var names: [String] = []
        var last: (name: String, id: Int)?

        mutating func id(_ name: String) -> Int {
            if let last, last.name == name { return last.id }
            let id = ids[name] ?? {
                names.append(name)
                ids[name] = names.count - 1
                return names.count - 1
            }()
            last = (name, id)
            return id
        }
    }

    private var late: [String: Late] = [:]
    private var unanswered: [Endpoint: Span] = [:]
    private var exhausted: [Endpoint: Span] = [:]
    private var payloadRejected: [Endpoint: Span] = [:]
    private var badRequests: [Endpoint: Span] = [:]
    private var missingServices: [String: Span] = [:]
    private var nearLimit: [String: Int] = [:]
    private var serverTime: [MethodKey: Mean] = [:]
    private var callers: [CallerKey: Int] = [:]
    /// Distinct callers kept per provider (at most `maxCallersPerProvider`).
    private var callersPerProvider: [Endpoint: Int] = [:]
    private var callerNames = CallerNames()
    /// Calls in a serialization the provider's registry entry does not list, by provider and serialization; the
    /// span's example is the list the registry gives.
    private var unlistedSerializations: [UnlistedSerialization: Span] = [:]

    struct UnlistedSerialization: Hashable, Sendable {
        var provider: Endpoint
        var serialization: String
    }
    public private(set) var untracked = 0

    public init() {}

    /// `nearLimitBytes`: a body at least this large (and not rejected) is counted as near the payload limit.
    /// `methodGroup`: a number the caller gives every call of the same service and method (the report's group
    /// index when it groups by method), or nil.
    public mutating func add(_ record: CallRecord, nearLimitBytes: Int, methodGroup: Int? = nil) {
        guard record.kind == .call || record.kind == .oneway || record.kind == .orphanResponse else { return }
        let provider = record.server
        let timeout = record.timeoutMilliseconds
        if let timeout, record.timeoutExceeded(given: timeout) == true, let latency = record.latencyMicroseconds {
            Self.update(&late, record.displayName, counting: &untracked) { entry in
                entry.count += 1
                entry.timeoutSum += timeout
                entry.latencySum += latency
                if let server = record.serverMicroseconds {
                    entry.serverSum += server
                    entry.serverCount += 1
                    if server > timeout * 1_000 { entry.serverOver += 1 }
                }
            }
        }
        if record.kind == .call, record.outcome == .noResponse {
            Self.update(&unanswered, provider, counting: &untracked) { $0.add(record.startTime, example: record.displayName) }
        }
        switch record.status?.rawValue {
        case nil, 20: break
        case 100: Self.update(&exhausted, provider, counting: &untracked) { $0.add(record.startTime, example: record.displayName) }
        case 25 where record.response?.errorMessage?.contains("Data length too large") ?? false:
            Self.update(&payloadRejected, provider, counting: &untracked) { $0.add(record.startTime, example: record.response?.errorMessage) }
        case 40: Self.update(&badRequests, provider, counting: &untracked) { $0.add(record.startTime, example: record.displayName) }
        case 70 where record.response?.errorMessage?.contains("Not found exported service") ?? false:
            Self.update(&missingServices, record.serviceName ?? provider.description, counting: &untracked) {
                $0.add(record.startTime, example: provider.description)
            }
        default: break
        }
        if nearLimitBytes > 0, record.status?.rawValue != 25 {
            let largest = max(record.requestFrame.map { Int($0.header.bodyLength) } ?? 0,
                              record.responseFrame.map { Int($0.header.bodyLength) } ?? 0)
            if largest >= nearLimitBytes { Self.update(&nearLimit, record.displayName, counting: &untracked) { $0 += 1 } }
        }
        if record.kind == .call, let server = record.serverMicroseconds, let service = record.serviceName,
           let method = record.methodName {
            let key = MethodKey(group: methodGroup, service: service, method: method, provider: provider)
            Self.update(&serverTime, key, counting: &untracked) {
                $0.count += 1
                $0.sum += max(0, server)
            }
        }
        if record.kind != .orphanResponse, let caller = record.remoteApplication {
            let key = CallerKey(provider: provider, caller: callerNames.id(caller))
            if let index = callers.index(forKey: key) {
                callers.values[index] += 1
            } else if callersPerProvider[provider, default: 0] < Self.maxCallersPerProvider,
                      callersPerProvider[provider] != nil || callersPerProvider.count < Self.maxSubjects {
                callers[key] = 1
                callersPerProvider[provider, default: 0] += 1
            } else if callersPerProvider[provider] == nil {
                untracked += 1
            }
        }
    }

    /// A call whose serialization its provider's registry entry does not list (`listed`: `prefer.serialization`,
    /// else `serialization`). Fed by the report, which already asks the registry per call.
    public mutating func addUnlistedSerialization(_ record: CallRecord, listed: [String]) {
        let key = UnlistedSerialization(provider: record.server, serialization: record.serialization.name)
        Self.update(&unlistedSerializations, key, counting: &untracked) {
            $0.add(record.startTime, example: listed.joined(separator: ", "))
        }
    }

    /// Changes `table[key]`, unless it is a new key and the table is full (then counts it in `untracked`).
    private static func update<Key: Hashable, Value: DefaultValue>(
        _ table: inout [Key: Value], _ key: Key, counting untracked: inout Int, _ change: (inout Value) -> Void
    ) {
        // Count first: below the cap (the usual case) the key is hashed once, by the change itself.
        if table.count >= maxSubjects, table[key] == nil {
            untracked += 1
            return
        }
        change(&table[key, default: Value.initial])
    }

    /// The findings, most important first. `connections` gives the head-of-line waits the report measured;
    /// `registryCallers` names the consumer applications the registry lists per provider endpoint, when known.
    public func findings(connections: [ConnectionReport], payloadLimitBytes: Int,
                         registryCallers: [String: [String]] = [:]) -> [Finding] {
        var out: [Finding] = []
        for (method, entry) in late {
            let count = Double(entry.count)
            let wire = Double(entry.latencySum) / count / 1_000
            let timeout = Double(entry.timeoutSum) / count
            let server = entry.serverCount > 0 ? Double(entry.serverSum) / Double(entry.serverCount) / 1_000 : nil
            let whose = entry.serverOver * 2 > entry.count
                ? "the provider's own time (server time alone passed the timeout)"
                : "time outside the provider (network, transfer or queueing: server time stayed within the timeout)"
            let serverText = server.map { ", server time \(Self.ms($0)) ms" } ?? ""
            out.append(Finding(
                kind: "timeout_exceeded", weight: 100 + count, subject: method,
                statement: "\(entry.count) call(s) to \(method) were answered after the consumer's timeout "
                    + "(mean timeout \(Self.ms(timeout)) ms, wire time \(Self.ms(wire)) ms\(serverText)): "
                    + "mostly \(whose).",
                figures: [("calls", count), ("timeout_ms", timeout), ("wire_ms", wire), ("server_ms", server ?? -1),
                          ("calls_server_over_timeout", Double(entry.serverOver))]))
        }
        for (provider, span) in unanswered.map({ ($0.key.description, $0.value) }) {
            out.append(spanFinding("no_response", weight: 90, provider, span,
                                   "\(span.count) call(s) to \(provider) were never answered in the capture"))
        }
        for (provider, span) in exhausted.map({ ($0.key.description, $0.value) }) {
            out.append(spanFinding("thread_pool_exhausted", weight: 95, provider, span,
                                   "\(provider) rejected \(span.count) call(s) because its thread pool was exhausted (status 100)"))
        }
        for (provider, span) in payloadRejected.map({ ($0.key.description, $0.value) }) {
            out.append(spanFinding("payload_limit", weight: 85, provider, span,
                                   "\(span.count) call(s) at \(provider) were rejected as too large (status 25 \"Data length too large\"; limit \(payloadLimitBytes) bytes)"))
        }
        for (method, count) in nearLimit {
            out.append(Finding(
                kind: "payload_near_limit", weight: 40 + Double(count), subject: method,
                statement: "\(count) call(s) to \(method) carried a body near the \(payloadLimitBytes)-byte payload limit.",
                figures: [("calls", Double(count)), ("limit_bytes", Double(payloadLimitBytes))]))
        }
        for (provider, span) in badRequests.map({ ($0.key.description, $0.value) }) {
            out.append(spanFinding("provider_decode_failure", weight: 80, provider, span,
                                   "\(provider) could not decode \(span.count) request(s) (status 40 BAD_REQUEST)"))
        }
        for (service, span) in missingServices {
            out.append(spanFinding("service_not_found", weight: 80, service, span,
                                   "\(span.count) call(s) asked for \(service), which the provider (\(span.example ?? "?")) does not export (status 70 \"Not found exported service\")"))
        }
        for connection in connections where connection.waitedBehindLargeResponse > 0 {
            let waited = Double(connection.waitedMicroseconds) / 1_000
            let subject = "\(connection.client) → \(connection.server)"
            out.append(Finding(
                kind: "head_of_line_blocking", weight: 60 + Double(connection.waitedBehindLargeResponse), subject: subject,
                statement: "\(connection.waitedBehindLargeResponse) call(s) on \(subject) waited behind a large response "
                    + "on the shared connection, \(Self.ms(waited)) ms in all.",
                figures: [("calls", Double(connection.waitedBehindLargeResponse)), ("waited_ms", waited)]))
        }
        for (key, span) in unlistedSerializations {
            out.append(spanFinding("serialization_not_listed", weight: 75, key.provider.description, span,
                                   "\(span.count) call(s) to \(key.provider) were sent in \(key.serialization), which the provider's "
                                   + "registry entry does not list (it lists \(span.example ?? "?"))"))
        }
        out += slowProviders()
        var callerNames: [String: [String: Int]] = [:]
        for (key, calls) in callers {
            callerNames[key.provider.description, default: [:]][self.callerNames.names[key.caller], default: 0] += calls
        }
        for (provider, names) in registryCallers {
            for name in names where callerNames[provider, default: [:]].count < Self.maxCallersPerProvider {
                callerNames[provider, default: [:]][name, default: 0] += 0
            }
        }
        for (provider, names) in callerNames {
            let sorted = names.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let listed = sorted.map { $0.value > 0 ? "\($0.key) (\($0.value) calls)" : "\($0.key) (registry)" }
            out.append(Finding(
                kind: "callers", weight: 1, subject: provider,
                statement: "\(provider) is called by \(listed.joined(separator: ", ")).",
                figures: [("applications", Double(sorted.count)), ("calls", Double(sorted.reduce(0) { $0 + $1.value }))]))
        }
        return out.sorted { a, b in
            if a.weight != b.weight { return a.weight > b.weight }
            if a.kind != b.kind { return a.kind < b.kind }
            return a.subject < b.subject
        }
    }

    /// For each method served by at least two providers: a provider whose mean server time is at least twice the
    /// median of its peers' means, and 1 ms more (each with 5 or more calls).
    private func slowProviders() -> [Finding] {
        var byMethod: [String: [(provider: String, mean: Double, calls: Int)]] = [:]
        for (key, mean) in serverTime where mean.count >= 5 {
            byMethod["\(key.service).\(key.method)", default: []].append((key.provider.description, mean.mean, mean.count))
        }
        var out: [Finding] = []
        for (method, providers) in byMethod where providers.count >= 2 {
            for candidate in providers {
                let peers = providers.filter { $0.provider != candidate.provider }.map(\.mean).sorted()
                let median = peers[peers.count / 2]
                guard candidate.mean >= 2 * median, candidate.mean >= median + 1_000 else { continue }
                out.append(Finding(
                    kind: "slow_provider", weight: 70 + candidate.mean / max(median, 1), subject: candidate.provider,
                    statement: "\(candidate.provider) is slower than its peers for \(method): mean server time "
                        + "\(Self.ms(candidate.mean / 1_000)) ms against \(Self.ms(median / 1_000)) ms.",
                    figures: [("calls", Double(candidate.calls)), ("server_ms", candidate.mean / 1_000),
                              ("peers_server_ms", median / 1_000), ("peers", Double(peers.count))]))
            }
        }
        return out
    }

    private func spanFinding(_ kind: String, weight: Double, _ subject: String, _ span: Span, _ text: String) -> Finding {
        let seconds = span.first.flatMap { first in span.last.map { Double($0.nanosecondsSinceEpoch - first.nanosecondsSinceEpoch) / 1e9 } } ?? 0
        var statement = text
        if let first = span.first, let last = span.last, span.count > 1 {
            statement += " between \(first.description) and \(last.description) (\(Self.ms(seconds * 1_000)) ms)"
        }
        return Finding(kind: kind, weight: weight + Double(span.count), subject: subject, statement: statement + ".",
                       figures: [("calls", Double(span.count)),
                                 ("first_ts", span.first.map(\.epochSeconds) ?? -1),
                                 ("last_ts", span.last.map(\.epochSeconds) ?? -1),
                                 ("span_seconds", seconds)])
    }

    /// Milliseconds with at most one decimal.
    static func ms(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int64(tenths / 10)) : String(tenths / 10)
    }
}

protocol DefaultValue { static var initial: Self { get } }
extension FindingsAccumulator.Span: DefaultValue { static var initial: Self { .init() } }
extension FindingsAccumulator.Late: DefaultValue { static var initial: Self { .init() } }
extension FindingsAccumulator.Mean: DefaultValue { static var initial: Self { .init() } }
extension Int: DefaultValue { static var initial: Int { 0 } }
