import Foundation
import Glibc
import TestSupport
import Testing

/// Corrupt and unreadable capture files through the built `dubbo-inspect read`: each gives one `dubbo-inspect:`
/// line on standard error naming the file and what is wrong, analyses whatever came before the damage, exits
/// non-zero when a file could not be (fully) read — 2 when no file could be opened, 1 when some data was lost —
/// and never crashes.
@Suite("Corrupt capture files through dubbo-inspect read")
struct CorruptFileTests {
    /// One complete call (8 packets), then whatever damage the test appends.
    static func callCapture() -> HostilePcap {
        var pcap = HostilePcap()
        for (time, data) in HostileCall.packets() { pcap.record(microseconds: time, data) }
        return pcap
    }

    /// The lines the tool wrote to standard error that report problems (the run summary follows them).
    static func problemLines(_ outcome: HostileProcess.Outcome) -> [Substring] {
        outcome.standardError.split(separator: "\n").filter { $0.hasPrefix("dubbo-inspect: ") }
    }

    static func read(_ path: String, in directory: HostileDirectory, prefix: [String] = []) throws
        -> HostileProcess.Outcome
    {
        let outcome = try HostileProcess.run(["read", path, "--format", "jsonl"], prefix: prefix, in: directory)
        #expect(!outcome.signaled, "dubbo-inspect was killed by signal \(outcome.status)")
        return outcome
    }

