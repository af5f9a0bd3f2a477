@testable import RecordFormats
import InspectorCore
import TestSupport
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

    @Test("the byte scan finds exactly the scalars isControl names, wherever they sit (every scalar to U+3000)")
    func controlScanAgreesWithScalars() {
        for value in 0..<0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for padding in [0, 1, 15, 16, 17, 30] {
                let text = String(repeating: "a", count: padding) + String(Character(scalar)) + "é→z"
                #expect(TextScan.containsTerminalControl(text) == TerminalText.isControl(scalar), "U+\(value), at \(padding)")
            }
        }
    }

    @Test("fitting cuts printable ASCII by bytes exactly where it cuts by characters, combining marks kept whole")
    func fitMatchesCharacterCut() {
        let texts = ["abcdefghijklmnop", "abcdefghij\u{301}klmnop", "abcdefghi→jklmnop", "abcdefghijkl订单", "ab"]
        for text in texts {
            for limit in 1...14 {
                var expected = ""
                var used = 0
                if TerminalText.columns(of: text) > limit {
                    for character in text {
                        let width = character.unicodeScalars.reduce(0) { $0 + TerminalText.columns(of: $1) }
                        guard used + width <= limit - 1 else { break }
                        expected.append(character)
                        used += width
                    }
                    expected += "…"
                } else {
                    expected = text
                }
                #expect(TerminalText.fit(text, columns: limit) == expected, "\(text.debugDescription), \(limit)")
            }
        }
    }

    @Test("columns counted over bytes equal the sum over scalars, for mixed text of every UTF-8 length (seeded)")
    func columnsMatchScalarSum() {
        let palette = ["a", " ", "~", "\u{1B}", "\u{7F}", "é", "\u{85}", "\u{301}", "→", "订", "\u{200B}", "😀", "🀄", "\u{10FFFF}"]
        var random = SeededRandom(seed: 0x7E47)
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...40, using: &random)).map { _ in palette.randomElement(using: &random)! }
                .joined()
            let expected = text.unicodeScalars.reduce(0) { $0 + TerminalText.columns(of: $1) }
            #expect(TerminalText.columns(of: text) == expected, "\(text.debugDescription)")
        }
    }
}
