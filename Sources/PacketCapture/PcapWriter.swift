import InspectorCore

/// Writes packets to a classic pcap file with nanosecond timestamps (`pcap_dump_open`).
///
/// Minimal on purpose (for `--write` of live captures): one link type per file, pcap format only
/// (no pcapng), no rotation. Not thread-safe. The file is flushed and closed when the writer goes away.
package final class PcapWriter {
    /// The output path.
    package let path: String
    /// The link type every written packet must have.
    package let linkType: Int32
    /// Packets written so far.
    package private(set) var packetsWritten = 0

    // The dead handle must outlive the dumper made from it; stored properties are destroyed after deinit.
    private let dumper: PcapDumper
    private let handle: PcapHandle

    /// Creates (truncating) `path` for packets of `linkType`, recording `snapLength` in the header.
    /// Throws `.writeFailed` with libpcap's reason (directory missing, permission, ...).
    package init(path: String, linkType: Int32, snapLength: Int = 262_144) throws(CaptureError) {
        guard let handle = PcapHandle.openDead(linkType: linkType, snapLength: Int32(clamping: snapLength)) else {
            throw .writeFailed(path: path, message: "libpcap could not create a handle for link type \(linkType)")
        }
        do {
            self.dumper = try handle.openDumper(path: path)
        } catch {
            throw .writeFailed(path: path, message: error.message)
        }
        self.handle = handle
        self.path = path
        self.linkType = linkType
    }

    /// Appends `packet` (its time, lengths and captured bytes).
    package func write(_ packet: CapturedPacket) {
        dumper.write(
            nanosecondsSinceEpoch: packet.time.nanosecondsSinceEpoch,
            originalLength: packet.originalLength,
            bytes: packet.bytes
        )
        packetsWritten += 1
    }

    /// Pushes buffered packets to disk. Throws `.writeFailed` when the write failed.
    package func flush() throws(CaptureError) {
        guard dumper.flush() else { throw .writeFailed(path: path, message: "write failed (disk full?)") }
    }
}