    @Test("the whole call capture reads cleanly (the baseline the damaged files are built on)")
    func baselineIsClean() throws {
        let directory = try HostileDirectory()
        let path = try directory.write("call.pcap", Self.callCapture().bytes)
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 0)
        #expect(Self.problemLines(outcome).isEmpty)
        #expect(outcome.standardOutput.split(separator: "\n").count == 1)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
    }

    @Test("a pcap cut in the middle of a record: the call before the cut is reported, then where it stopped")
    func cutInsideRecord() throws {
        let directory = try HostileDirectory()
        var pcap = Self.callCapture()
        // A record announcing 100 bytes, of which only 20 made it into the file.
        pcap.recordHeader(microseconds: 1_700_000_001_000_000, capturedLength: 100, originalLength: 100)
        let path = try directory.write("cut.pcap", pcap.bytes + [UInt8](repeating: 0xAB, count: 20))
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        let problems = Self.problemLines(outcome)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("dubbo-inspect: \(path): truncated or corrupt capture, stopped after 8 packets") == true)
    }

    @Test("a pcap cut inside a record header is reported the same way")
    func cutInsideRecordHeader() throws {
        let directory = try HostileDirectory()
        let path = try directory.write("cut-header.pcap", Self.callCapture().bytes + [0x01, 0x02, 0x03, 0x04, 0x05])
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        #expect(Self.problemLines(outcome).first?.contains("stopped after 8 packets") == true)
    }

    @Test("a garbage global header is not a capture file: one line, exit 2, no records")
    func garbageGlobalHeader() throws {
        let directory = try HostileDirectory()
        var garbage = SeededRandom(seed: 0x6A7B)
        let bytes = (0..<4_096).map { _ in UInt8(truncatingIfNeeded: garbage.next()) }
        let path = try directory.write("garbage.pcap", bytes)
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.isEmpty)
        let problems = Self.problemLines(outcome)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("dubbo-inspect: \(path): not a pcap or pcapng capture file: ") == true)
    }

    @Test("a header shorter than a pcap header is not a capture file")
    func shortGlobalHeader() throws {
        let directory = try HostileDirectory()
        let path = try directory.write("short.pcap", Array(Self.callCapture().bytes.prefix(10)))
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 2)
        #expect(Self.problemLines(outcome).first?.contains("not a pcap or pcapng capture file") == true)
    }

    @Test("a record longer than the snap length (but under libpcap's maximum) is cut to the snap length, reading goes on")
    func recordLongerThanSnapLength() throws {
        let directory = try HostileDirectory()
        var pcap = HostilePcap(snapLength: 128)
        let packets = HostileCall.packets()
        // The request packet claims (and holds) 400 bytes in a 128-byte-snap file; the rest are normal.
        var expectedBytes = 0
        for (index, (time, data)) in packets.enumerated() {
            let record = index == 3 ? data + [UInt8](repeating: 0, count: 400 - data.count) : data
            pcap.record(microseconds: time, record)
            expectedBytes += min(record.count, 128)
        }
        let path = try directory.write("oversnap.pcap", pcap.bytes)
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 0)
        #expect(Self.problemLines(outcome).isEmpty)
        // libpcap keeps the first 128 bytes of the long record and skips the rest, so every record is read.
        #expect(outcome.standardError.contains("Summary: 8 packets (\(expectedBytes) bytes)"))
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
    }

    @Test("a record claiming 2 GB of captured bytes stops the file with one line, after the packets before it")
    func recordLengthBeyondAnySnapLength() throws {
        let directory = try HostileDirectory()
        var pcap = Self.callCapture()
        pcap.recordHeader(microseconds: 1_700_000_001_000_000, capturedLength: 0x7FFF_FFFF, originalLength: 0x7FFF_FFFF)
        let path = try directory.write("huge-record.pcap", pcap.bytes + [UInt8](repeating: 0, count: 64))
        let outcome = try HostileProcess.run(["read", path, "--format", "jsonl"], measureMemory: true, in: directory)
        #expect(!outcome.signaled)
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        let problems = Self.problemLines(outcome)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("truncated or corrupt capture, stopped after 8 packets") == true)
        // libpcap refuses the length before allocating for it.
        #expect(HostileProcess.underSanitizer || (outcome.peakResidentKiB ?? .max) < 256 * 1024)
    }

    @Test("pcapng: blocks of an unknown type are skipped and the packets around them are read")
    func pcapngUnknownBlocks() throws {
        let directory = try HostileDirectory()
        var pcapng = HostilePcapng()
        for (index, (time, data)) in HostileCall.packets().enumerated() {
            pcapng.packet(microseconds: time, data)
            if index == 2 { pcapng.block(type: 0x0000_0BAD, body: [1, 2, 3, 4, 5, 6, 7, 8]) }
            if index == 4 { pcapng.block(type: 0x8000_0001, body: []) }  // a local-use type, empty body
        }
        let path = try directory.write("unknown.pcapng", pcapng.bytes)
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 0)
        #expect(Self.problemLines(outcome).isEmpty)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        #expect(outcome.standardError.contains("8 packets"))
    }

    @Test(
        "pcapng: a malformed block stops the file with one line after the packets before it",
        arguments: [
            ("total length below the minimum", [UInt8](arrayLiteral: 6, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0)),
            ("total length not a multiple of 4", [6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 13, 0, 0, 0]),
            ("total length past the end of the file", [6, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
            ("trailing length that disagrees", [0xAD, 0x0B, 0, 0, 16, 0, 0, 0, 1, 2, 3, 4, 20, 0, 0, 0]),
        ])
    func pcapngMalformedBlocks(name: String, block: [UInt8]) throws {
        let directory = try HostileDirectory()
        var pcapng = HostilePcapng()
        for (time, data) in HostileCall.packets() { pcapng.packet(microseconds: time, data) }
        pcapng.raw(block)
        let path = try directory.write("malformed.pcapng", pcapng.bytes)
        let outcome = try Self.read(path, in: directory)
        // The complete call before the damage is reported either way.
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#), "\(name)")
        let problems = Self.problemLines(outcome)
        #expect(problems.count == 1, "\(name): \(problems)")
        #expect(outcome.status == 1, "\(name)")
        #expect(problems.first?.contains("truncated or corrupt capture, stopped after 8 packets") == true, "\(name)")
    }

    @Test("pcapng: an enhanced packet claiming more bytes than its block holds stops the file")
    func pcapngPacketLongerThanBlock() throws {
        let directory = try HostileDirectory()
        var pcapng = HostilePcapng()
        for (time, data) in HostileCall.packets() { pcapng.packet(microseconds: time, data) }
        // interface 0, timestamp, captured 4000 (but the block carries 4 bytes), original 4000.
        pcapng.block(type: 6, body: pcapng.le32(0) + pcapng.le32(0) + pcapng.le32(0) + pcapng.le32(4_000)
            + pcapng.le32(4_000) + [1, 2, 3, 4])
        let path = try directory.write("lying-epb.pcapng", pcapng.bytes)
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        #expect(outcome.status == 1)
        #expect(Self.problemLines(outcome).count == 1)
    }

    @Test("an empty file: one line, exit 2")
    func emptyFile() throws {
        let directory = try HostileDirectory()
        let path = try directory.write("empty.pcap", [])
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 2)
        #expect(Self.problemLines(outcome) == ["dubbo-inspect: \(path): empty file (0 bytes), not a capture file"])
    }

    @Test("a directory: one line, exit 2")
    func directoryArgument() throws {
        let directory = try HostileDirectory()
        let outcome = try Self.read(directory.url.path, in: directory)
        #expect(outcome.status == 2)
        #expect(Self.problemLines(outcome) == ["dubbo-inspect: \(directory.url.path): is a directory, not a capture file"])
    }

    @Test("a missing file: one line, exit 2")
    func missingFile() throws {
        let directory = try HostileDirectory()
        let path = directory.path("nowhere.pcap")
        let outcome = try Self.read(path, in: directory)
        #expect(outcome.status == 2)
        #expect(Self.problemLines(outcome) == ["dubbo-inspect: \(path): no such file"])
    }

    /// Root reads any file, so the check runs as `nobody` (via `setpriv`) when the tests run as root.
    @Test("a file without read permission: one line, exit 2 (run as an unprivileged user)")
    func unreadableFile() throws {
        let directory = try HostileDirectory()
        let path = try directory.write("secret.pcap", Self.callCapture().bytes)
        chmod(path, 0o000)
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                Issue.record("running as root without /usr/bin/setpriv: cannot drop privileges to test this")
                return
            }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        }
        let outcome = try Self.read(path, in: directory, prefix: prefix)
        #expect(outcome.status == 2, "\(outcome.standardError)")
        #expect(Self.problemLines(outcome) == [
            "dubbo-inspect: \(path): permission denied (the file is not readable by this user)"
        ])
    }

    @Test("one bad file among good ones: the good ones are analysed, one line for the bad one, exit 1")
    func badFileAmongGood() throws {
        let directory = try HostileDirectory()
        let good = try directory.write("good.pcap", Self.callCapture().bytes)
        let empty = try directory.write("empty.pcap", [])
        let outcome = try HostileProcess.run(["read", good, empty, "--format", "jsonl"], in: directory)
        #expect(!outcome.signaled)
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains(#""outcome":"ok""#))
        #expect(Self.problemLines(outcome) == ["dubbo-inspect: \(empty): empty file (0 bytes), not a capture file"])
        #expect(outcome.standardError.contains("1 unreadable"))
    }
}
