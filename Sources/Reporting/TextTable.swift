/// An aligned table for a terminal. When the table is wider than allowed, the widest shrinkable column loses a
/// character at a time (so one long service name gives way before the short columns do), down to `minimumWidth`;
/// cut cells end in `…`. Cells are sanitised with `TerminalText` before they are measured.
struct TextTable {
    struct Column {
        var title: String
        var rightAligned: Bool
        /// Text columns shrink; number columns keep their width.
        var shrinks: Bool

        static func text(_ title: String) -> Column { Column(title: title, rightAligned: false, shrinks: true) }
        static func number(_ title: String) -> Column { Column(title: title, rightAligned: true, shrinks: false) }
    }

    var columns: [Column]
    var rows: [[String]] = []
    static let minimumWidth = 6
    static let gap = "  "

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func add(_ cells: [String]) {
        var row = cells.map(TerminalText.sanitize)
        if row.count < columns.count { row += Array(repeating: "", count: columns.count - row.count) }
        rows.append(Array(row.prefix(columns.count)))
    }

    /// Column widths after widest-first shrinking to fit `maxWidth` (when it can).
    func widths(maxWidth: Int) -> [Int] {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var total = widths.reduce(0, +) + Self.gap.count * max(0, columns.count - 1)
        // Bounded: every turn removes one character from a column above the minimum.
        while total > maxWidth {
            // On a tie the later column gives way: the first column names the row.
            var widest: Int?
            for index in columns.indices where columns[index].shrinks && widths[index] > Self.minimumWidth {
                if widest.map({ widths[index] >= widths[$0] }) ?? true { widest = index }
            }
            guard let index = widest else { break }
            widths[index] -= 1
            total -= 1
        }
        return widths
    }

    func render(maxWidth: Int) -> String {
        let widths = widths(maxWidth: maxWidth)
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let last = index == cells.count - 1
                let column = columns[index]
                if last, !column.rightAligned {
                    parts.append(TerminalText.fit(cell, width: widths[index]))
                } else {
                    parts.append(TerminalText.padded(cell, to: widths[index], rightAligned: column.rightAligned))
                }
            }
            return parts.joined(separator: Self.gap)
        }
        var text = line(columns.map(\.title)) + "\n"
        for row in rows { text += line(row) + "\n" }
        return text
    }
}
