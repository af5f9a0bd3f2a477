import InspectorCore

/// Reads packets from one `.pcap` or `.pcapng` file, with nanosecond timestamps.
///
/// Opening checks the path itself first so each failure has its own message (`CaptureError`).
/// A file cut or corrupted mid-way delivers every packet before the damage, then throws
/// `.truncatedFile` once; later calls return `nil`. The file is closed when the reader goes away.
/// Not thread-safe: one reader belongs to one reading task.
package final class PcapFileReader: PacketSource {
    /// The path as given.
    package let path: String
    /// Stamped on every packet (the file's position in a multi-file run).
    package let sourceIndex: Int
    /// The file's `LINKTYPE_*` (for pcapng, its first interface's).
    package let linkType: Int32
    /// The file's snap length.
    package let snapLength: Int
    /// The BPF filter applied, if any.
    package let filter: String?
    /// Packets and bytes delivered so far.
    package private(set) var stats = CaptureStats()

    private let handle: PcapHandle
    /// The records read without libpcap, when the file allows it (`PcapRecordStream`); libpcap reads them otherwise.
    private let records: PcapRecordStream?
    private var finished = false

    /// Opens `path` and, when `filter` is given, installs it as a BPF filter compiled for the file's link type.
    ///
    /// Throws `.fileNotFound`, `.permissionDenied`, `.isDirectory`, `.emptyFile`, `.notAFile`,
    /// `.cannotOpen`, `.notACaptureFile` or `.badFilter`.
    package init(path: String, filter: String? = nil, sourceIndex: Int = 0) throws(CaptureError) {
        let handle = try CaptureFileOpener.open(path: path)
        if let filter {
            do {
                try handle.setFilter(filter)
            } catch {
                throw .badFilter(filter: filter, message: error.message)
            }
        }
        self.path = path
        self.sourceIndex = sourceIndex
        self.filter = filter
        self.linkType = handle.linkType
        self.snapLength = Int(handle.snapLength)
        self.records = filter == nil
            ? PcapRecordStream.open(path: path, linkType: handle.linkType, snapshotLength: Int(handle.snapLength)) : nil
        self.handle = handle
    }

    /// Same as `init(path:filter:sourceIndex:)`.
    package static func open(path: String, filter: String? = nil, sourceIndex: Int = 0) throws(CaptureError)
        -> PcapFileReader
    {
        try PcapFileReader(path: path, filter: filter, sourceIndex: sourceIndex)
    }

    /// The next packet that passes the filter; `nil` at the end of the file.
    ///
    /// Throws `.truncatedFile` (once) when a record is cut short or corrupt; the packets before it
    /// were already returned. The packet's bytes are valid until the next call.
    package func nextPacket() throws(CaptureError) -> CapturedPacket? {
        guard !finished else { return nil }
        switch records?.next() ?? handle.next() {
        case .packet(let record):
            let packet = CapturedPacket(
                time: CaptureTime(nanosecondsSinceEpoch: record.nanosecondsSinceEpoch),
                linkType: linkType,
                capturedLength: record.capturedLength,
                originalLength: record.originalLength,
                bytes: record.bytes,
                sourceIndex: sourceIndex
            )
            stats.record(packet)
            return packet
        case .end, .timeout:
            // A file never times out; treat it like the end rather than spin.
            finished = true
            return nil
        case .failed(let message):
            finished = true
            stats.sourcesFailed += 1
            throw .truncatedFile(path: path, afterPackets: stats.packetsRead, message: message)
        }
    }
}
