import RegistryJoin
import RecordFormats
import InspectorCore

/// Baseline captures against current ones, group by group: call rate, failure rate, p50 and p99, with the
/// significant regressions first. Built from two finished reports (same grouping), so it streams like they do.
public struct ReportComparison: Sendable {
    /// When a change counts as significant.
    public struct Thresholds: Sendable {
        /// Both sides need this many answered calls before their percentiles are compared.
        public var minimumCalls = 10
        /// p50/p99 must grow (or shrink) by this fraction and by at least `minimumLatencyChange` µs: well past the
        /// histogram's 1 % precision and scheduler noise.
        public var latencyRatio = 0.2
        public var minimumLatencyChange: Int64 = 200
        /// And more of the current calls must lie above the baseline's p50/p99 than chance allows: a binomial
        /// z-score of at least this much against the 50 % / 1 % expected (a sign test on the quantile).
        public var exceedanceZ = 3.0
        /// Failure rates must differ by a two-proportion z-score of this much and this many percentage points.
        public var failureZ = 3.0
        public var minimumFailureChange = 0.01
        /// Call rate changes by this fraction are noted (not counted as regressions: load is not a fault).
        public var callRateRatio = 0.5

        public init() {}
    }

    public enum Status: String, Sendable {
        case regressed, improved, unchanged, new, gone
    }

    /// One side of a row.
    public struct Side: Sendable, Equatable {
        public var calls: Int
        /// Calls expecting a response (the failure rate's denominator).
        public var twoWay: Int
        public var answered: Int
        public var failures: Int
        public var callsPerSecond: Double?
        public var failureRate: Double?
        public var p50: Int64?
        public var p99: Int64?
    }

    public struct Row: Sendable {
        public var label: String
        public var service: String?
        public var method: String?
        public var status: Status
        public var before: Side?
        public var after: Side?
        /// Relative changes (0.25 = +25 %); the failure-rate change is in rate units (0.01 = one percentage point).
        public var callRateChange: Double?
        public var failureRateChange: Double?
        public var p50Change: Double?
        public var p99Change: Double?
        /// One short sentence per significant change, worst first.
        public var findings: [String]
        /// Orders regressions: larger is worse.
        public var severity: Double
    }

    public var grouping: ReportGrouping
    public var baselineFiles: [String]
    public var currentFiles: [String]
    public var baselineDuration: Double?
    public var currentDuration: Double?
    public var baselineTotals: ReportTotals
    public var currentTotals: ReportTotals
    public var thresholds: Thresholds
    /// Regressions (worst first), then new groups, improvements, unchanged, and groups gone.
    public var rows: [Row]
    /// Findings of the current capture with no finding of the same kind and subject in the baseline, and the
    /// reverse; each in its own report's order.
    public var findingsAppeared: [Finding]
    public var findingsDisappeared: [Finding]

    public init(baseline: LatencyReport, current: LatencyReport, thresholds: Thresholds = Thresholds()) {
        grouping = current.grouping
        baselineFiles = baseline.inputFiles
        currentFiles = current.inputFiles
        baselineDuration = baseline.durationSeconds
        currentDuration = current.durationSeconds
        baselineTotals = baseline.totals
        currentTotals = current.totals
        self.thresholds = thresholds
        let baselineSubjects = Set(baseline.findings.map { [$0.kind, $0.subject] })
        let currentSubjects = Set(current.findings.map { [$0.kind, $0.subject] })
        findingsAppeared = current.findings.filter { !baselineSubjects.contains([$0.kind, $0.subject]) }
        findingsDisappeared = baseline.findings.filter { !currentSubjects.contains([$0.kind, $0.subject]) }
        var before: [String: GroupReport] = [:]
        for group in baseline.groups { before[group.label] = group }
        var rows: [Row] = []
        var matched: Set<String> = []
        for group in current.groups {
            matched.insert(group.label)
            rows.append(Self.row(before: before[group.label], after: group, thresholds: thresholds))
        }
        for group in baseline.groups where !matched.contains(group.label) {
            rows.append(Self.row(before: group, after: nil, thresholds: thresholds))
        }
        let order: [Status: Int] = [.regressed: 0, .new: 1, .improved: 2, .unchanged: 3, .gone: 4]
        rows.sort { a, b in
            if a.status != b.status { return order[a.status, default: 5] < order[b.status, default: 5] }
            if a.severity != b.severity { return a.severity > b.severity }
            return a.label < b.label
        }
        self.rows = rows
    }

