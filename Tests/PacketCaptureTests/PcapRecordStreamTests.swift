import Foundation
import InspectorCore
@testable import PacketCapture
import TestSupport
import Testing

/// `PcapRecordStream` reads classic pcap files without libpcap; libpcap itself is the reference: every record
/// (time, lengths, bytes) and every ending (the end, or the failure and its message) must be what
/// `pcap_next_ex` gives for the same file.
@Suite("PcapRecordStream against libpcap")
struct PcapRecordStreamTests {
    typealias Record = CaptureFileBytes.Record

    /// What one reader said for one file: its records, then how it ended.
    struct Reading: Equatable, CustomStringConvertible {
        var records: [[Int64]] = []
        var bytes: [[UInt8]] = []
        var ending = ""

        var description: String { "\(records.count) records, then \(ending)" }
    }

    static func read(_ next: () -> PcapRecordResult) -> Reading {
        var reading = Reading()
        // Bounded: the files here hold at most a few thousand records.
        for _ in 0..<1_000_000 {
            switch next() {
            case .packet(let record):
                reading.records.append(
                    [record.nanosecondsSinceEpoch, Int64(record.capturedLength), Int64(record.originalLength)])
                reading.bytes.append(Array(record.bytes))
            case .end:
                reading.ending = "end"
                return reading
            case .timeout:
                reading.ending = "timeout"
                return reading
            case .failed(let message):
                reading.ending = "failed: \(message)"
                return reading
            }
        }
        reading.ending = "did not end"
        return reading
    }

    /// Both readings of `path`; nil for the stream when it declines the file.
    static func readBoth(_ path: String) throws -> (libpcap: Reading, stream: Reading?) {
        let handle = try CaptureFileOpener.open(path: path)
        let stream = PcapRecordStream.open(path: path, linkType: handle.linkType, snapshotLength: Int(handle.snapLength))
        let reference = read { handle.next() }
        return (reference, stream.map { stream in read { stream.next() } })
    }

