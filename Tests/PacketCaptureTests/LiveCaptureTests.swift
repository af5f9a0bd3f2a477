import Foundation
import Glibc
import InspectorCore
import PacketCapture
import TestSupport
import Testing

@Suite("LiveCapture", .serialized, .tags(.root))
struct LiveCaptureTests {
    @Test("the interface list includes loopback")
    func listsLoopback() throws {
        let interfaces = try LiveCapture.availableInterfaces()
        #expect(interfaces.contains { $0.name == "lo" && $0.isLoopback })
    }

    @Test("an unknown interface is reported with the available ones")
    func unknownInterface() throws {
        let names = try LiveCapture.availableInterfaces().map(\.name)
        #expect(throws: CaptureError.interfaceNotFound(interface: "nosuchif0", available: names)) {
            _ = try LiveCapture(interface: "nosuchif0")
        }
    }

    @Test("settings libpcap cannot take are refused naming the setting, before the interface is opened")
    func settingsOutOfRange() {
        // 268435456 MiB: the slip of giving bytes where MiB are meant; it used to be clamped silently.
        #expect(throws: CaptureError.liveCaptureFailed(
            interface: "lo", message: "buffer size 268435456 MiB is outside 1...1024 MiB")) {
            _ = try LiveCapture(interface: "lo", bufferSizeMiB: 268_435_456)
        }
        #expect(throws: CaptureError.liveCaptureFailed(
            interface: "lo", message: "snap length 0 is outside 1...262144 bytes")) {
            _ = try LiveCapture(interface: "lo", snapLength: 0)
        }
    }

    @Test("packets on loopback are delivered, and breakLoop ends the capture")
    func capturesAndBreaks() throws {
        let port: UInt16 = 47_999
        let capture: LiveCapture
        do {
            capture = try LiveCapture(
                interface: "lo", snapLength: 2_048, bufferSizeMiB: 1, filter: "udp dst port \(port)", timeoutMs: 50)
        } catch {
            // Not allowed to capture here: nothing to test.
            if case .missingPrivileges = error { return }
            throw error
        }
        #expect(capture.linkType == 1)
        let before = Int64(Date().timeIntervalSince1970 * 1e9)
        try Self.sendUDP(to: port, payload: Array("dubbo".utf8))
        let packet = try #require(try capture.nextPacket())
        #expect(packet.bytes.suffix(5).elementsEqual("dubbo".utf8))
        #expect(packet.capturedLength == 14 + 20 + 8 + 5)
        #expect(abs(packet.time.nanosecondsSinceEpoch - before) < 10_000_000_000)
        let stats = try capture.stats()
        #expect(stats.delivered.packetsRead == 1)
        #expect(stats.received >= 1)

        // breakLoop from another thread wakes a blocked read.
        let breaker = Thread { [capture] in
            usleep(200_000)
            capture.breakLoop()
        }
        breaker.start()
        #expect(try capture.nextPacket() == nil)
        #expect(try capture.nextPacket() == nil)
    }

    /// Sends one UDP datagram to 127.0.0.1:`port` (nobody needs to listen).
    static func sendUDP(to port: UInt16, payload: [UInt8]) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(socketFD >= 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(socketFD, payload, payload.count, 0, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(sent == payload.count)
    }
}
