import Glibc

/// The records of a classic pcap file in this machine's byte order, read with `read(2)` into one buffer and lent
/// from it: what libpcap's `pcap_next_ex` gives for such a file, at a third of its cost. libpcap reads a file through
/// stdio — a copy from the page cache into stdio's buffer, another into libpcap's packet buffer, and a few calls per
/// record — which made reading alone cost more than the whole floor the benchmark measures us against.
///
/// libpcap still opens the file (its checks and messages for a bad header, the link type, the snapshot length after
/// its adjustments) and handles everything else: pcapng, the other byte order, old versions, link types whose
/// records may be longer, BPF filters, pipes. This reader takes over only where its result is libpcap's, record for
/// record and message for message (`PcapRecordStreamTests` compares the two on every capture at hand and on files
/// cut at every kind of place).
final class PcapRecordStream {
    /// libpcap's largest sane captured length for the link types read here (`max_snaplen_for_dlt`).
    static let maxCapturedLength = 262_144
    /// Bytes read per `read(2)`: small enough that a record is likely still in cache when it is parsed, and as fast
    /// to read through as 1 MiB (a C loop over the benchmark capture: 0.04 s either way, libpcap 0.08–0.12 s);
    /// grown, once, for a record longer than it.
    static let bufferSize = 128 << 10
    /// The file header before the first record.
    static let fileHeaderSize = 24
    static let recordHeaderSize = 16

    private let descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    /// Unread bytes are `buffer[position..<filled]`.
    private var position = 0
    private var filled = 0
    private var atEndOfFile = false
    private let nanosecondsPerTick: Int64
    private let snapshotLength: Int
    private var failed = false

    /// A stream over `path` when it is a regular file in classic pcap format that libpcap would read as this
    /// reader does; nil otherwise (libpcap then reads it). `snapshotLength` is libpcap's (`pcap_snapshot`).
    static func open(path: String, linkType: Int32, snapshotLength: Int) -> PcapRecordStream? {
        // Link types libpcap allows longer records for (D-Bus, USBPcap, EBHSCR) stay with libpcap.
        guard ![231, 249, 279].contains(linkType), snapshotLength > 0 else { return nil }
        // Regular files only (checked before opening: opening a FIFO waits for a writer), and again once open.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        // Read, not peeked: the records start right after it.
        var header = [UInt8](repeating: 0, count: fileHeaderSize)
        let headerRead = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, fileHeaderSize) }
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, headerRead == fileHeaderSize,
              let nanosecondsPerTick = header.withUnsafeBytes(Self.ticks(fileHeader:)),
              let stream = PcapRecordStream(descriptor: descriptor, ticks: nanosecondsPerTick, snapshot: snapshotLength)
        else {
            close(descriptor)
            return nil
        }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        return stream
    }

    /// Nanoseconds per unit of a record's sub-second field, for a header in this machine's byte order and of
    /// version 2.4 or later (earlier versions may have the two lengths swapped); nil for any other header.
    /// Fields are loaded in this machine's byte order, as the records' are (`next`).
    static func ticks(fileHeader bytes: UnsafeRawBufferPointer) -> Int64? {
        #if _endian(big)
        return nil  // only the little-endian magics are known here: a big-endian machine leaves every file to libpcap
        #endif
        let magic = bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let major = bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        let minor = bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        guard major == 2, minor >= 4 else { return nil }
        switch magic {
        case 0xA1B2_C3D4: return 1_000
        case 0xA1B2_3C4D: return 1
        default: return nil
        }
    }

    private init?(descriptor: Int32, ticks: Int64, snapshot: Int) {
        guard let memory = malloc(Self.bufferSize) else { return nil }
        self.descriptor = descriptor
        self.buffer = UnsafeMutableRawBufferPointer(start: memory, count: Self.bufferSize)
        self.nanosecondsPerTick = ticks
        self.snapshotLength = snapshot
    }

    deinit {
        close(descriptor)
        free(buffer.baseAddress)
    }

    /// The next record, lent until the next call; `.end` at the end of the file; `.failed` (once, then `.end`) with
    /// libpcap's message for a record cut short or impossibly long.
    func next() -> PcapRecordResult {
        guard !failed else { return .end }
        let headerBytes = fill(Self.recordHeaderSize)
        guard headerBytes == Self.recordHeaderSize else {
            if headerBytes == 0, readError == nil { return .end }
            return fail(readError ?? "truncated dump file; tried to read 16 header bytes, only got \(headerBytes)")
        }
        let header = UnsafeRawBufferPointer(rebasing: buffer[position..<(position + Self.recordHeaderSize)])
        let seconds = Int32(bitPattern: header.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let fraction = Int32(bitPattern: header.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let captured = Int(header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let original = Int(header.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        if captured > Self.maxCapturedLength {
            return fail(
                captured > snapshotLength
                    ? "invalid packet capture length \(captured), bigger than snaplen of \(snapshotLength)"
                    : "invalid packet capture length \(captured), bigger than maximum of \(Self.maxCapturedLength)")
        }
        position += Self.recordHeaderSize
        // A record longer than the snapshot length (a damaged or odd file) is cut to it, as libpcap cuts it.
        let kept = min(captured, snapshotLength)
        let got = fill(captured)
        guard got == captured else {
            if let readError { return fail(readError) }
            // libpcap reads the kept part, then the rest: its message names the read that came up short.
            return fail("truncated dump file; tried to read \(got < kept ? kept : captured) captured bytes, only got \(got)")
        }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[position..<(position + kept)])
        position += captured
        let time = Int64(seconds) &* 1_000_000_000 &+ Int64(fraction) &* nanosecondsPerTick
        return .packet(PcapRecord(nanosecondsSinceEpoch: time, capturedLength: kept, originalLength: original, bytes: bytes))
    }

    private var readError: String?

    /// Makes at least `count` (at most `maxCapturedLength` + a header) unread bytes available if the file has them;
    /// returns how many are. Moves the unread tail to the front first, so the last record lent stays valid until now.
    private func fill(_ count: Int) -> Int {
        if filled - position >= count || atEndOfFile { return min(count, filled - position) }
        if position > 0 {
            let unread = filled - position
            if unread > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + position, byteCount: unread) }
            (position, filled) = (0, unread)
        }
        if count > buffer.count {
            // At most the largest record: `next` refuses longer captured lengths before asking for them.
            guard let larger = realloc(buffer.baseAddress, count) else {
                readError = "out of memory for a \(count)-byte record"
                atEndOfFile = true
                return filled - position
            }
            buffer = UnsafeMutableRawBufferPointer(start: larger, count: count)
        }
        // Bounded: each turn reads at least one byte or ends the file (an interrupted call is retried).
        while filled < count, !atEndOfFile {
            let received = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if received > 0 {
                filled += received
            } else if received == 0 {
                atEndOfFile = true
            } else if errno != EINTR {
                readError = "error reading dump file: \(String(cString: strerror(errno)))"
                atEndOfFile = true
            }
        }
        return min(count, filled - position)
    }

    private func fail(_ message: String) -> PcapRecordResult {
        failed = true
        return .failed(message: message)
    }
}
