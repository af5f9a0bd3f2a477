internal import CPcap

/// libpcap's `errbuf`: `PCAP_ERRBUF_SIZE` bytes that a failing call fills with a NUL-terminated message.
struct ErrorBuffer {
    /// Pass as `&buffer.storage` where libpcap wants `char *errbuf`.
    var storage = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))

    /// The message, or a fallback when libpcap left the buffer empty.
    var message: String {
        let bytes = storage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown libpcap error" : String(decoding: bytes, as: UTF8.self)
    }
}
