/// An aligned table for a terminal, measured in terminal columns (`TerminalText`), so CJK names align. When the
/// table is wider than allowed, the widest shrinkable column loses a column at a time (so one long service name
/// gives way before the short columns do), down to `minimumWidth`; cut cells end in `…`. With no width limit
/// (output to a file or a pipe) nothing is cut. Cells are sanitised before they are measured.
package struct TextTable {
    package struct Column {
        var title: String
        var rightAligned: Bool
        /// Text columns shrink; number columns keep their width.
        var shrinks: Bool

        package static func text(_ title: String) -> Column { Column(title: title, rightAligned: false, shrinks: true) }
        package static func number(_ title: String) -> Column { Column(title: title, rightAligned: true, shrinks: false) }
    }

    package var columns: [Column]
    package var rows: [[String]] = []
    static let minimumWidth = 6
    static let gap = "  "

    package init(_ columns: [Column]) {
        self.columns = columns
    }

    package mutating func add(_ cells: [String]) {
        var row = cells.map(TerminalText.sanitize)
        if row.count < columns.count { row += Array(repeating: "", count: columns.count - row.count) }
        rows.append(Array(row.prefix(columns.count)))
    }

    /// Column widths after widest-first shrinking to fit `maxWidth` (when it can; nil: no limit).
    package func widths(maxWidth: Int?) -> [Int] {
        var widths = columns.map { TerminalText.columns(of: $0.title) }
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], TerminalText.columns(of: cell)) }
        }
        guard let maxWidth else { return widths }
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

    /// The table, its lines at most `maxWidth` columns wide where shrinking allows; nil: as wide as its cells.
    package func render(maxWidth: Int?) -> String {
        let widths = widths(maxWidth: maxWidth)
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let last = index == cells.count - 1
                let column = columns[index]
                if last, !column.rightAligned {
                    parts.append(TerminalText.fit(cell, columns: widths[index]))
                } else {
                    parts.append(TerminalText.pad(cell, columns: widths[index], rightAligned: column.rightAligned))
                }
            }
            return parts.joined(separator: Self.gap)
        }
        var text = line(columns.map(\.title)) + "\n"
        for row in rows { text += line(row) + "\n" }
        return text
    }
}
