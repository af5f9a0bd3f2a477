import Foundation
import Testing

/// Bomb captures through the built `dubbo-inspect read`, measured: each finishes with exit 0, reports the limit it
/// hit in the run summary, and stays within a memory bound set by the limits, not by the size of the capture.
/// (Peak RSS measured by GNU time around the tool alone; see `HostileProcess`.)
@Suite("Bomb captures through dubbo-inspect read: bounded memory", .serialized)
struct HostileMemoryTests {
    /// Writes a capture to `path` record by record, so a capture larger than memory never sits in the test.
    final class StreamedPcap {
        let handle: FileHandle
        private var pending = HostilePcap()
        private var started = false

        init(path: String) throws {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }

        func add(_ build: (inout HostilePcap) -> Void) throws {
            build(&pending)
            // The first flush keeps the 24-byte file header; later ones drop the fresh header of the new buffer.
            let bytes = started ? Array(pending.bytes.dropFirst(24)) : pending.bytes
            started = true
            try handle.write(contentsOf: bytes)
            pending = HostilePcap()
        }

        func close() throws { try handle.close() }
    }

    static func run(_ path: String, in directory: HostileDirectory) throws -> HostileProcess.Outcome {
        let outcome = try HostileProcess.run(["read", path, "--format", "none"], measureMemory: true, in: directory)
        #expect(!outcome.signaled, "killed by signal \(outcome.status)")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.peakResidentKiB != nil)
        print("bomb \((path as NSString).lastPathComponent): peak RSS \((outcome.peakResidentKiB ?? 0) / 1024) MiB, "
              + "\(String(format: "%.1f", outcome.seconds)) s, CPU \(String(format: "%.1f", outcome.cpuSeconds ?? 0)) s")
        return outcome
    }

    @Test("a million flows that each send one SYN: the flow table stays at maxFlows (65 536), the rest evicted")
    func millionSYNs() throws {
        let directory = try HostileDirectory()
        let small = try Self.run(Self.synFlood(flows: 125_000, in: directory), in: directory)
        let flows = 1_000_000
        let outcome = try Self.run(Self.synFlood(flows: flows, in: directory), in: directory)
        #expect(outcome.standardError.contains("\(flows) TCP connections"))
        #expect(outcome.standardError.contains("flow evictions \(flows - 65_536)"))
        #expect(HostileProcess.underSanitizer || (outcome.peakResidentKiB ?? .max) < 160 * 1024)
        // Time proportional to the input: 8 times the flows cost about 8 times the CPU (4x slack for noise).
        if let cpuSmall = small.cpuSeconds, let cpuLarge = outcome.cpuSeconds, cpuSmall > 0.5 {
            #expect(cpuLarge / cpuSmall < 8 * 4, "CPU \(cpuSmall) s for 125 000 flows, \(cpuLarge) s for 1 000 000")
        }
    }

    /// One SYN from each of `flows` different clients to one server, written next to the other test files.
    static func synFlood(flows: Int, in directory: HostileDirectory) throws -> String {
        let path = directory.path("syn-flood-\(flows).pcap")
        // One 70-byte record (16-byte record header + 54-byte SYN) patched in place per flow: fast even unoptimised.
        var header = HostilePcap()
        header.record(
            microseconds: 1_700_000_000_000_000,
            HostilePackets.tcp(from: (0x0B00_0000, 40_000), to: (0x0A00_0001, 20_880), sequence: 1, acknowledgment: 0,
                               flags: .syn))
        let record = Array(header.bytes.dropFirst(24))
        var bytes = Array(header.bytes.prefix(24)) + [UInt8](repeating: 0, count: flows * record.count)
        bytes.withUnsafeMutableBufferPointer { file in
            for flow in 0..<flows {
                let base = 24 + flow * record.count
                for index in 0..<record.count { file[base + index] = record[index] }
                // Microseconds (bytes 4-7 of the record header), source address 11.x.y.z (frame bytes 26-29) and
                // source port (frame bytes 34-35) vary per flow; the frame starts 16 bytes into the record.
                let micros = UInt32(flow % 1_000_000)
                for shift in 0..<4 { file[base + 4 + shift] = UInt8((micros >> UInt32(8 * shift)) & 0xFF) }
                let address = 0x0B00_0000 | UInt32(flow)
                for shift in 0..<4 { file[base + 16 + 26 + shift] = UInt8((address >> UInt32(24 - 8 * shift)) & 0xFF) }
                let port = UInt16(10_000 + flow % 50_000)
                file[base + 16 + 34] = UInt8(port >> 8)
                file[base + 16 + 35] = UInt8(port & 0xFF)
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("an out-of-order flood that never fills its hole: per-flow limits give the hole up, memory stays flat")
    func outOfOrderFlood() throws {
        let directory = try HostileDirectory()
        let path = directory.path("ooo-flood.pcap")
        let writer = try StreamedPcap(path: path)
        var conversation = HostileConversation()
        try writer.add { conversation.handshake(into: &$0) }
        // 30 000 segments of 1 400 bytes (42 MB) after a 1 400-byte hole that never comes.
        let start = conversation.clientNext &+ 1_400
        let payload = [UInt8](repeating: 0x43, count: 1_400)
        for batch in 0..<30 {
            try writer.add { pcap in
                for index in (batch * 1_000)..<((batch + 1) * 1_000) {
                    conversation.packet(
                        fromClient: true, flags: [.psh], payload: payload, sequence: start &+ UInt32(index * 1_400),
                        into: &pcap)
                }
            }
        }
        try writer.close()
        let outcome = try Self.run(path, in: directory)
        #expect(!outcome.standardError.contains("buffer evictions 0,"))
        #expect(HostileProcess.underSanitizer || (outcome.peakResidentKiB ?? .max) < 64 * 1024)
    }

    @Test("frames that never end, over many flows (320 MB): held frames stop at maxBufferedFrameBytesTotal (128 MiB)")
    func neverEndingFrames() throws {
        let directory = try HostileDirectory()
        let path = directory.path("endless-frames.pcap")
        let writer = try StreamedPcap(path: path)
        // 80 flows, each sending 4 MB of a body whose header claims 8 MiB - 1, and never the rest.
        let chunk = [UInt8](repeating: 0x46, count: 1_400)
        for flow in 0..<80 {
            var conversation = HostileConversation(clientPort: 32_000 + UInt16(flow))
            try writer.add { pcap in
                conversation.handshake(into: &pcap)
                conversation.send(HostileDubbo.request(id: Int64(flow), body: [], length: (8 << 20) - 1),
                                  fromClient: true, into: &pcap)
                for _ in 0..<(4_000_000 / 1_400) { conversation.send(chunk, fromClient: true, into: &pcap) }
            }
        }
        try writer.close()
        let outcome = try Self.run(path, in: directory)
        #expect(!outcome.standardError.contains("evicted frames 0\n"))
        #expect(outcome.standardError.contains("frames 80,"))
        // 128 MiB of frames held at most, plus the baseline: far below the 320 MB the capture carries.
        #expect(HostileProcess.underSanitizer || (outcome.peakResidentKiB ?? .max) < 200 * 1024)
    }
}
