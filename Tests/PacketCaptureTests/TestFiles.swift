import Foundation
import InspectorCore
import PacketCapture

/// A fresh directory under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("capture-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` to `name` in the directory and returns the file's path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// What a test keeps of a packet: its fields and a copy of its bytes (the source's buffer is borrowed).
struct PacketCopy: Equatable {
    var nanoseconds: Int64
    var linkType: Int32
    var capturedLength: Int
    var originalLength: Int
    var bytes: [UInt8]
    var sourceIndex: Int

    init(_ packet: CapturedPacket) {
        nanoseconds = packet.time.nanosecondsSinceEpoch
        linkType = packet.linkType
        capturedLength = packet.capturedLength
        originalLength = packet.originalLength
        bytes = Array(packet.bytes)
        sourceIndex = packet.sourceIndex
    }
}

/// Reads `source` to its end (at most `limit` packets), copying each packet.
func readAll<Source: PacketSource>(_ source: inout Source, limit: Int = 100_000) throws(CaptureError) -> [PacketCopy] {
    var packets: [PacketCopy] = []
    while packets.count < limit, let packet = try source.nextPacket() {
        packets.append(PacketCopy(packet))
    }
    return packets
}

/// Reads a whole file.
func readFile(_ path: String, filter: String? = nil) throws(CaptureError) -> [PacketCopy] {
    var reader = try PcapFileReader(path: path, filter: filter)
    return try readAll(&reader)
}
