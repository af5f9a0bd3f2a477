/// Everything that can go wrong opening, filtering, reading or writing a capture.
///
/// Each case renders as one line fit for a terminal (`description`), naming the file or interface
/// and, where libpcap had something to say, its own words (`pcap_geterr`).
package enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Files
    /// No file or directory at the path.
    case fileNotFound(path: String)
    /// The file exists but this user may not read it.
    case permissionDenied(path: String)
    /// The path names a directory, not a capture file.
    case isDirectory(path: String)
    /// The file is zero bytes long.
    case emptyFile(path: String)
    /// The path exists but is neither a regular file nor a pipe (a socket, a device, ...).
    case notAFile(path: String)
    /// libpcap did not recognise the file as pcap or pcapng (bad magic, bad header); `message` is libpcap's.
    case notACaptureFile(path: String, message: String)
    /// The file could not be opened for another reason (`message` says which).
    case cannotOpen(path: String, message: String)
    /// Reading stopped in the middle of the file: a record cut short or corrupt. The `afterPackets`
    /// packets before it were delivered; the rest of the file is lost.
    case truncatedFile(path: String, afterPackets: Int, message: String)

    // MARK: Filters
    /// The BPF filter expression did not compile or could not be installed.
    case badFilter(filter: String, message: String)

    // MARK: Live capture
    /// No interface of that name; `available` lists the ones libpcap can see.
    case interfaceNotFound(interface: String, available: [String])
    /// The process lacks the capabilities to capture on the interface.
    case missingPrivileges(interface: String, message: String)
    /// The interface exists but is down.
    case interfaceNotUp(interface: String)
    /// Setting up or activating the live capture failed for another reason.
    case liveCaptureFailed(interface: String, message: String)
    /// Reading from an active live capture failed.
    case liveReadFailed(interface: String, message: String)
    /// Listing the interfaces (`pcap_findalldevs`) failed.
    case interfaceListFailed(message: String)

    // MARK: Writing
    /// Creating or writing an output capture file failed.
    case writeFailed(path: String, message: String)

    package var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .permissionDenied(let path):
            return "\(path): permission denied (the file is not readable by this user)"
        case .isDirectory(let path):
            return "\(path): is a directory, not a capture file"
        case .emptyFile(let path):
            return "\(path): empty file (0 bytes), not a capture file"
        case .notAFile(let path):
            return "\(path): not a regular file"
        case .notACaptureFile(let path, let message):
            return "\(path): not a pcap or pcapng capture file: \(message)"
        case .cannotOpen(let path, let message):
            return "\(path): cannot open: \(message)"
        case .truncatedFile(let path, let afterPackets, let message):
            let noun = afterPackets == 1 ? "packet" : "packets"
            return "\(path): truncated or corrupt capture, stopped after \(afterPackets) \(noun): \(message)"
        case .badFilter(let filter, let message):
            return "bad capture filter '\(filter)': \(message)"
        case .interfaceNotFound(let interface, let available):
            let list = available.isEmpty ? "none visible" : available.joined(separator: ", ")
            return "interface '\(interface)' not found; available interfaces: \(list)"
        case .missingPrivileges(let interface, let message):
            return "cannot capture on '\(interface)': \(message); live capture needs CAP_NET_RAW "
                + "(and CAP_NET_ADMIN): run as root or grant them with "
                + "`sudo setcap cap_net_raw,cap_net_admin=eip <path-to-dubbo-inspect>`"
        case .interfaceNotUp(let interface):
            return "cannot capture on '\(interface)': the interface is down"
        case .liveCaptureFailed(let interface, let message):
            return "cannot capture on '\(interface)': \(message)"
        case .liveReadFailed(let interface, let message):
            return "reading from '\(interface)' failed: \(message)"
        case .interfaceListFailed(let message):
            return "cannot list capture interfaces: \(message)"
        case .writeFailed(let path, let message):
            return "\(path): cannot write capture: \(message)"
        }
    }
}