    static func frames(_ count: Int, size: Int = 60) -> [Record] {
        (0..<count).map { index in
            Record(
                seconds: 1_700_000_000 + UInt32(index), fraction: UInt32(index * 1_337 % 1_000_000),
                data: (0..<size + index % 7).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
        }
    }

    @Test("every capture at hand reads the same, record for record")
    func capturesAtHand() throws {
        let paths = [
            "external/deepflow/dubbo_hessian2.pcap", "external/deepflow/dubbo-eys.pcap",
            "external/deepflow/dubbo-sw8.pcap", "external/deepflow/dubbo-kryo.pcap", "generated/pyclients-loopback.pcap",
        ].map { RepositoryPaths.sharedCapture($0).path }
            + ["grpcio-http2.pcap", "http2-headers-after-split-frame.pcap"].map {
                RepositoryPaths.testScripts.appendingPathComponent("captures/\($0)").path
            }
        for path in paths {
            #expect(FileManager.default.fileExists(atPath: path), "missing capture \(path)")
            let (reference, stream) = try Self.readBoth(path)
            #expect(stream != nil, "\(path) is a little-endian classic pcap: the stream should take it")
            #expect(reference.ending == "end" && !reference.records.isEmpty, "\(path): \(reference)")
            #expect(stream == reference, "\(path)")
        }
    }

    @Test("a file cut anywhere ends as libpcap ends it: the same records, then the same message")
    func cutFiles() throws {
        let directory = try TemporaryDirectory()
        let whole = CaptureFileBytes.pcap(records: Self.frames(6))
        var random = SeededRandom(seed: 3)
        // Every cut in the first two records (inside the file header, a record header, its data), then random ones.
        let cuts = Array(24...(24 + 2 * 16 + 140)) + (0..<60).map { _ in Int.random(in: 24..<whole.count, using: &random) }
        for cut in cuts {
            let path = try directory.write("cut-\(cut).pcap", Array(whole.prefix(cut)))
            let (reference, stream) = try Self.readBoth(path)
            #expect(stream == reference, "cut at \(cut): libpcap \(reference), stream \(stream.map(\.description) ?? "declined")")
        }
    }

    @Test("records longer than the snapshot length are cut to it; impossible lengths fail with libpcap's message")
    func oddLengths() throws {
        let directory = try TemporaryDirectory()
        var records = Self.frames(3, size: 300)
        records[1].originalLength = 2_000
        // Snapshot 128: the records (300+ bytes) are each cut to 128, the rest passed over.
        let cut = try directory.write("snap.pcap", CaptureFileBytes.pcap(snapLength: 128, records: records))
        let (reference, stream) = try Self.readBoth(cut)
        #expect(reference.records.map { $0[1] } == [128, 128, 128])
        #expect(stream == reference)
        // The cut files of that: short inside the kept part and inside the part passed over.
        let bytes = CaptureFileBytes.pcap(snapLength: 128, records: records)
        for length in [24 + 16 + 100, 24 + 16 + 200, 24 + 16 + 300 + 16 + 60, 24 + 16 + 300 + 16 + 250] {
            let path = try directory.write("snap-\(length).pcap", Array(bytes.prefix(length)))
            let (reference, stream) = try Self.readBoth(path)
            #expect(reference.ending.hasPrefix("failed: truncated dump file"), "\(reference)")
            #expect(stream == reference, "cut at \(length)")
        }
        // A captured length past 262 144: above the snapshot length, and (snapshot larger still) above the maximum.
        for snapLength: UInt32 in [65_535, 1_000_000] {
            var header = CaptureFileBytes.pcap(snapLength: snapLength, records: [])
            header += CaptureFileBytes.le32(1) + CaptureFileBytes.le32(0) + CaptureFileBytes.le32(300_000)
                + CaptureFileBytes.le32(300_000) + [UInt8](repeating: 7, count: 64)
            let path = try directory.write("huge-\(snapLength).pcap", header)
            let (reference, stream) = try Self.readBoth(path)
            #expect(reference.ending.hasPrefix("failed: invalid packet capture length 300000"), "\(reference)")
            #expect(stream == reference)
        }
    }

    @Test("records longer than the read buffer (up to the largest captured length) read whole, and cut ones fail alike")
    func longRecords() throws {
        let directory = try TemporaryDirectory()
        var records = Self.frames(5)
        records[1].data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        records[3].data = (0..<262_144).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let bytes = CaptureFileBytes.pcap(records: records)
        let whole = try directory.write("long.pcap", bytes)
        let (reference, stream) = try Self.readBoth(whole)
        #expect(reference.records.map { $0[1] }.contains(262_144))
        #expect(stream == reference)
        for cut in [24 + 16 + 70 + 16 + 150_000, bytes.count - 100] {
            let path = try directory.write("long-\(cut).pcap", Array(bytes.prefix(cut)))
            let (reference, stream) = try Self.readBoth(path)
            #expect(stream == reference, "cut at \(cut): \(reference)")
        }
    }

    @Test("nanosecond files and times before 1970 or past 2038 read as libpcap reads them")
    func times() throws {
        let directory = try TemporaryDirectory()
        var records = Self.frames(4)
        records[0].seconds = 0xFFFF_FFF0  // a negative bpf_int32
        records[1].fraction = 999_999_999
        records[2].seconds = 0x8000_0000
        for magic in [CaptureFileBytes.microsecondMagic, CaptureFileBytes.nanosecondMagic] {
            var fitted = records
            if magic == CaptureFileBytes.microsecondMagic { fitted[1].fraction = 999_999 }
            let path = try directory.write("times-\(magic).pcap", CaptureFileBytes.pcap(magic: magic, records: fitted))
            let (reference, stream) = try Self.readBoth(path)
            #expect(stream != nil)
            #expect(stream == reference, "magic \(String(magic, radix: 16))")
        }
    }

    @Test("files libpcap must read itself are declined: pcapng, the other byte order, version 2.3, pipes")
    func declined() throws {
        let directory = try TemporaryDirectory()
        let pcapng = try directory.write("a.pcapng", CaptureFileBytes.pcapng(records: Self.frames(2)))
        var swapped = CaptureFileBytes.pcap(records: [])
        swapped.replaceSubrange(0..<4, with: [0xA1, 0xB2, 0xC3, 0xD4])
        let bigEndian = try directory.write("big.pcap", swapped)
        var old = CaptureFileBytes.pcap(records: Self.frames(2))
        old[6] = 3  // version 2.3: libpcap may swap the two lengths
        let oldVersion = try directory.write("old.pcap", old)
        for path in [pcapng, bigEndian, oldVersion] {
            #expect(PcapRecordStream.open(path: path, linkType: 1, snapshotLength: 262_144) == nil, "\(path)")
        }
        let fifo = directory.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Opening a FIFO for reading would wait for a writer: only regular files are even opened.
        #expect(PcapRecordStream.open(path: fifo, linkType: 1, snapshotLength: 262_144) == nil)
        let plain = try directory.write("plain.pcap", CaptureFileBytes.pcap(records: Self.frames(2)))
        #expect(PcapRecordStream.open(path: plain, linkType: 231, snapshotLength: 262_144) == nil, "D-Bus records may be longer")
        #expect(PcapRecordStream.open(path: plain, linkType: 1, snapshotLength: 262_144) != nil)
    }
}
