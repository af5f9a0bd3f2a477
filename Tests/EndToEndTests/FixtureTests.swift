import Foundation
import AnalysisPipeline
import Testing

/// The generated fixtures (`Fixtures/README.md`): each case's inputs must give exactly its expected JSON lines,
/// byte for byte (64-bit ids and timestamps included), in the same order.
@Suite("Fixtures")
struct FixtureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var inputs: [String]
        var expected: String
        var testDescription: String { name }
    }

    static func cases() throws -> [Case] {
        let manifest = try Captures.required(Captures.fixtures.appendingPathComponent("manifest.json"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest)))
        let entries = (object as? [String: Any])?["cases"] as? [[String: Any]] ?? []
        return entries.map {
            Case(name: $0["name"] as? String ?? "?", inputs: $0["inputs"] as? [String] ?? [],
                 expected: $0["expected"] as? String ?? "")
        }
    }

    @Test("the manifest lists every fixture")
    func manifestComplete() throws {
        let cases = try Self.cases()
        #expect(cases.count == 23)
        #expect(Set(cases.map(\.name)).count == cases.count)
    }

    @Test("records equal the expected file exactly", arguments: try FixtureTests.cases())
    func recordsMatch(_ fixture: Case) throws {
        let inputs = try fixture.inputs.map { try Captures.required(Captures.fixtures.appendingPathComponent($0)) }
        let expectedPath = try Captures.required(Captures.fixtures.appendingPathComponent(fixture.expected))
        let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map { String($0) + "\n" }
        let result = try Captures.analyze(inputs)
        #expect(result.problems.unreadableFiles.isEmpty && result.problems.readErrors.isEmpty)
        #expect(result.lines.count == expected.count, "\(fixture.name): record count")
        for (index, (actual, wanted)) in zip(result.lines, expected).enumerated() where actual != wanted {
            Issue.record("\(fixture.name) record \(index + 1) differs:\n  got      \(actual)  expected \(wanted)")
        }
    }
}
