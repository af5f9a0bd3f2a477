import Correlation
import DubboWire
import Foundation
import Hessian2
import InspectorCore
import RecordFormats
import TestSupport
import Testing

/// Every string from the wire is escaped for where it goes: terminal control characters never reach a terminal
/// raw through `text`, JSON lines stay one valid JSON object whatever the bytes, CSV rows stay well-formed and a
/// spreadsheet never runs a cell as a formula.
@Suite("Hostile strings in record output")
struct HostileOutputTests {
    /// Every C0 control, DEL, every C1 control, and the line and paragraph separators (which end a line in
    /// JavaScript): what JSON output must escape.
    static let controls: [Unicode.Scalar] =
        (0x00..<0x20).map { Unicode.Scalar(UInt8($0)) } + [Unicode.Scalar(UInt8(0x7F))]
        + (0x80..<0xA0).map { Unicode.Scalar(UInt8($0)) } + [0x2028, 0x2029].compactMap { Unicode.Scalar($0) }

    /// Bidirectional overrides and isolates: they make a terminal line read differently from what it holds, so
    /// `text` output shows them escaped too (JSON may carry them: they are data there, not layout).
    static let bidiControls: [Unicode.Scalar] =
        [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069].compactMap { Unicode.Scalar($0) }

    static var allControls: String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: controls + bidiControls)
        return String(text)
    }

    static func record(service: String = "demo.Svc", method: String = "m", arguments: [HessianValue] = [],
                       errorMessage: String? = nil, exception: String? = nil, status: UInt8 = 20) -> CallRecord {
        var call = CallFactory.Call()
        call.service = service
        call.method = method
        call.arguments = arguments
        call.status = status
        call.errorMessage = errorMessage
        call.exceptionClass = exception
        return CallFactory.record(call)
    }

    static func isRawTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) || (0x2028...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }

    // MARK: text

    @Test("a method named ESC [2J does not reach the terminal raw: it shows as a visible escape")
    func clearScreenMethodIsVisible() {
        let line = TextFormatter().line(Self.record(method: "\u{1B}[2J"))
        #expect(!line.unicodeScalars.contains("\u{1B}"))
        #expect(line.contains("\\u{1b}[2J"))
    }

    @Test("no control character from any wire string reaches a text line", arguments: ["service", "method", "argument", "error", "exception"])
    func textLinesCarryNoControls(field: String) {
        let hostile = "a" + Self.allControls + "\u{1B}]0;owned\u{07}z"
        let record: CallRecord = switch field {
        case "service": Self.record(service: hostile)
        case "method": Self.record(method: hostile)
        case "argument": Self.record(arguments: [.string(hostile), .map(HessianMap(type: nil, entries: [
            HessianMapEntry(key: .string(hostile), value: .string(hostile)),
        ]))])
        case "error": Self.record(errorMessage: hostile, status: 70)
        default: Self.record(exception: hostile)
        }
        let line = TextFormatter(detailWidth: 10_000).line(record)
        let raw = line.unicodeScalars.filter(Self.isRawTerminalControl)
        #expect(raw.isEmpty, "raw controls \(raw.map { String($0.value, radix: 16) }) in \(field)")
        #expect(!line.contains("\n"))
    }

    // MARK: JSON

    @Test("JSON lines escape every control character and round-trip the exact string")
    func jsonEscapesEveryControl() throws {
        let hostile = "q\"b\\s/" + Self.allControls + "\u{1B}[2J\u{FFFD}😀"
        let record = Self.record(service: hostile, method: hostile, arguments: [
            .string(hostile),
            .map(HessianMap(type: nil, entries: [HessianMapEntry(key: .string(hostile), value: .int(1))])),
            .map(HessianMap(type: nil, entries: [HessianMapEntry(key: .list(HessianList(type: nil, elements: [.string(hostile)])), value: .null)])),
        ], errorMessage: hostile, status: 70)
        var writer = JSONWriter()
        JSONLinesFormatter().write(record, to: &writer)
        let line = writer.string
        // One line: the only raw control character is the final newline.
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F..<0xA0).contains($0.value) })
        #expect(!line.unicodeScalars.contains("\u{2028}") && !line.unicodeScalars.contains("\u{2029}"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["service"] as? String == hostile)
        #expect(object["method"] as? String == hostile)
        #expect(object["error_message"] as? String == hostile)
        let arguments = try #require(object["arguments"] as? [Any])
        #expect(arguments.first as? String == hostile)
        #expect((arguments[1] as? [String: Any])?.keys.first == hostile)
        // A non-string key is written as the text of its JSON: it too parses back to the original.
        let keyText = try #require((arguments[2] as? [String: Any])?.keys.first)
        let key = try JSONSerialization.jsonObject(with: Data(keyText.utf8)) as? [String]
        #expect(key == [hostile])
    }

    @Test("every single control character is escaped as JSON requires", arguments: HostileOutputTests.controls)
    func jsonEscapesEachControl(scalar: Unicode.Scalar) throws {
        var writer = JSONWriter()
        writer.string(String(Character(scalar)))
        let text = writer.string
        #expect(text.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || ($0.value >= 0xA0 && $0 != scalar) })
        #expect(text.hasPrefix("\"\\"))
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String]
        #expect(parsed == [String(Character(scalar))])
    }

    // MARK: CSV

    /// RFC 4180 fields of one row, or nil when the row is malformed.
    static func csvFields(_ row: String) -> [String]? {
        guard row.hasSuffix("\r\n") else { return nil }
        let scalars = Array(row.unicodeScalars.dropLast(2))
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var index = 0
        var quoted = false
        var atStart = true
        while index < scalars.count {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        field.append("\"")
                        index += 2
                        continue
                    }
                    quoted = false
                    guard index + 1 == scalars.count || scalars[index + 1] == "," else { return nil }
                } else {
                    field.append(scalar)
                }
            } else if scalar == "," {
                fields.append(String(field))
                field = String.UnicodeScalarView()
                atStart = true
                index += 1
                continue
            } else if scalar == "\"" {
                guard atStart else { return nil }
                quoted = true
            } else if scalar == "\r" || scalar == "\n" {
                return nil
            } else {
                field.append(scalar)
            }
            atStart = false
            index += 1
        }
        guard !quoted else { return nil }
        fields.append(String(field))
        return fields
    }

    @Test(
        "CSV cells that a spreadsheet would run as a formula are neutralised with a leading quote",
        arguments: ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "|cmd", "=HYPERLINK(\"http://evil\",\"x\")",
                    "=cmd|' /C calc'!A0"])
    func csvNeutralisesFormulas(text: String) throws {
        let record = Self.record(service: text, method: text, errorMessage: text, status: 70)
        let row = CSVFormatter().row(record)
        let fields = try #require(Self.csvFields(row), "malformed row \(row)")
        #expect(fields.count == CSVFormatter.columns.count)
        for name in ["service", "method", "error_message"] {
            let index = try #require(CSVFormatter.columns.firstIndex(of: name))
            #expect(fields[index] == "'" + text, "\(name)")
        }
    }

    @Test("CSV quotes commas, quotes and line breaks, and the row parses back to the same strings")
    func csvQuotesAndRoundTrips() throws {
        let text = "a,b \"quoted\"\r\nnext\tline"
        let record = Self.record(service: text, method: "m\nn", arguments: [.string(text + "\u{1B}[2J")])
        let row = CSVFormatter().row(record)
        let fields = try #require(Self.csvFields(row), "malformed row \(row)")
        #expect(fields.count == CSVFormatter.columns.count)
        let column = { (name: String) throws -> String in fields[try #require(CSVFormatter.columns.firstIndex(of: name))] }
        #expect(try column("service") == text)
        #expect(try column("method") == "m\nn")
        // Arguments are JSON inside the cell: control characters escaped there too.
        let arguments = try JSONSerialization.jsonObject(with: Data(try column("arguments").utf8)) as? [String]
        #expect(arguments == [text + "\u{1B}[2J"])
        #expect(!(try column("arguments")).unicodeScalars.contains("\u{1B}"))
    }

    @Test("CSV text cells show escape sequences as visible escapes: CSV written to a terminal cannot reprogram it")
    func csvTextCellsCarryNoEscapeSequences() throws {
        let hostile = "m\u{1B}[2J\u{9B}31m\u{7F}\u{202E}x"
        let row = CSVFormatter().row(Self.record(service: hostile, method: "\u{1B}]0;owned\u{07}"))
        #expect(!row.unicodeScalars.contains { Self.isRawTerminalControl($0) && !["\r", "\n"].contains($0) })
        let fields = try #require(Self.csvFields(row))
        let column = { (name: String) throws -> String in fields[try #require(CSVFormatter.columns.firstIndex(of: name))] }
        #expect(try column("service") == "m\\u{1b}[2J\\u{9b}31m\\u{7f}\\u{202e}x")
        #expect(try column("method") == "\\u{1b}]0;owned\\u{7}")
    }
    @Test("CSV cells written as bytes read back as the character-level rules say, over mixed hostile text (seeded)")
    func csvCellsAgreeWithCharacterRules() throws {
        // Plain ASCII, what quoting and formulas look at, non-ASCII characters led by 0xC2 or 0xE2 that are not
        // controls (©, –), ones that are (NEL, LS, RLO), others, and a quote followed by a combining mark.
        let palette = ["a", "Z", "0", " ", ",", "\"", "\r", "\n", "\t", "=", "+", "-", "@", "|", "é", "©", "–", "中",
                       "😀", "\u{1B}", "\u{85}", "\u{2028}", "\u{202E}", "\u{7F}", "\"\u{301}", "x\u{301}"]
        var random = SeededRandom(seed: 0xC5F)
        for round in 0..<3_000 {
            let text = (0..<Int.random(in: 0...30, using: &random)).map { _ in palette.randomElement(using: &random)! }
                .joined()
            let row = CSVFormatter().row(Self.record(service: text, method: "m", errorMessage: text, status: 70))
            let fields = try #require(Self.csvFields(row), "malformed row \(row) (round \(round))")
            #expect(fields.count == CSVFormatter.columns.count)
            for name in ["service", "error_message"] {
                let index = try #require(CSVFormatter.columns.firstIndex(of: name))
                #expect(fields[index] == CSVFormatter.text(text), "\(name), round \(round): \(text.debugDescription)")
            }
        }
    }
}
