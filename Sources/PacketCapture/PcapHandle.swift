internal import CPcap
import Glibc

/// The one door to libpcap: owns one `pcap_t` and wraps each `pcap_*` call the module makes.
///
/// Non-copyable so exactly one owner closes the handle (`pcap_close` in `deinit`, which also closes
/// the `FILE` of an offline capture). Calls are not thread-safe except `breakLoop()`.
struct PcapHandle: ~Copyable {
    private let raw: OpaquePointer
    /// The offline file's stdio buffer, freed once `pcap_close` has closed the file.
    private var fileBuffer: UnsafeMutableRawPointer?
    /// Nanoseconds per unit of `pcap_pkthdr.ts.tv_usec`: 1 when libpcap delivers nanoseconds, 1000 otherwise.
    private(set) var nanosecondsPerTick: Int64 = 1

    private init(raw: OpaquePointer) {
        self.raw = raw
    }

    deinit {
        pcap_close(raw)
        fileBuffer.map { free($0) }
    }

    // MARK: Opening

    /// Opens an already opened capture file, asking libpcap for nanosecond timestamps.
    ///
    /// On success the handle owns `file` (and `fileBuffer`); on failure the caller still does (libpcap leaves it open).
    /// Throws libpcap's message (bad magic, short header, ...) as the string.
    /// `fileBuffer`, when given, is the file's stdio buffer (`setvbuf`): the handle frees it after closing the file.
    static func openOffline(file: UnsafeMutablePointer<FILE>, fileBuffer: UnsafeMutableRawPointer?)
        throws(PcapFailure) -> PcapHandle
    {
        var errorBuffer = ErrorBuffer()
        let raw = pcap_fopen_offline_with_tstamp_precision(
            file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer.storage)
        guard let raw else { throw PcapFailure(status: PCAP_ERROR, message: errorBuffer.message) }
        var handle = PcapHandle(raw: raw)
        handle.fileBuffer = fileBuffer
        handle.readPrecision()
        return handle
    }

    /// Creates (not yet activates) a live capture handle for `interface`.
    static func create(interface: String) throws(PcapFailure) -> PcapHandle {
        var errorBuffer = ErrorBuffer()
        let raw = pcap_create(interface, &errorBuffer.storage)
        guard let raw else { throw PcapFailure(status: PCAP_ERROR, message: errorBuffer.message) }
        return PcapHandle(raw: raw)
    }

    /// A handle with no source, only a link type and snap length: what `pcap_dump_open` needs to write files.
    static func openDead(linkType: Int32, snapLength: Int32) -> PcapHandle? {
        guard let raw = pcap_open_dead_with_tstamp_precision(linkType, snapLength, UInt32(PCAP_TSTAMP_PRECISION_NANO))
        else { return nil }
        return PcapHandle(raw: raw)
    }

    // MARK: Live configuration (before `activate`)

    /// Applies the live-capture settings; returns the first one libpcap refuses (its name, value and libpcap's
    /// reason), or nil. The timestamp precision is a wish: not every device gives nanoseconds, and libpcap then
    /// keeps microseconds, which readPrecision() notices.
    mutating func configure(
        snapLength: Int32, bufferSizeBytes: Int32, promiscuous: Bool, immediate: Bool, timeoutMs: Int32
    ) -> String? {
        let settings: [(String, Int32)] = [
            ("snap length \(snapLength)", pcap_set_snaplen(raw, snapLength)),
            ("promiscuous mode", pcap_set_promisc(raw, promiscuous ? 1 : 0)),
            ("immediate mode", pcap_set_immediate_mode(raw, immediate ? 1 : 0)),
            ("read timeout \(timeoutMs) ms", pcap_set_timeout(raw, timeoutMs)),
            ("buffer size \(bufferSizeBytes) bytes", pcap_set_buffer_size(raw, bufferSizeBytes)),
        ]
        _ = pcap_set_tstamp_precision(raw, PCAP_TSTAMP_PRECISION_NANO)
        for (setting, status) in settings where status != 0 {
            return "libpcap refused the \(setting): \(String(cString: pcap_statustostr(status)))"
        }
        return nil
    }

    /// Activates a created handle; returns `pcap_activate`'s status (0 ok, > 0 warning, < 0 error).
    mutating func activate() -> Int32 {
        let status = pcap_activate(raw)
        if status >= 0 { readPrecision() }
        return status
    }

