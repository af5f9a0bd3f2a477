import Foundation
import InspectorCore
import PacketCapture
import Testing

@Suite("PcapngWriter")
struct PcapngWriterTests {
    static func write(_ writer: PcapngWriter, seconds: Int64, nanoseconds: Int64, bytes: [UInt8], originalLength: Int? = nil) {
        bytes.withUnsafeBytes { raw in
            writer.write(
                CapturedPacket(
                    time: CaptureTime(seconds: seconds, nanoseconds: nanoseconds), linkType: 1, capturedLength: raw.count,
                    originalLength: originalLength ?? raw.count, bytes: raw))
        }
    }

    @Test("packets read back through libpcap with nanosecond times, lengths and bytes")
    func roundTripThroughLibpcap() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/live.pcapng"
        let first = CaptureFileBytes.tcpFrame(payload: [1, 2, 3])
        let second = Array(CaptureFileBytes.tcpFrame(payload: [9, 9])[0..<21])  // cut: padding to 24 bytes
        do {
            let writer = try PcapngWriter(path: path, linkType: 1, snapLength: 65_535, interfaceName: "lo")
            Self.write(writer, seconds: 1_700_000_000, nanoseconds: 123_456_789, bytes: first)
            Self.write(writer, seconds: 1_700_000_001, nanoseconds: 1, bytes: second, originalLength: 56)
            try writer.flush()
            #expect(writer.packetsWritten == 2)
        }
        let packets = try readFile(path)
        #expect(packets.map(\.nanoseconds) == [1_700_000_000_123_456_789, 1_700_000_001_000_000_001])
        #expect(packets.map(\.bytes) == [first, second])
        #expect(packets.map(\.originalLength) == [first.count, 56])
        #expect(packets.map(\.linkType) == [1, 1])
    }

    @Test("the file starts with a section header and an interface block whose if_tsresol is 9")
    func blockLayout() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/layout.pcapng"
        do {
            let writer = try PcapngWriter(path: path, linkType: 1, snapLength: 262_144, interfaceName: nil, application: nil)
            try writer.flush()
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let le32 = { (offset: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } }
        #expect(le32(0) == 0x0A0D_0D0A)
        #expect(le32(8) == 0x1A2B_3C4D)
        let shbLength = Int(le32(4))
        #expect(shbLength == 32)  // 24 bytes of fields, the end-of-options marker, the trailing length
        #expect(le32(shbLength - 4) == UInt32(shbLength))
        // IDB: type 1, length, link type 1, reserved, snaplen, if_tsresol (code 9, length 1, value 9, 3 pad), end.
        #expect(le32(shbLength) == 1)
        #expect(Array(bytes[shbLength + 8..<shbLength + 16]) == [1, 0, 0, 0, 0x00, 0x00, 0x04, 0x00])
        #expect(Array(bytes[shbLength + 16..<shbLength + 24]) == [9, 0, 1, 0, 9, 0, 0, 0])
        #expect(bytes.count == shbLength + Int(le32(shbLength + 4)))
    }

    @Test("an unwritable path is reported with the reason")
    func unwritablePath() {
        #expect(throws: CaptureError.writeFailed(path: "/nonexistent-dir/x.pcapng", message: "No such file or directory")) {
            _ = try PcapngWriter(path: "/nonexistent-dir/x.pcapng", linkType: 1)
        }
    }
}
