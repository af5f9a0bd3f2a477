import Foundation
import Glibc
import LiveMonitoring
import TestSupport
import Testing

@Suite("MetricsServer", .serialized)
struct MetricsServerTests {
    @Test("GET /metrics answers the exposition with the Prometheus content type; other paths 404", .timeLimit(.minutes(1)))
    func servesMetrics() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        metrics.record(RecordBuilder.call("com.example.Calc", "add"), applications: ApplicationNames())
        let server = try MetricsServer(host: "127.0.0.1", port: 0, metrics: metrics)
        defer { server.stop() }
        #expect(server.port > 0)
        let response = try httpGet(port: server.port, path: "/metrics")
        #expect(response.head.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.head.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(response.body == metrics.prometheusText())
        #expect(response.body.contains(#"dubbo_calls_total{service="com.example.Calc",method="add",status="OK""#))
        let check = try promtoolCheck(response.body)
        #expect(check.status == 0, "\(check.output)")
        let missing = try httpGet(port: server.port, path: "/nothing")
        #expect(missing.head.hasPrefix("HTTP/1.1 404"))
    }

    @Test("a port already in use is reported with the address")
    func bindFailure() throws {
        let metrics = LiveMetrics(start: RecordBuilder.time(0))
        let first = try MetricsServer(host: "127.0.0.1", port: 0, metrics: metrics)
        defer { first.stop() }
        #expect {
            _ = try MetricsServer(host: "127.0.0.1", port: first.port, metrics: metrics)
        } throws: { error in
            "\(error)".hasPrefix("cannot serve metrics on 127.0.0.1:\(first.port)")
        }
    }

    @Test("addresses parse as HOST:PORT, IPv6 in brackets")
    func parsesAddresses() {
        #expect(MetricsServer.parseAddress("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(MetricsServer.parseAddress("[::1]:9464")! == ("::1", 9464))
        #expect(MetricsServer.parseAddress("127.0.0.1") == nil)
        #expect(MetricsServer.parseAddress("127.0.0.1:70000") == nil)
    }
}

struct HTTPResponse {
    var head: String
    var body: String
}

/// A one-shot HTTP/1.1 GET to 127.0.0.1:`port` with `Connection: close`, read to the end (5 s receive timeout).
func httpGet(port: Int, path: String) throws -> HTTPResponse {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HTTPFailure(message: "socket: \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HTTPFailure(message: "connect to 127.0.0.1:\(port): errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { throw HTTPFailure(message: "send failed") }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    // Bounded: ends at the server's close, or the receive timeout, or 64 MiB.
    while received.count < 64 << 20 {
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { break }
        received.append(contentsOf: chunk[0..<count])
    }
    let text = String(decoding: received, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw HTTPFailure(message: "no HTTP head in \(text.prefix(200))") }
    return HTTPResponse(head: String(text[..<split.lowerBound]), body: String(text[split.upperBound...]))
}

struct HTTPFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
