/// One record read by `pcap_next_ex`, its bytes borrowed from libpcap's buffer until the next read.
struct PcapRecord {
    var nanosecondsSinceEpoch: Int64
    var capturedLength: Int
    var originalLength: Int
    var bytes: UnsafeRawBufferPointer
}
