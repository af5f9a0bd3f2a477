import InspectorCore
import LiveMonitoring
import RecordFormats
import Testing

@Suite("LiveDashboard")
struct LiveDashboardTests {
    static func busySnapshot() -> LiveSnapshot {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        let names = ["com.example.Calc", "com.example.订单服务", "\u{1B}[2Jcom.evil\u{1B}]0;pwned\u{07}", "😀.emoji"]
        for index in 0..<200 {
            let service = names[index % names.count]
            metrics.record(
                RecordBuilder.call(service, "method\(index % 7)", status: index % 10 == 0 ? 70 : 20,
                                   latency: Int64(100 + index * 37), at: Double(index) / 10, id: Int64(index)),
                applications: ApplicationNames())
        }
        metrics.record(RecordBuilder.heartbeat(latency: nil, at: 5), applications: ApplicationNames())
        var health = CaptureHealth()
        health.received = 1_234
        health.droppedByKernel = 5
        metrics.update(capture: health)
        return metrics.snapshot(now: RecordBuilder.time(20))
    }

    @Test("every line fits the width in display columns, and the frame fits the height", arguments: [
        (20, 4), (40, 10), (80, 24), (132, 50), (300, 120),
    ])
    func fitsTheTerminal(size: (Int, Int)) {
        var dashboard = LiveDashboard(title: "dubbo-inspect live · lo · 'tcp port 20880'")
        let lines = dashboard.render(Self.busySnapshot(), width: size.0, height: size.1)
        #expect(lines.count <= size.1)
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(TerminalText.columns(of: line) <= size.0, "\(line)")
        }
    }

    @Test("wire strings cannot reach the terminal as control sequences")
    func sanitizesWireStrings() {
        var dashboard = LiveDashboard(title: "t")
        let lines = dashboard.render(Self.busySnapshot(), width: 200, height: 60)
        for line in lines {
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }, "\(line)")
        }
        #expect(lines.contains { $0.contains(#"\u{1b}[2Jcom.evil"#) })
    }

    @Test("the view shows rates, drops, percentiles, slow calls and heartbeat health")
    func showsTheFigures() {
        var dashboard = LiveDashboard(title: "t")
        let text = dashboard.render(Self.busySnapshot(), width: 160, height: 60).joined(separator: "\n")
        #expect(text.contains("calls 200"))
        #expect(text.contains("errors 20"))
        #expect(text.contains("dropped: kernel 5"))
        #expect(text.contains("PACKETS LOST"))
        #expect(text.contains("P99 ms"))
        #expect(text.contains("SLOWEST ms"))
        #expect(text.contains("MISSED 1"))
        #expect(text.contains("com.example.订单服务.method"))
    }
}

@Suite("live view findings line")
struct LiveDashboardFindingsTests {
    @Test("the most important finding is one line under the capture lines, escaped and cut to the width")
    func findingsLine() {
        var dashboard = LiveDashboard(title: "t")
        #expect(!dashboard.render(LiveDashboardTests.busySnapshot(), width: 120, height: 40).contains { $0.hasPrefix("findings:") })
        dashboard.findingsLine = "[thread_pool_exhausted] 10.0.0.9:20880 rejected 3 call(s) \u{1b}[2J" + String(repeating: "x", count: 300)
        let lines = dashboard.render(LiveDashboardTests.busySnapshot(), width: 120, height: 40)
        let line = lines.first { $0.hasPrefix("findings: [thread_pool_exhausted] 10.0.0.9:20880 rejected 3 call(s)") }
        #expect(line != nil)
        #expect(line.map { TerminalText.columns(of: $0) <= 120 } == true)
        #expect(line?.unicodeScalars.contains("\u{1b}") == false)
        #expect(lines.firstIndex { $0.hasPrefix("streams:") }.map { $0 + 1 } == lines.firstIndex { $0.hasPrefix("findings:") })
    }
}
