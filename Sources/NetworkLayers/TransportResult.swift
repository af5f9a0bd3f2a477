/// What the IP layer found: a TCP header to parse, or why the packet is skipped.
enum TransportResult: Equatable {
    case tcp(TransportLocation)
    case skipped(SkipReason)
}
