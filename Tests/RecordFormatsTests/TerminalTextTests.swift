@testable import RecordFormats
import Testing

/// One width rule for every text output: terminal columns, CJK and emoji two wide.
@Suite("TerminalText and TextTable")
struct TerminalTextTests {
    @Test("display width: ASCII one column, CJK and emoji two, combining marks none")
    func widths() {
        #expect(TerminalText.columns(of: "abc") == 3)
        #expect(TerminalText.columns(of: "订单") == 4)
        #expect(TerminalText.columns(of: "e\u{301}") == 1)
        #expect(TerminalText.columns(of: "😀") == 2)
        #expect(TerminalText.fit("订单服务", columns: 5) == "订单…")
        #expect(TerminalText.pad("ab", columns: 4, rightAligned: true) == "  ab")
        #expect(TerminalText.pad("订单", columns: 6) == "订单  ")
    }

    @Test("a table with CJK method names aligns the next column by display width")
    func cjkAlignment() {
        var table = TextTable([.text("METHOD"), .number("CALLS")])
        table.add(["com.example.订单服务.下单", "12"])
        table.add(["com.example.OrderService.place", "7"])
        let lines = table.render(maxWidth: nil).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        // Every line ends at the same terminal column: the number column is right-aligned after the names.
        let ends = lines.map { TerminalText.columns(of: $0) }
        #expect(Set(ends).count == 1, "\(lines)")
    }

    @Test("without a width limit nothing is cut; with one, the widest text column gives way")
    func widthLimit() {
        var table = TextTable([.text("SERVICE"), .number("P99")])
        table.add([String(repeating: "com.example.", count: 12) + "Service", "1.0"])
        #expect(!table.render(maxWidth: nil).contains("…"))
        let narrow = table.render(maxWidth: 60)
        #expect(narrow.contains("…"))
        #expect(narrow.split(separator: "\n").allSatisfy { TerminalText.columns(of: String($0)) <= 60 })
    }
}