    private mutating func readPrecision() {
        nanosecondsPerTick = pcap_get_tstamp_precision(raw) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1_000
    }

    // MARK: Queries

    /// The capture's `LINKTYPE_*`/`DLT_*` value.
    var linkType: Int32 { pcap_datalink(raw) }

    /// The snap length of the capture (file header or live setting).
    var snapLength: Int32 { pcap_snapshot(raw) }

    /// libpcap's last error text for this handle.
    var lastError: String {
        guard let text = pcap_geterr(raw) else { return "unknown libpcap error" }
        return String(cString: text)
    }

    // MARK: Filtering

    /// Compiles `expression` for this handle's link type and installs it.
    ///
    /// The netmask is unknown (`PCAP_NETMASK_UNKNOWN`): only `ip broadcast` filters need it.
    /// Throws libpcap's compile or install error text.
    func setFilter(_ expression: String) throws(PcapFailure) {
        var program = bpf_program()
        guard pcap_compile(raw, &program, expression, 1, bpf_u_int32(PCAP_NETMASK_UNKNOWN)) == 0 else {
            throw PcapFailure(status: PCAP_ERROR, message: lastError)
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(raw, &program) == 0 else {
            throw PcapFailure(status: PCAP_ERROR, message: lastError)
        }
    }

    // MARK: Reading

    /// The next record (`pcap_next_ex`). A `.packet`'s bytes stay valid until the next call.
    func next() -> PcapRecordResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        let status = pcap_next_ex(raw, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .failed(message: "libpcap returned a packet without data") }
            let record = header.pointee
            let captured = Int(record.caplen)
            let time = Int64(record.ts.tv_sec) &* 1_000_000_000 &+ Int64(record.ts.tv_usec) &* nanosecondsPerTick
            return .packet(
                PcapRecord(
                    nanosecondsSinceEpoch: time,
                    capturedLength: captured,
                    originalLength: Int(record.len),
                    bytes: UnsafeRawBufferPointer(start: data, count: captured)
                )
            )
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            // Both the end of a file and pcap_breakloop on a live capture.
            return .end
        default:
            return .failed(message: lastError)
        }
    }

    // MARK: Live control

    /// Makes a blocked or future `next()` return `.end`. Safe from any thread (libpcap's contract).
    func breakLoop() {
        pcap_breakloop(raw)
    }

    /// Kernel counters of a live capture (`pcap_stats`): received, dropped by the kernel, dropped by the interface.
    func statistics() throws(PcapFailure) -> (received: UInt32, dropped: UInt32, interfaceDropped: UInt32) {
        var stat = pcap_stat()
        guard pcap_stats(raw, &stat) == 0 else { throw PcapFailure(status: PCAP_ERROR, message: lastError) }
        return (stat.ps_recv, stat.ps_drop, stat.ps_ifdrop)
    }

    // MARK: Writing

    /// Opens `path` for writing records in this handle's link type (`pcap_dump_open`).
    func openDumper(path: String) throws(PcapFailure) -> PcapDumper {
        guard let dumper = pcap_dump_open(raw, path) else {
            throw PcapFailure(status: PCAP_ERROR, message: lastError)
        }
        return PcapDumper(raw: dumper)
    }

    // MARK: Interfaces

    /// Every interface libpcap can capture on (`pcap_findalldevs`), in its order.
    static func allInterfaces() throws(PcapFailure) -> [CaptureInterface] {
        var errorBuffer = ErrorBuffer()
        var first: UnsafeMutablePointer<pcap_if_t>? = nil
        let status = pcap_findalldevs(&first, &errorBuffer.storage)
        guard status == 0 else { throw PcapFailure(status: status, message: errorBuffer.message) }
        defer { if let first { pcap_freealldevs(first) } }
        var interfaces: [CaptureInterface] = []
        var current = first
        // A linked list owned by libpcap; the cap only guards against a corrupted (cyclic) list.
        while let node = current, interfaces.count < 4_096 {
            let entry = node.pointee
            if let name = entry.name {
                interfaces.append(
                    CaptureInterface(
                        name: String(cString: name),
                        description: entry.description.map { String(cString: $0) },
                        isLoopback: entry.flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                        isUp: entry.flags & UInt32(PCAP_IF_UP) != 0,
                        isRunning: entry.flags & UInt32(PCAP_IF_RUNNING) != 0
                    )
                )
            }
            current = entry.next
        }
        return interfaces
    }
}
