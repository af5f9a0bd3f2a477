import RegistryJoin
import RecordFormats
/// Inline SVG charts for the HTML report: no script, no external resource. Every label passes through
/// `HTMLText.escape`; coordinates are numbers we computed.
enum SVGChart {
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]
    static let serverColor = "#4e79a7"
    static let requestWireColor = "#f28e2b"
    static let responseWireColor = "#edc948"
    static let failureColor = "#e15759"

    struct Line {
        var name: String
        var color: String
        var dashed: Bool
        /// x in seconds since the epoch, y in the chart's unit; nil y breaks the line.
        var points: [(x: Double, y: Double?)]
    }

    struct Marker {
        var x: Double
        var label: String
        var color: String
    }

    struct Frame {
        var width = 1200.0
        var height = 300.0
        var left = 72.0
        var right = 16.0
        var top = 14.0
        var bottom = 34.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    // MARK: Line chart over time

    static func timeLines(
        _ lines: [Line], xRange: ClosedRange<Double>, yLabel: (Double) -> String, markers: [Marker] = [],
        frame: Frame = Frame(), title: String
    ) -> String {
        let yMax = niceCeiling(lines.flatMap { $0.points.compactMap(\.y) }.max() ?? 1)
        let span = max(xRange.upperBound - xRange.lowerBound, 1e-9)
        func x(_ value: Double) -> Double { frame.left + (value - xRange.lowerBound) / span * frame.plotWidth }
        func y(_ value: Double) -> Double { frame.top + frame.plotHeight * (1 - min(value, yMax) / yMax) }

        var svg = open(frame, title: title)
        svg += yGrid(frame: frame, maximum: yMax, label: yLabel)
        svg += timeAxis(frame: frame, xRange: xRange)
        for line in lines {
            var path = ""
            var pen = false
            for point in line.points {
                guard let value = point.y else {
                    pen = false
                    continue
                }
                path += (pen ? "L" : "M") + coordinate(x(point.x)) + "," + coordinate(y(value)) + " "
                pen = true
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\""
            svg += line.dashed ? " stroke-dasharray=\"5 4\"" : ""
            svg += "><title>\(HTMLText.escape(line.name))</title></path>"
            // A point with no neighbour draws no line: mark it with a dot (hollow for dashed lines).
            for (index, point) in line.points.enumerated() {
                guard let value = point.y else { continue }
                let before = index > 0 ? line.points[index - 1].y : nil
                let after = index + 1 < line.points.count ? line.points[index + 1].y : nil
                guard before == nil, after == nil else { continue }
                svg += "<circle cx=\"\(coordinate(x(point.x)))\" cy=\"\(coordinate(y(value)))\" r=\"3\" "
                svg += line.dashed ? "fill=\"#fff\" stroke=\"\(line.color)\" stroke-width=\"1.5\"" : "fill=\"\(line.color)\""
                svg += "><title>\(HTMLText.escape(line.name)): \(HTMLText.escape(yLabel(value)))</title></circle>"
            }
        }
        for marker in markers {
            let position = coordinate(x(marker.x))
            svg += "<line x1=\"\(position)\" x2=\"\(position)\" y1=\"\(coordinate(frame.top))\" "
            svg += "y2=\"\(coordinate(frame.top + frame.plotHeight))\" stroke=\"\(marker.color)\" stroke-width=\"1.5\" "
            svg += "stroke-dasharray=\"3 3\"/>"
            svg += "<text x=\"\(coordinate(x(marker.x) + 4))\" y=\"\(coordinate(frame.top + 12))\" class=\"marker\" "
            svg += "fill=\"\(marker.color)\">\(HTMLText.escape(marker.label))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: Stacked bars over time

    /// One bar per slot: `stacks` are (value, color) from the bottom up.
    static func timeBars(
        _ slots: [(x: Double, stacks: [(Double, String)], tip: String)], xRange: ClosedRange<Double>,
        slotSeconds: Double, yLabel: (Double) -> String, frame: Frame = Frame(), title: String
    ) -> String {
        let yMax = niceCeiling(slots.map { $0.stacks.reduce(0) { $0 + $1.0 } }.max() ?? 1, integral: true)
        let span = max(xRange.upperBound - xRange.lowerBound, 1e-9)
        let barWidth = max(1, frame.plotWidth * slotSeconds / span - 1)
        var svg = open(frame, title: title)
        svg += yGrid(frame: frame, maximum: yMax, label: yLabel, ticks: integralTicks(yMax))
        svg += timeAxis(frame: frame, xRange: xRange)
        for slot in slots {
            let left = frame.left + (slot.x - xRange.lowerBound) / span * frame.plotWidth
            var base = frame.top + frame.plotHeight
            svg += "<g><title>\(HTMLText.escape(slot.tip))</title>"
            for (value, color) in slot.stacks where value > 0 {
                let height = frame.plotHeight * min(value, yMax) / yMax
                base -= height
                svg += "<rect x=\"\(coordinate(left))\" y=\"\(coordinate(base))\" width=\"\(coordinate(barWidth))\" "
                svg += "height=\"\(coordinate(height))\" fill=\"\(color)\"/>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    // MARK: Latency histogram (log-spaced bars drawn at equal width)

    static func histogram(_ bars: [HistogramBar], markers: [(value: Int64, label: String, color: String)],
                          width: Double = 380, height: Double = 170, title: String) -> String {
        let frame = Frame(width: width, height: height, left: 44, right: 8, top: 10, bottom: 30)
        guard !bars.isEmpty else {
            return open(frame, title: title) + "<text x=\"\(coordinate(width / 2))\" y=\"\(coordinate(height / 2))\" "
                + "text-anchor=\"middle\" class=\"axis\">no answered calls</text></svg>"
        }
        let most = Double(bars.map(\.count).max() ?? 1)
        let yMax = niceCeiling(most, integral: true)
        let barWidth = frame.plotWidth / Double(bars.count)
        var svg = open(frame, title: title)
        svg += yGrid(frame: frame, maximum: yMax, label: { ReportNumbers.grouped(Int($0.rounded())) },
                     ticks: integralTicks(yMax))
        for (index, bar) in bars.enumerated() where bar.count > 0 {
            let height = frame.plotHeight * Double(bar.count) / yMax
            let x = frame.left + Double(index) * barWidth
            svg += "<rect x=\"\(coordinate(x + 0.5))\" y=\"\(coordinate(frame.top + frame.plotHeight - height))\" "
            svg += "width=\"\(coordinate(max(0.5, barWidth - 1)))\" height=\"\(coordinate(height))\" fill=\"#4e79a7\">"
            svg += "<title>\(ReportNumbers.duration(microseconds: bar.lower)) – "
            svg += "\(ReportNumbers.duration(microseconds: bar.upper)): \(bar.count) calls</title></rect>"
        }
        // x labels: first, middle and last bar bounds.
        let bottom = frame.top + frame.plotHeight
        for index in Set([0, bars.count / 2, bars.count - 1]).sorted() {
            let x = frame.left + (Double(index) + 0.5) * barWidth
            let anchor = index == 0 ? "start" : (index == bars.count - 1 ? "end" : "middle")
            let shifted = index == 0 ? frame.left : (index == bars.count - 1 ? frame.left + frame.plotWidth : x)
            svg += "<text x=\"\(coordinate(shifted))\" y=\"\(coordinate(bottom + 14))\" text-anchor=\"\(anchor)\" "
            svg += "class=\"axis\">\(ReportNumbers.duration(microseconds: bars[index].lower))</text>"
        }
        for (offset, marker) in markers.enumerated() {
            guard let index = bars.firstIndex(where: { marker.value <= $0.upper }) else { continue }
            let x = frame.left + (Double(index) + 0.5) * barWidth
            svg += "<line x1=\"\(coordinate(x))\" x2=\"\(coordinate(x))\" y1=\"\(coordinate(frame.top))\" "
            svg += "y2=\"\(coordinate(bottom))\" stroke=\"\(marker.color)\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>"
            let rightHalf = x > frame.left + frame.plotWidth / 2
            svg += "<text x=\"\(coordinate(rightHalf ? x - 3 : x + 3))\" y=\"\(coordinate(frame.top + 10 + 12 * Double(offset)))\" "
            svg += "text-anchor=\"\(rightHalf ? "end" : "start")\" class=\"marker halo\" fill=\"\(marker.color)\">"
            svg += "\(HTMLText.escape(marker.label))</text>"
        }
        svg += "<text x=\"\(coordinate(frame.left + frame.plotWidth / 2))\" y=\"\(coordinate(height - 2))\" "
        svg += "text-anchor=\"middle\" class=\"axis\">latency (log scale)</text>"
        return svg + "</svg>"
    }

    // MARK: A horizontal stacked bar (server vs wire)

    static func stackedBar(_ parts: [(value: Double, color: String, name: String)], scale: Double,
                           width: Double = 260, height: Double = 16) -> String {
        var svg = "<svg class=\"bar\" width=\"\(coordinate(width))\" height=\"\(coordinate(height))\" "
        svg += "viewBox=\"0 0 \(coordinate(width)) \(coordinate(height))\" role=\"img\">"
        var x = 0.0
        for part in parts where part.value > 0 && scale > 0 {
            let w = max(1, width * part.value / scale)
            svg += "<rect x=\"\(coordinate(x))\" y=\"2\" width=\"\(coordinate(w))\" height=\"\(coordinate(height - 4))\" "
            svg += "fill=\"\(part.color)\"><title>\(HTMLText.escape(part.name)): "
            svg += "\(ReportNumbers.duration(microseconds: part.value))</title></rect>"
            x += w
        }
        return svg + "</svg>"
    }

    // MARK: Pieces

    private static func open(_ frame: Frame, title: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(coordinate(frame.width)) \(coordinate(frame.height))\" "
            + "preserveAspectRatio=\"xMidYMid meet\" role=\"img\"><title>\(HTMLText.escape(title))</title>"
    }

    private static func yGrid(frame: Frame, maximum: Double, label: (Double) -> String, ticks: Int = 5) -> String {
        var svg = ""
        for tick in 0...ticks {
            let value = maximum * Double(tick) / Double(ticks)
            let y = frame.top + frame.plotHeight * (1 - Double(tick) / Double(ticks))
            svg += "<line x1=\"\(coordinate(frame.left))\" x2=\"\(coordinate(frame.left + frame.plotWidth))\" "
            svg += "y1=\"\(coordinate(y))\" y2=\"\(coordinate(y))\" class=\"grid\"/>"
            svg += "<text x=\"\(coordinate(frame.left - 6))\" y=\"\(coordinate(y + 4))\" text-anchor=\"end\" "
            svg += "class=\"axis\">\(HTMLText.escape(label(value)))</text>"
        }
        return svg
    }

    private static func timeAxis(frame: Frame, xRange: ClosedRange<Double>) -> String {
        let span = xRange.upperBound - xRange.lowerBound
        let count = 6
        var svg = ""
        let bottom = frame.top + frame.plotHeight
        svg += "<line x1=\"\(coordinate(frame.left))\" x2=\"\(coordinate(frame.left + frame.plotWidth))\" "
        svg += "y1=\"\(coordinate(bottom))\" y2=\"\(coordinate(bottom))\" class=\"axisline\"/>"
        for tick in 0...count {
            let value = xRange.lowerBound + span * Double(tick) / Double(count)
            let x = frame.left + frame.plotWidth * Double(tick) / Double(count)
            let anchor = tick == 0 ? "start" : (tick == count ? "end" : "middle")
            svg += "<text x=\"\(coordinate(x))\" y=\"\(coordinate(bottom + 16))\" text-anchor=\"\(anchor)\" "
            svg += "class=\"axis\">\(clockLabel(value, span: span))</text>"
        }
        return svg
    }

    /// `HH:MM:SS` (UTC), with milliseconds when the chart spans under a minute.
    static func clockLabel(_ epochSeconds: Double, span: Double) -> String {
        guard epochSeconds.isFinite, abs(epochSeconds) < 1e12 else { return "" }
        let whole = epochSeconds.rounded(.down)
        var secondOfDay = Int64(whole) % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400 }
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if span < 60 {
            let millis = Int64(((epochSeconds - whole) * 1000).rounded(.down))
            text += "." + String(repeating: "0", count: 3 - String(millis).count) + String(millis)
        }
        return text
    }

    /// 1, 2, 2.5 or 5 × 10^k at or above `value` (no 2.5 for counts, which need whole-number ticks).
    static func niceCeiling(_ value: Double, integral: Bool = false) -> Double {
        guard value.isFinite, value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        let steps = integral ? [1.0, 2.0, 5.0, 10.0] : [1.0, 2.0, 2.5, 5.0, 10.0]
        for step in steps where step * magnitude >= value { return max(step * magnitude, integral ? 1 : 0) }
        return 10 * magnitude
    }

    /// Tick count that puts every tick of a 0…`maximum` count axis on a whole number.
    static func integralTicks(_ maximum: Double) -> Int {
        if maximum <= 5 { return max(1, Int(maximum)) }
        if maximum.truncatingRemainder(dividingBy: 4) == 0 { return 4 }
        if maximum.truncatingRemainder(dividingBy: 5) == 0 { return 5 }
        return 2
    }

    static func coordinate(_ value: Double) -> String {
        ReportNumbers.fixed(value.isFinite ? value : 0, 1)
    }
}
