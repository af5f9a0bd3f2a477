import PacketCapture
import Testing

@Suite("PcapWriter")
struct PcapWriterTests {
    typealias Record = CaptureFileBytes.Record

    @Test("written packets read back with the same nanosecond times, lengths and bytes")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write(
            "in.pcapng",
            CaptureFileBytes.pcapng(records: [
                Record(
                    seconds: 1_700_000_000, fraction: 123_456_789, data: CaptureFileBytes.tcpFrame(payload: [1, 2, 3])),
                Record(
                    seconds: 1_700_000_001, fraction: 1,
                    data: Array(CaptureFileBytes.tcpFrame(payload: [9, 9])[0..<20]), originalLength: 56),
            ])
        )
        let outputPath = directory.path + "/out.pcap"
        do {
            let writer = try PcapWriter(path: outputPath, linkType: 1)
            let reader = try PcapFileReader(path: input)
            for _ in 0..<10 {
                guard let packet = try reader.nextPacket() else { break }
                writer.write(packet)
            }
            try writer.flush()
            #expect(writer.packetsWritten == 2)
        }
        #expect(try readFile(outputPath) == readFile(input))
        #expect(try readFile(outputPath).map(\.originalLength) == [57, 56])
    }

    @Test("an unwritable path is a write error")
    func unwritablePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/no/such/dir/out.pcap"
        #expect {
            _ = try PcapWriter(path: path, linkType: 1)
        } throws: { error in
            guard case .writeFailed(let errorPath, _) = error as? CaptureError else { return false }
            return errorPath == path
        }
    }
}
