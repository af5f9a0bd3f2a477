import InspectorCore
import PacketCapture
import Foundation
import TestSupport
import Testing

@Suite("PcapFileReader")
struct PcapFileReaderTests {
    typealias Record = CaptureFileBytes.Record

    static let frames: [[UInt8]] = [
        CaptureFileBytes.tcpFrame(payload: [1]),
        CaptureFileBytes.tcpFrame(destinationPort: 8_080, payload: [2, 2]),
        CaptureFileBytes.tcpFrame(payload: [3, 3, 3]),
    ]

    @Test("microsecond pcap gives exact times and lengths")
    func microsecondPcap() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "micro.pcap",
            CaptureFileBytes.pcap(records: [
                Record(seconds: 1_700_000_000, fraction: 123_456, data: Self.frames[0]),
                Record(
                    seconds: 1_700_000_001, fraction: 999_999, data: Array(Self.frames[1][0..<40]), originalLength: 100),
            ])
        )
        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == 1)
        #expect(reader.snapLength == 262_144)
        let first = try #require(try reader.nextPacket())
        #expect(first.time.nanosecondsSinceEpoch == 1_700_000_000_123_456_000)
        #expect(first.capturedLength == 55)
        #expect(first.originalLength == 55)
        #expect(Array(first.bytes) == Self.frames[0])
        #expect(first.withSpan { $0.count } == 55)
        #expect(!first.isCutBySnapLength)
        let second = try #require(try reader.nextPacket())
        #expect(second.time.nanosecondsSinceEpoch == 1_700_000_001_999_999_000)
        #expect(second.capturedLength == 40)
        #expect(second.originalLength == 100)
        #expect(second.isCutBySnapLength)
        #expect(try reader.nextPacket() == nil)
        #expect(try reader.nextPacket() == nil)
        #expect(reader.stats.packetsRead == 2)
        #expect(reader.stats.bytesRead == 95)
        #expect(reader.stats.originalBytes == 155)
        #expect(reader.stats.packetsCutBySnapLength == 1)
    }

    @Test("nanosecond pcap keeps every nanosecond")
    func nanosecondPcap() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "nano.pcap",
            CaptureFileBytes.pcap(
                magic: CaptureFileBytes.nanosecondMagic,
                records: [
                    Record(seconds: 1_795_303_779, fraction: 317_596_123, data: Self.frames[0]),
                    Record(seconds: 1_795_303_779, fraction: 317_596_124, data: Self.frames[1]),
                ]
            )
        )
        let packets = try readFile(path)
        #expect(packets.map(\.nanoseconds) == [1_795_303_779_317_596_123, 1_795_303_779_317_596_124])
        #expect(packets.map(\.bytes) == [Self.frames[0], Self.frames[1]])
    }

    @Test("pcapng with if_tsresol 10^-9 gives exact nanoseconds")
    func pcapngNanoseconds() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "nano.pcapng",
            CaptureFileBytes.pcapng(records: [
                Record(seconds: 1_700_000_000, fraction: 1, data: Self.frames[0]),
                Record(
                    seconds: 1_700_000_002, fraction: 500_000_000, data: Array(Self.frames[2][0..<30]),
                    originalLength: 57),
            ])
        )
        let packets = try readFile(path)
        #expect(packets.count == 2)
        #expect(packets.map(\.nanoseconds) == [1_700_000_000_000_000_001, 1_700_000_002_500_000_000])
        #expect(packets.map(\.capturedLength) == [55, 30])
        #expect(packets.map(\.originalLength) == [55, 57])
        #expect(packets.map(\.linkType) == [1, 1])
        #expect(packets[0].bytes == Self.frames[0])
    }

    @Test("pcapng without if_tsresol counts microseconds")
    func pcapngDefaultResolution() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "micro.pcapng",
            CaptureFileBytes.pcapng(
                linkType: 113, resolutionDigits: nil,
                records: [Record(seconds: 1_600_000_000, fraction: 654_321, data: [1, 2, 3, 4, 5])])
        )
        let packets = try readFile(path)
        #expect(
            packets == [
                PacketCopy.expected(nanoseconds: 1_600_000_000_654_321_000, linkType: 113, bytes: [1, 2, 3, 4, 5])
            ])
    }

    @Test("a BPF filter selects packets by port")
    func filterSelectsByPort() throws {
        let directory = try TemporaryDirectory()
        let records = Self.frames.enumerated().map {
            Record(seconds: 1_000 + UInt32($0.offset), fraction: 0, data: $0.element)
        }
        let pcap = try directory.write("mixed.pcap", CaptureFileBytes.pcap(records: records))
        let pcapng = try directory.write("mixed.pcapng", CaptureFileBytes.pcapng(records: records))
        for path in [pcap, pcapng] {
            let reader = try PcapFileReader(path: path, filter: "tcp port 20880")
            var source = reader
            let packets = try readAll(&source)
            #expect(packets.map(\.bytes) == [Self.frames[0], Self.frames[2]])
            #expect(packets.map(\.nanoseconds) == [1_000_000_000_000, 1_002_000_000_000])
            #expect(reader.stats.packetsRead == 2)
            #expect(reader.filter == "tcp port 20880")
            #expect(try readFile(path, filter: "tcp dst port 8080").map(\.bytes) == [Self.frames[1]])
        }
    }

    @Test("packets carry the reader's source index")
    func sourceIndexIsStamped() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "one.pcap", CaptureFileBytes.pcap(records: [Record(seconds: 1, fraction: 0, data: Self.frames[0])]))
        var reader = try PcapFileReader(path: path, sourceIndex: 7)
        #expect(try readAll(&reader).map(\.sourceIndex) == [7])
    }

    @Test("the shared loopback capture reads the same from pcap and pcapng")
    func sharedCaptureFormatsAgree() throws {
        let base = RepositoryPaths.sharedCapture("generated/pyclients-loopback").path
        let pcap = try readFile(base + ".pcap")
        let pcapng = try readFile(base + ".pcapng")
        #expect(pcap.count == 136)
        #expect(pcapng.count == 136)
        #expect(pcap.map(\.nanoseconds) == pcapng.map(\.nanoseconds))
        #expect(pcap.map(\.bytes) == pcapng.map(\.bytes))
        #expect(pcap.allSatisfy { $0.linkType == 1 })
        #expect(pcap.map(\.nanoseconds) == pcap.map(\.nanoseconds).sorted())
    }
}

extension PacketCopy {
    /// A whole (uncut) packet from source 0.
    static func expected(nanoseconds: Int64, linkType: Int32 = 1, bytes: [UInt8], sourceIndex: Int = 0) -> PacketCopy {
        PacketCopy(
            nanoseconds: nanoseconds, linkType: linkType, capturedLength: bytes.count, originalLength: bytes.count,
            bytes: bytes, sourceIndex: sourceIndex)
    }

    init(
        nanoseconds: Int64, linkType: Int32, capturedLength: Int, originalLength: Int, bytes: [UInt8], sourceIndex: Int
    ) {
        self.nanoseconds = nanoseconds
        self.linkType = linkType
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.bytes = bytes
        self.sourceIndex = sourceIndex
    }
}
