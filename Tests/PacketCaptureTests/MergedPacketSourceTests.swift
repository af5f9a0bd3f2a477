import InspectorCore
import PacketCapture
import Testing

@Suite("MergedPacketSource")
struct MergedPacketSourceTests {
    typealias Record = CaptureFileBytes.Record

    /// A file whose packets carry `seconds` as their time and as their one payload byte.
    static func file(_ directory: TemporaryDirectory, _ name: String, seconds: [UInt32], cutTail: Int = 0) throws
        -> String
    {
        let records = seconds.map {
            Record(seconds: $0, fraction: 0, data: CaptureFileBytes.tcpFrame(payload: [UInt8($0)]))
        }
        let bytes = CaptureFileBytes.pcap(records: records)
        return try directory.write(name, Array(bytes.dropLast(cutTail)))
    }

    /// Reads `source` to the end, checking each packet's bytes still match its time when handed
    /// out (the borrowed buffer is valid), and returning (second, source index) pairs.
    static func drain(_ source: inout MergedPacketSource, errors: inout [CaptureError]) -> [(UInt32, Int)] {
        var order: [(UInt32, Int)] = []
        for _ in 0..<100 {
            do {
                guard let packet = try source.nextPacket() else { break }
                let second = UInt32(packet.time.nanosecondsSinceEpoch / 1_000_000_000)
                #expect(packet.bytes.last == UInt8(second))
                order.append((second, packet.sourceIndex))
            } catch {
                errors.append(error)
            }
        }
        return order
    }

    @Test("files merge in capture-time order")
    func mergesByTime() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.file(directory, "a.pcap", seconds: [1, 4, 5])
        let c = try directory.write(
            "c.pcapng",
            CaptureFileBytes.pcapng(
                records: [2, 3, 6].map {
                    Record(seconds: $0, fraction: 0, data: CaptureFileBytes.tcpFrame(payload: [UInt8($0)]))
                })
        )
        var merged = try MergedPacketSource(paths: [a, c])
        var errors: [CaptureError] = []
        let order = Self.drain(&merged, errors: &errors)
        #expect(order.map(\.0) == [1, 2, 3, 4, 5, 6])
        #expect(order.map(\.1) == [0, 1, 1, 0, 0, 1])
        #expect(errors.isEmpty)
        #expect(merged.stats.packetsRead == 6)
    }

    @Test("equal times keep the order the files were given in")
    func tiesGoToEarlierFile() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.file(directory, "a.pcap", seconds: [7, 8])
        let b = try Self.file(directory, "b.pcap", seconds: [7, 8])
        var merged = try MergedPacketSource(paths: [b, a])
        var errors: [CaptureError] = []
        #expect(Self.drain(&merged, errors: &errors).map(\.1) == [0, 1, 0, 1])
    }

    @Test("a file out of time order merges by its head packet")
    func unorderedFileMergesByHead() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.file(directory, "a.pcap", seconds: [5, 1])
        let b = try Self.file(directory, "b.pcap", seconds: [3])
        var merged = try MergedPacketSource(paths: [a, b])
        var errors: [CaptureError] = []
        #expect(Self.drain(&merged, errors: &errors).map(\.0) == [3, 5, 1])
    }

    @Test("a truncated file reports its error once and the other files go on")
    func truncatedFileDoesNotStopOthers() throws {
        let directory = try TemporaryDirectory()
        let cut = try Self.file(directory, "cut.pcap", seconds: [1, 3, 5], cutTail: 10)
        let whole = try Self.file(directory, "whole.pcap", seconds: [2, 4, 6])
        var merged = try MergedPacketSource(paths: [cut, whole])
        var errors: [CaptureError] = []
        let order = Self.drain(&merged, errors: &errors)
        #expect(order.map(\.0) == [1, 2, 3, 4, 6])
        #expect(errors.count == 1)
        guard case .truncatedFile(let path, 2, _) = errors.first else {
            Issue.record("expected truncatedFile, got \(errors)")
            return
        }
        #expect(path == cut)
        #expect(merged.stats.sourcesFailed == 1)
    }

    @Test("opening the paths throws the first bad file's error")
    func openErrorIsThrown() throws {
        let directory = try TemporaryDirectory()
        let good = try Self.file(directory, "good.pcap", seconds: [1])
        let missing = directory.path + "/missing.pcap"
        #expect(throws: CaptureError.fileNotFound(path: missing)) {
            _ = try MergedPacketSource(paths: [good, missing])
        }
        var merged = MergedPacketSource(readers: [try PcapFileReader(path: good, sourceIndex: 3)])
        #expect(try merged.nextPacket()?.sourceIndex == 3)
        #expect(try merged.nextPacket() == nil)
    }
}