    static func side(_ group: GroupReport) -> Side {
        Side(calls: group.calls, twoWay: group.calls - group.oneway, answered: group.latency.count, failures: group.errors + group.exceptions + group.noResponse,
             callsPerSecond: group.callsPerSecond, failureRate: group.failureRate,
             p50: group.latency.p50, p99: group.latency.p99)
    }

    static func row(before: GroupReport?, after: GroupReport?, thresholds: Thresholds) -> Row {
        let reference = after ?? before
        var row = Row(
            label: reference?.label ?? "?", service: reference?.service, method: reference?.method, status: .unchanged,
            before: before.map(side), after: after.map(side), findings: [], severity: 0)
        guard let old = row.before, let new = row.after else {
            row.status = before == nil ? .new : .gone
            return row
        }
        var worse: [(Double, String)] = []
        var better = 0
        if let a = old.callsPerSecond, let b = new.callsPerSecond, a > 0 {
            row.callRateChange = b / a - 1
        }
        if let a = old.failureRate, let b = new.failureRate {
            row.failureRateChange = b - a
            let z = zScore(old.failures, old.twoWay, new.failures, new.twoWay)
            if abs(b - a) >= thresholds.minimumFailureChange, abs(z) >= thresholds.failureZ {
                if b > a {
                    worse.append(((b - a) * 100, "failure rate \(ReportNumbers.percent(a)) → \(ReportNumbers.percent(b))"))
                } else {
                    better += 1
                }
            }
        }
        let enough = old.answered >= thresholds.minimumCalls && new.answered >= thresholds.minimumCalls
        for (name, a, b, weight, share) in [("p99", old.p99, new.p99, 1.0, 0.01), ("p50", old.p50, new.p50, 0.8, 0.5)] {
            guard let a, let b else { continue }
            let change = a > 0 ? Double(b) / Double(a) - 1 : (b > 0 ? Double.infinity : 0)
            if name == "p99" { row.p99Change = change.isFinite ? change : nil } else { row.p50Change = change.isFinite ? change : nil }
            guard enough, abs(b - a) >= thresholds.minimumLatencyChange else { continue }
            if b > a, change >= thresholds.latencyRatio,
               exceedance(after, above: a, expectedShare: share) >= thresholds.exceedanceZ {
                let label = change.isFinite ? "+" + ReportNumbers.fixed(change * 100, 0) + " %" : "up"
                worse.append((weight * log2(max(1, Double(b)) / max(1, Double(a))) * 10,
                              "\(name) \(label) (\(ReportNumbers.duration(microseconds: a)) → \(ReportNumbers.duration(microseconds: b)))"))
            } else if b < a, Double(a - b) / Double(a) >= thresholds.latencyRatio / (1 + thresholds.latencyRatio) {
                better += 1
            }
        }
        if let change = row.callRateChange, abs(change) >= thresholds.callRateRatio {
            row.findings.append("call rate \(change > 0 ? "+" : "")\(ReportNumbers.fixed(change * 100, 0)) %")
        }
        worse.sort { $0.0 > $1.0 }
        row.findings = worse.map(\.1) + row.findings
        row.severity = worse.reduce(0) { $0 + $1.0 }
        row.status = !worse.isEmpty ? .regressed : (better > 0 ? .improved : .unchanged)
        return row
    }

    /// How far above chance the share of `group`'s calls slower than `threshold` is, as a binomial z-score
    /// against `expectedShare` (what the share would be had nothing changed). Infinite without a histogram.
    static func exceedance(_ group: GroupReport?, above threshold: Int64, expectedShare: Double) -> Double {
        guard let distribution = group?.latencyDistribution else { return .infinity }
        let n = Double(distribution.count)
        guard n > 0 else { return 0 }
        let above = Double(distribution.countAbove(threshold))
        let spread = (n * expectedShare * (1 - expectedShare)).squareRoot()
        return spread > 0 ? (above - n * expectedShare) / spread : 0
    }

    /// Two-proportion z-score of x2/n2 against x1/n1 (pooled); 0 when undefined.
    static func zScore(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> Double {
        guard n1 > 0, n2 > 0 else { return 0 }
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))
        guard variance > 0 else { return 0 }
        return (p2 - p1) / variance.squareRoot()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
