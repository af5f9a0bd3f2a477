internal import CPcap

/// Owns one `pcap_dumper_t` (an output file opened by `pcap_dump_open`); closes it in `deinit`.
struct PcapDumper: ~Copyable {
    private let raw: OpaquePointer

    init(raw: OpaquePointer) {
        self.raw = raw
    }

    deinit {
        pcap_dump_close(raw)
    }

    /// Appends one record. `nanosecondsSinceEpoch` is written at the precision the dead handle was
    /// opened with (nanoseconds). libpcap reports no write errors here; `flush()` does.
    func write(nanosecondsSinceEpoch: Int64, originalLength: Int, bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var header = pcap_pkthdr()
        let seconds = nanosecondsSinceEpoch.floorDivided(by: 1_000_000_000)
        header.ts.tv_sec = Int(seconds)
        header.ts.tv_usec = Int(nanosecondsSinceEpoch - seconds * 1_000_000_000)
        header.caplen = bpf_u_int32(clamping: bytes.count)
        header.len = bpf_u_int32(clamping: max(originalLength, bytes.count))
        pcap_dump(UnsafeMutablePointer<UInt8>(raw), &header, base)
    }

    /// Flushes buffered records to the file; `false` when the write failed (disk full, ...).
    func flush() -> Bool {
        pcap_dump_flush(raw) == 0
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 keep a non-negative fraction.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
