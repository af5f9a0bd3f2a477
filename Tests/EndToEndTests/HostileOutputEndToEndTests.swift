import Foundation
import Testing

/// Hostile names from the wire through the built tool, in every output format: nothing reaches a terminal raw,
/// JSON and CSV stay well-formed, a spreadsheet runs nothing, and the HTML report shows markup as text.
@Suite("Hostile strings through dubbo-inspect")
struct HostileOutputEndToEndTests {
    static let service = "<script>alert(1)</script>"
    static let method = "\u{1B}[2J\u{1B}]0;owned\u{07}"
    static let argument = "=cmd|' /C calc'!A0\r\n\u{1B}[31mred"

    /// One call whose service, method and argument are hostile, answered OK.
    static func capture(in directory: HostileDirectory) throws -> String {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        let body = HostileDubbo.requestBody(
            service: service, method: method, descriptor: "Ljava/lang/String;",
            arguments: HostileDubbo.string(argument))
        conversation.send(HostileDubbo.request(id: 3, body: body), fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.okResponse(id: 3), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        return try directory.write("hostile-names.pcap", pcap.bytes)
    }

    static func run(_ arguments: [String], in directory: HostileDirectory) throws -> HostileProcess.Outcome {
        let outcome = try HostileProcess.run(arguments, in: directory)
        #expect(!outcome.signaled)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return outcome
    }

    @Test("text: the method that would clear the screen and retitle the terminal shows as escapes")
    func textOutput() throws {
        let directory = try HostileDirectory()
        let outcome = try Self.run(["read", Self.capture(in: directory), "--format", "text"], in: directory)
        let raw = outcome.standardOutput.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }
        #expect(raw.isEmpty, "raw control characters: \(raw.map(\.value))")
        #expect(outcome.standardOutput.contains("\\u{1b}[2J"))
    }

    @Test("jsonl: one valid line carrying the exact strings")
    func jsonOutput() throws {
        let directory = try HostileDirectory()
        let outcome = try Self.run(["read", Self.capture(in: directory), "--format", "jsonl"], in: directory)
        let lines = outcome.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(object["service"] as? String == Self.service)
        #expect(object["method"] as? String == Self.method)
        #expect(object["arguments"] as? [String] == [Self.argument])
        #expect(!outcome.standardOutput.unicodeScalars.contains("\u{1B}"))
    }

    @Test("csv: the formula-looking method is neutralised, the row keeps its columns")
    func csvOutput() throws {
        let directory = try HostileDirectory()
        let outcome = try Self.run(["read", Self.capture(in: directory), "--format", "csv"], in: directory)
        // Header and one record; the record's quoted argument cell holds a CR LF of its own.
        #expect(outcome.standardOutput.hasPrefix("kind,client,server,"))
        #expect(outcome.standardOutput.contains(",'=cmd|") == false)  // the argument is JSON text, starting with [
        #expect(outcome.standardOutput.contains(#""[""=cmd|' /C calc'!A0\r\n\u001b[31mred""]""#))
        #expect(!outcome.standardOutput.unicodeScalars.contains { $0.value < 0x20 && !["\r", "\n"].contains($0) })
        #expect(outcome.standardOutput.contains(",<script>alert(1)</script>,"))
        #expect(outcome.standardOutput.contains(",\\u{1b}[2J\\u{1b}]0;owned\\u{7},"))
    }

    @Test("html report: the script-named service is text, never markup")
    func htmlReport() throws {
        let directory = try HostileDirectory()
        let report = directory.path("report.html")
        _ = try Self.run(["report", Self.capture(in: directory), "--format", "html", "--output", report], in: directory)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.unicodeScalars.contains("\u{1B}"))
        #expect(!html.unicodeScalars.contains("\u{07}"))
    }
}
