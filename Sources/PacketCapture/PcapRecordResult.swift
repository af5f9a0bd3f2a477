/// What one `pcap_next_ex` call said.
enum PcapRecordResult {
    /// A record, borrowed until the next call.
    case packet(PcapRecord)
    /// A live capture's read timeout expired with nothing to deliver.
    case timeout
    /// The end of a file, or `pcap_breakloop` on a live capture.
    case end
    /// A read error (cut or corrupt file, interface gone), with libpcap's text.
    case failed(message: String)
}
