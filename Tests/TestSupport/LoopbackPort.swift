package import Glibc

/// Ports on 127.0.0.1 for the servers tests start (Redis, the OTLP receiver, the Dubbo stacks, UDP sinks).
package enum LoopbackPort {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// A port nothing uses on 127.0.0.1 right now: bound to port 0, read back, released.
    package static func unused(type: __socket_type = SOCK_STREAM) throws -> Int {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a port on 127.0.0.1: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
