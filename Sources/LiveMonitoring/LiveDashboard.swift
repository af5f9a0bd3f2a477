import InspectorCore
import NetworkLayers
import RecordFormats

/// Lays out the live view: a frame of lines that each fit the terminal's width, and no more lines than its height.
///
/// Pure: snapshots in, lines out (the terminal is `TerminalScreen`'s business). Wire strings go through
/// `TerminalText.sanitize` before they are measured, so a method name cannot move the cursor or clear the screen.
/// Keeps the previous frame's totals to show the rate since the last frame.
package struct LiveDashboard: Sendable {
    /// The first line: what is being captured.
    package var title: String
    private var previous: (time: CaptureTime, calls: UInt64)?

    package init(title: String) {
        self.title = title
    }

    /// The most important finding so far (LatencyReports' `FindingsAccumulator`), shown as one line; nil: none.
    package var findingsLine: String?

    package mutating func render(_ snapshot: LiveSnapshot, width: Int, height: Int) -> [String] {
        let width = max(width, 20)
        let height = max(height, 4)
        let rate: Double
        if let previous, snapshot.now > previous.time {
            let seconds = Double(snapshot.now.nanosecondsSinceEpoch - previous.time.nanosecondsSinceEpoch) / 1e9
            rate = Double(snapshot.totalCalls &- previous.calls) / seconds
        } else {
            let seconds = max(Double(snapshot.now.nanosecondsSinceEpoch - snapshot.start.nanosecondsSinceEpoch) / 1e9, 1)
            rate = Double(snapshot.totalCalls) / seconds
        }
        previous = (snapshot.now, snapshot.totalCalls)

        var lines: [String] = []
        let uptime = Self.duration(seconds: Int((snapshot.now.nanosecondsSinceEpoch - snapshot.start.nanosecondsSinceEpoch) / 1_000_000_000))
        lines.append("\(TerminalText.sanitize(title)) · up \(uptime) · Ctrl-C stops")
        let recentCalls = snapshot.methods.reduce(UInt64(0)) { $0 + $1.recentCalls }
        let recentErrors = snapshot.methods.reduce(UInt64(0)) { $0 + $1.recentErrors }
        let span = Int(snapshot.recentSpanSeconds.rounded())
        lines.append(
            "calls/s \(Self.decimal(rate, 1))  errors \(Self.percent(recentErrors, of: recentCalls)) (last \(span) s)  "
                + "calls \(snapshot.totalCalls)  errors \(snapshot.totalErrors)  in flight \(snapshot.inFlight)  "
                + "orphan responses \(snapshot.orphanResponses)")
        let capture = snapshot.capture
        let lost = capture.totalDropped > 0 ? "  ⚠ PACKETS LOST" : ""
        lines.append(
            "capture: received \(capture.received)  dropped: kernel \(capture.droppedByKernel)  "
                + "interface \(capture.droppedByInterface)  queue \(capture.droppedByQueue)\(lost)")
        lines.append(
            "streams: connections \(capture.connections)  gaps \(capture.gaps) (\(capture.gapBytes) B)  "
                + "resyncs \(snapshot.resyncedFrames)  queued \(capture.queuedPackets)"
                + (snapshot.folded > 0 ? "  folded into 'other' \(snapshot.folded)" : ""))
        if let findingsLine {
            lines.append(TerminalText.fit("findings: " + TerminalText.sanitize(findingsLine), columns: width))
        }

        // What is left is shared between the three tables; each takes a blank line and a header line besides its rows.
        let free = max(0, height - lines.count)
        let slowRows = min(snapshot.slowCalls.count, max(1, free / 5))
        let heartbeatRows = min(snapshot.heartbeats.count, max(1, free / 6))
        let slowSection = slowRows > 0 ? slowRows + 2 : 0
        let heartbeatSection = heartbeatRows > 0 ? heartbeatRows + 2 : 0
        // One line is kept for "… N more" when the methods do not all fit.
        let methodRows = min(max(free - 2 - slowSection - heartbeatSection - 1, 0), snapshot.methods.count)

        lines.append("")
        lines.append(contentsOf: methodTable(snapshot, rows: methodRows, width: width))
        if slowRows > 0 {
            lines.append("")
            lines.append(contentsOf: slowTable(snapshot, rows: slowRows, width: width))
        }
        if heartbeatRows > 0 {
            lines.append("")
            lines.append(contentsOf: heartbeatTable(snapshot, rows: heartbeatRows, width: width))
        }
        return lines.prefix(height).map { TerminalText.fit($0, columns: width) }
    }

    // MARK: Tables

    private func methodTable(_ snapshot: LiveSnapshot, rows: Int, width: Int) -> [String] {
        let numbers = [("CALLS", 9), ("CALLS/S", 9), ("ERR%", 7), ("P50 ms", 10), ("P99 ms", 10)]
        let nameWidth = max(10, width - numbers.reduce(0) { $0 + $1.1 })
        var lines = [TerminalText.pad("SERVICE.METHOD (last \(Int(snapshot.recentSpanSeconds.rounded())) s)", columns: nameWidth)
            + numbers.map { TerminalText.pad($0.0, columns: $0.1, rightAligned: true) }.joined()]
        if snapshot.methods.isEmpty {
            lines.append("(no calls yet)")
            return lines
        }
        for row in snapshot.methods.prefix(rows) {
            let name = TerminalText.sanitize("\(row.service).\(row.method)")
            let cells = [
                "\(row.calls)",
                Self.decimal(Double(row.recentCalls) / max(snapshot.recentSpanSeconds, 0.001), 1),
                Self.percent(row.recentErrors, of: row.recentCalls),
                row.p50Microseconds.map { Self.milliseconds($0) } ?? "-",
                row.p99Microseconds.map { Self.milliseconds($0) } ?? "-",
            ]
            lines.append(
                TerminalText.pad(name, columns: nameWidth)
                    + zip(cells, numbers).map { TerminalText.pad($0, columns: $1.1, rightAligned: true) }.joined())
        }
        if snapshot.methods.count > rows {
            lines.append("… \(snapshot.methods.count - rows) more")
        }
        return lines
    }

    private func slowTable(_ snapshot: LiveSnapshot, rows: Int, width: Int) -> [String] {
        let latencyWidth = 12
        let outcomeWidth = 10
        let rest = max(20, width - latencyWidth - outcomeWidth)
        let nameWidth = rest / 2
        let pathWidth = rest - nameWidth
        var lines = [
            TerminalText.pad("SLOWEST ms", columns: latencyWidth) + TerminalText.pad("SERVICE.METHOD", columns: nameWidth)
                + TerminalText.pad("CLIENT → SERVER", columns: pathWidth) + "OUTCOME"
        ]
        for call in snapshot.slowCalls.prefix(rows) {
            lines.append(
                TerminalText.pad(Self.milliseconds(call.latencyMicroseconds), columns: latencyWidth)
                    + TerminalText.pad(TerminalText.sanitize(call.name), columns: nameWidth)
                    + TerminalText.pad("\(call.client) → \(call.server)", columns: pathWidth)
                    + TerminalText.pad(call.outcome, columns: outcomeWidth))
        }
        return lines
    }

    private func heartbeatTable(_ snapshot: LiveSnapshot, rows: Int, width: Int) -> [String] {
        var lines = [
            "HEARTBEATS answered \(snapshot.heartbeatsAnswered) unanswered \(snapshot.heartbeatsUnanswered)  "
                + "(connection · last RTT · last seen · missed in a row)"
        ]
        for connection in snapshot.heartbeats.prefix(rows) {
            let age = Int((snapshot.now.nanosecondsSinceEpoch - connection.lastHeartbeat.nanosecondsSinceEpoch) / 1_000_000_000)
            let rtt = connection.lastRoundTripMicroseconds.map { Self.milliseconds($0) + " ms" } ?? "-"
            let state = connection.missedInARow > 0 ? "MISSED \(connection.missedInARow)" : "ok"
            lines.append("\(connection.ends.0) ↔ \(connection.ends.1)  \(rtt)  \(max(age, 0)) s ago  \(state)")
        }
        return lines
    }

    // MARK: Numbers

    static func decimal(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = abs(scaled % Int64(scale))
        guard places > 0 else { return "\(whole)" }
        let digits = String(fraction)
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: places - digits.count))\(digits)"
    }

    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        guard whole > 0 else { return "-" }
        return decimal(Double(part) * 100 / Double(whole), 1) + "%"
    }

    static func milliseconds(_ microseconds: Int64) -> String {
        decimal(Double(microseconds) / 1_000, microseconds < 10_000 ? 2 : 1)
    }

    static func duration(seconds: Int) -> String {
        let s = max(seconds, 0)
        let (hours, minutes, rest) = (s / 3_600, s / 60 % 60, s % 60)
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(rest))" : "\(minutes):\(two(rest))"
    }
}
