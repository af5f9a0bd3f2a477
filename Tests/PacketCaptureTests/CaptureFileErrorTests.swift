import Glibc
import InspectorCore
import Testing

@testable import PacketCapture

@Suite("PcapFileReader errors")
struct CaptureFileErrorTests {
    typealias Record = CaptureFileBytes.Record

    static let records = (1...3).map { index in
        Record(
            seconds: 1_000, fraction: UInt32(index),
            data: CaptureFileBytes.tcpFrame(payload: [UInt8](repeating: UInt8(index), count: 10)))
    }

    /// The error opening `path` throws, or `nil` when it opens.
    static func openError(_ path: String, filter: String? = nil) -> CaptureError? {
        do {
            _ = try PcapFileReader(path: path, filter: filter)
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing file is reported as not found")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/absent.pcap"
        #expect(Self.openError(path) == .fileNotFound(path: path))
        #expect(Self.openError(path + "/below") == .fileNotFound(path: path + "/below"))
        #expect(CaptureError.fileNotFound(path: path).description == "\(path): no such file")
    }

    @Test("a directory is reported as a directory")
    func directory() throws {
        let directory = try TemporaryDirectory()
        #expect(Self.openError(directory.path) == .isDirectory(path: directory.path))
    }

    @Test("an empty file is reported as empty")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("empty.pcap", [])
        #expect(Self.openError(path) == .emptyFile(path: path))
        #expect(CaptureError.emptyFile(path: path).description == "\(path): empty file (0 bytes), not a capture file")
    }

    @Test("a garbage or short header is not a capture file, with libpcap's reason")
    func garbageHeader() throws {
        let directory = try TemporaryDirectory()
        let text = try directory.write("notes.pcap", Array("these are not the packets you are looking for\n".utf8))
        guard case .notACaptureFile(let path, let message) = Self.openError(text) else {
            Issue.record("expected notACaptureFile")
            return
        }
        #expect(path == text)
        #expect(message == "unknown file format")
        let short = try directory.write("short.pcap", [0xd4, 0xc3])
        guard case .notACaptureFile(_, let shortMessage) = Self.openError(short) else {
            Issue.record("expected notACaptureFile")
            return
        }
        #expect(shortMessage.contains("truncated"))
    }

    @Test("an unreadable file is reported as permission denied")
    func unreadableFile() throws {
        // Root reads anything, so the file check can only be seen as another user; the errno
        // mapping is checked either way.
        #expect(CaptureFileOpener.error(forErrno: EACCES, path: "/x") == .permissionDenied(path: "/x"))
        #expect(CaptureFileOpener.error(forErrno: EISDIR, path: "/x") == .isDirectory(path: "/x"))
        #expect(
            CaptureFileOpener.error(forErrno: EIO, path: "/x") == .cannotOpen(path: "/x", message: "Input/output error")
        )
        let directory = try TemporaryDirectory()
        let path = try directory.write("secret.pcap", CaptureFileBytes.pcap(records: Self.records))
        chmod(path, 0)
        if getuid() != 0 {
            #expect(Self.openError(path) == .permissionDenied(path: path))
        }
    }

    @Test("a bad filter names the filter and libpcap's reason")
    func badFilter() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("ok.pcap", CaptureFileBytes.pcap(records: Self.records))
        guard case .badFilter(let filter, let message) = Self.openError(path, filter: "tcp port banana") else {
            Issue.record("expected badFilter")
            return
        }
        #expect(filter == "tcp port banana")
        #expect(!message.isEmpty)
        #expect(
            CaptureError.badFilter(filter: filter, message: message).description.hasPrefix(
                "bad capture filter 'tcp port banana': "))
    }

    @Test(
        "a file cut inside a record delivers the packets before the cut, then the error, then the end",
        arguments: [
            ("in the data", 24 + (16 + 64) * 2 + 16 + 20),
            ("in the record header", 24 + (16 + 64) * 2 + 7),
        ])
    func truncatedPcap(where: String, length: Int) throws {
        let directory = try TemporaryDirectory()
        let full = CaptureFileBytes.pcap(records: Self.records)
        #expect(full.count == 24 + (16 + 64) * 3)
        let path = try directory.write("cut.pcap", Array(full[0..<length]))
        let reader = try PcapFileReader(path: path)
        #expect(try reader.nextPacket()?.time.nanosecondsSinceEpoch == 1_000_000_001_000)
        #expect(try reader.nextPacket()?.time.nanosecondsSinceEpoch == 1_000_000_002_000)
        #expect {
            _ = try reader.nextPacket()
        } throws: { error in
            guard case .truncatedFile(let errorPath, let afterPackets, let message) = error as? CaptureError else {
                return false
            }
            return errorPath == path && afterPackets == 2 && message.contains("truncated")
        }
        #expect(try reader.nextPacket() == nil)
        #expect(reader.stats.packetsRead == 2)
        #expect(reader.stats.sourcesFailed == 1)
    }

    @Test("a pcapng file cut inside a block delivers the blocks before the cut")
    func truncatedPcapng() throws {
        let directory = try TemporaryDirectory()
        let full = CaptureFileBytes.pcapng(records: Self.records)
        let path = try directory.write("cut.pcapng", Array(full[0..<(full.count - 30)]))
        let reader = try PcapFileReader(path: path)
        var delivered = 0
        var failure: CaptureError? = nil
        do {
            while try reader.nextPacket() != nil, delivered < 10 { delivered += 1 }
        } catch {
            failure = error
        }
        #expect(delivered == 2)
        guard case .truncatedFile(_, 2, _) = failure else {
            Issue.record("expected truncatedFile after 2 packets, got \(String(describing: failure))")
            return
        }
    }

    @Test("every error renders as one line")
    func descriptionsAreOneLine() {
        let errors: [CaptureError] = [
            .fileNotFound(path: "a.pcap"), .permissionDenied(path: "a.pcap"), .isDirectory(path: "d"),
            .emptyFile(path: "e.pcap"), .notAFile(path: "/dev/null"),
            .notACaptureFile(path: "n.pcap", message: "unknown file format"),
            .cannotOpen(path: "c", message: "I/O error"),
            .truncatedFile(path: "t.pcap", afterPackets: 2, message: "truncated dump file"),
            .badFilter(filter: "port x", message: "syntax error"),
            .interfaceNotFound(interface: "eth9", available: ["lo", "eth0"]),
            .missingPrivileges(interface: "eth0", message: "Operation not permitted"),
            .interfaceNotUp(interface: "eth1"), .liveCaptureFailed(interface: "eth0", message: "x"),
            .liveReadFailed(interface: "eth0", message: "x"), .interfaceListFailed(message: "x"),
            .writeFailed(path: "w.pcap", message: "x"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.isEmpty)
        }
        #expect(
            CaptureError.truncatedFile(path: "t.pcap", afterPackets: 2, message: "truncated dump file").description
                == "t.pcap: truncated or corrupt capture, stopped after 2 packets: truncated dump file"
        )
        #expect(
            CaptureError.interfaceNotFound(interface: "eth9", available: ["lo", "eth0"]).description
                == "interface 'eth9' not found; available interfaces: lo, eth0"
        )
        let privileges = CaptureError.missingPrivileges(interface: "eth0", message: "Operation not permitted")
            .description
        #expect(privileges.contains("CAP_NET_RAW"))
        #expect(privileges.contains("setcap cap_net_raw,cap_net_admin=eip"))
        #expect(privileges.contains("run as root"))
    }
}
