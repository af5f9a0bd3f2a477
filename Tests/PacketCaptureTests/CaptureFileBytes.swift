/// Builders for capture files, written byte by byte as the formats specify, so the reader is
/// tested against the formats rather than against libpcap's own writer.
enum CaptureFileBytes {
    /// One packet to write: time split as the file stores it, and the bytes (captured part).
    struct Record {
        var seconds: UInt32
        /// Microseconds or nanoseconds, per the file's magic / resolution.
        var fraction: UInt32
        var data: [UInt8]
        var originalLength: Int? = nil
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xffff)) + le16(UInt16(value >> 16)) }

    // MARK: Classic pcap

    static let microsecondMagic: UInt32 = 0xa1b2_c3d4
    static let nanosecondMagic: UInt32 = 0xa1b2_3c4d

    /// A classic pcap file, little-endian: 24-byte global header, then 16-byte record headers + data.
    static func pcap(
        magic: UInt32 = microsecondMagic, linkType: UInt32 = 1, snapLength: UInt32 = 262_144, records: [Record]
    ) -> [UInt8] {
        // magic, version 2.4, thiszone, sigfigs, snaplen, network
        var bytes = le32(magic) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snapLength) + le32(linkType)
        for record in records {
            bytes += le32(record.seconds) + le32(record.fraction)
            bytes += le32(UInt32(record.data.count)) + le32(UInt32(record.originalLength ?? record.data.count))
            bytes += record.data
        }
        return bytes
    }

    // MARK: pcapng

    /// A pcapng file: SHB, one IDB (with `if_tsresol` = 10^-`resolutionDigits` when given), then EPBs.
    /// EPB timestamps are counted in the interface's units: seconds * 10^digits + fraction.
    static func pcapng(linkType: UInt16 = 1, resolutionDigits: UInt8? = 9, records: [Record]) -> [UInt8] {
        // SHB: byte-order magic, version 1.0, section length -1 (unknown)
        var bytes = block(
            type: 0x0a0d_0d0a,
            body: le32(0x1a2b_3c4d) + le16(1) + le16(0) + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        var options: [UInt8] = []
        if let digits = resolutionDigits {
            options += le16(9) + le16(1) + [digits, 0, 0, 0]  // if_tsresol, padded to 32 bits
            options += le16(0) + le16(0)  // opt_endofopt
        }
        bytes += block(type: 1, body: le16(linkType) + le16(0) + le32(262_144) + options)
        let unitsPerSecond = pow10(resolutionDigits ?? 6)
        for record in records {
            let stamp = UInt64(record.seconds) * unitsPerSecond + UInt64(record.fraction)
            var body = le32(0) + le32(UInt32(stamp >> 32)) + le32(UInt32(stamp & 0xffff_ffff))
            body += le32(UInt32(record.data.count)) + le32(UInt32(record.originalLength ?? record.data.count))
            body += record.data + [UInt8](repeating: 0, count: (4 - record.data.count % 4) % 4)
            bytes += block(type: 6, body: body)
        }
        return bytes
    }

    /// A pcapng block: type, total length, body, total length again.
    static func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let total = UInt32(12 + body.count)
        return le32(type) + le32(total) + body + le32(total)
    }

    static func pow10(_ digits: UInt8) -> UInt64 {
        (0..<digits).reduce(1) { value, _ in value * 10 }
    }

    // MARK: Packets

    /// An Ethernet + IPv4 + TCP frame from 10.1.0.3:`sourcePort` to 10.1.0.7:`destinationPort`
    /// whose payload is `payload` (so tests can tell packets apart by it).
    static func tcpFrame(sourcePort: UInt16 = 40_000, destinationPort: UInt16 = 20_880, payload: [UInt8]) -> [UInt8] {
        let tcp: [UInt8] =
            be16(sourcePort) + be16(destinationPort) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x02, 0x00, 0, 0, 0, 0]
        let totalLength = UInt16(20 + tcp.count + payload.count)
        let ip: [UInt8] = [0x45, 0] + be16(totalLength) + [0, 0, 0x40, 0, 64, 6, 0, 0, 10, 1, 0, 3, 10, 1, 0, 7]
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 7, 2, 0, 0, 0, 0, 3, 0x08, 0x00]
        return ethernet + ip + tcp + payload
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
}
