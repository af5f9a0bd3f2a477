import Foundation
import NetworkLayers
import TestSupport
import Testing

@Suite("PacketDissector on the shared loopback capture")
struct SharedCaptureTests {
    /// The records of a little-endian classic pcap file: (captured bytes, original length).
    static func records(_ file: [UInt8]) -> [(bytes: [UInt8], originalLength: Int)] {
        func le32(_ offset: Int) -> Int {
            Int(file[offset]) | Int(file[offset + 1]) << 8 | Int(file[offset + 2]) << 16 | Int(file[offset + 3]) << 24
        }
        var records: [(bytes: [UInt8], originalLength: Int)] = []
        var offset = 24
        while offset + 16 <= file.count, records.count < 10_000 {
            let captured = le32(offset + 8)
            guard offset + 16 + captured <= file.count else { break }
            records.append((Array(file[(offset + 16)..<(offset + 16 + captured)]), le32(offset + 12)))
            offset += 16 + captured
        }
        return records
    }

    @Test("every packet is a TCP segment to or from a Dubbo port, with tshark's payload total")
    func everyPacketIsDubboTCP() throws {
        let url = RepositoryPaths.sharedCapture("generated/pyclients-loopback.pcap")
        let records = Self.records([UInt8](try Data(contentsOf: url)))
        #expect(records.count == 136)
        var dissector = PacketDissector()
        var payloadBytes = 0
        for record in records {
            let result = dissector.dissect(
                record.bytes.span, linkType: LinkType.ethernet, originalLength: record.originalLength)
            guard case .tcp(let segment) = result else {
                Issue.record("skipped: \(result)")
                continue
            }
            #expect(
                [20_880, 20_881].contains(segment.source.port) || [20_880, 20_881].contains(segment.destination.port))
            #expect(segment.source.address.description == "127.0.0.1")
            #expect(segment.capturedPayloadLength == segment.payloadLength)
            payloadBytes += segment.payloadLength
        }
        #expect(dissector.stats.tcpSegments == 136)
        #expect(dissector.stats.skipped == 0)
        // `tshark -T fields -e tcp.len` summed over the file.
        #expect(payloadBytes == 263_724)
    }
}
