/// The `LINKTYPE_*`/`DLT_*` values the dissector reads (tcpdump.org/linktypes.html).
public enum LinkType {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null: Int32 = 0
    /// Ethernet II / 802.3, with any 802.1Q/802.1ad tags.
    public static let ethernet: Int32 = 1
    /// Raw IP as `DLT_RAW` on most systems (what libpcap reports for a LINKTYPE_RAW file on Linux).
    public static let rawDLT12: Int32 = 12
    /// Raw IP as `DLT_RAW` on OpenBSD / BSD/OS.
    public static let rawDLT14: Int32 = 14
    /// Raw IP, the file-format value (LINKTYPE_RAW).
    public static let raw: Int32 = 101
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    public static let loop: Int32 = 108
    /// Linux cooked capture v1 (`-i any`), 16-byte header.
    public static let linuxSLL: Int32 = 113
    /// IPv4 without a link header.
    public static let ipv4: Int32 = 228
    /// IPv6 without a link header.
    public static let ipv6: Int32 = 229
    /// Linux cooked capture v2, 20-byte header.
    public static let linuxSLL2: Int32 = 276

    /// Every link type `PacketDissector` understands.
    public static let supported: Set<Int32> = [
        null, ethernet, rawDLT12, rawDLT14, raw, loop, linuxSLL, ipv4, ipv6, linuxSLL2,
    ]
}
