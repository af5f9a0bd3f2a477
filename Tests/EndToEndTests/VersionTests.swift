import InspectorCLI
import Testing

@Suite("dubbo-inspect --version")
struct VersionTests {
    @Test("--version prints the release number and the build's commit, or 'unknown commit' when none was stamped")
    func versionNamesReleaseAndCommit() throws {
        let line = try Tool.inspect(["--version"]).output
        #expect(line == BuildVersion.text + "\n")
        #expect(line.hasPrefix(BuildVersion.number + " ("))
        #expect(BuildVersion.number.split(separator: ".").count == 3)
        #expect(BuildVersion.number.split(separator: ".").allSatisfy { UInt($0) != nil })
        let commit = BuildVersion.commit
        if commit == "unknown commit" {
            #expect(line.hasSuffix("(unknown commit)\n"))
        } else {
            // Stamped (scripts/package.sh): a 12-digit abbreviated hash, "-dirty" for a tree with local changes.
            #expect(line.hasSuffix("(commit \(commit))\n"))
            let hash = commit.hasSuffix("-dirty") ? commit.dropLast(6) : Substring(commit)
            #expect(hash.count == 12 && hash.allSatisfy(\.isHexDigit))
        }
    }
}
