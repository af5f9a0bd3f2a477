internal import CPcap

/// libpcap's status codes, re-exported inside the module so only the door files import `CPcap`.
enum PcapStatus {
    static let noSuchDevice = PCAP_ERROR_NO_SUCH_DEVICE
    static let permissionDenied = PCAP_ERROR_PERM_DENIED
    static let promiscuousPermissionDenied = PCAP_ERROR_PROMISC_PERM_DENIED
    static let interfaceNotUp = PCAP_ERROR_IFACE_NOT_UP
}
