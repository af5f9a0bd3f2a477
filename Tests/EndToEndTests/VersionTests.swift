import Foundation
import Testing

/// End-to-end tests link the pipeline, not the CLI, so the version number is read from the one file that writes it.
@Suite("dubbo-inspect --version")
struct VersionTests {
    static func declaredNumber() throws -> String {
        let source = try String(
            contentsOf: Captures.repositoryRoot.appendingPathComponent("Sources/InspectorCLI/BuildVersion.swift"),
            encoding: .utf8)
        let line = try #require(source.split(separator: "\n").first { $0.contains("static let number = \"") })
        return String(line.split(separator: "\"")[1])
    }

    @Test("--version prints the release number and the build's commit, or 'unknown commit' when none was stamped")
    func versionNamesReleaseAndCommit() throws {
        let line = try Tool.inspect(["--version"]).output
        let number = try Self.declaredNumber()
        #expect(number.split(separator: ".").count == 3)
        #expect(number.split(separator: ".").allSatisfy { UInt($0) != nil })
        #expect(line.hasPrefix(number + " ("))
        if line.hasSuffix("(unknown commit)\n") { return }
        // Stamped (scripts/package.sh): a 12-digit abbreviated hash, "-dirty" for a tree with local changes.
        let commit = try #require(line.split(separator: " ").last?.dropLast(2))
        #expect(line == "\(number) (commit \(commit))\n")
        let hash = commit.hasSuffix("-dirty") ? commit.dropLast(6) : commit
        #expect(hash.count == 12 && hash.allSatisfy(\.isHexDigit))
    }
}
