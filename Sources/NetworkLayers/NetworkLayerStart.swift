/// Where the link layer says the IP packet starts, or why there is none.
enum NetworkLayerStart: Equatable {
    case ipv4(offset: Int)
    case ipv6(offset: Int)
    case skipped(SkipReason)
}
