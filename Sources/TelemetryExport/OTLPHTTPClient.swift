import InspectorCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 POST of `application/x-protobuf` bodies over one kept-alive connection, on swift-nio with a single
/// event-loop thread of its own. A lost connection is reopened on the next request; a request that fails on a
/// connection reused from before is tried once more at once on a new one (the server may have closed it idly).
package final class OTLPHTTPClient: OTLPTransport {
    private let endpoint: OTLPEndpoint
    private let connectTimeout: Double
    private let headers: [(String, String)]
    private let group: MultiThreadedEventLoopGroup
    private var channel: (any Channel)?
    private var requestNumber = 0

    package init(endpoint: OTLPEndpoint, connectTimeout: Double = 2, headers: [(String, String)] = []) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.headers = headers
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    package func post(path: String, body: [UInt8], timeout: Double) -> TransportResult {
        let deadline = SystemClock.monotonicSeconds + max(0.001, timeout)
        let reused = channel?.isActive == true
        let first = attempt(path: path, body: body, deadline: deadline)
        if reused, case .failed(let reason) = first, reason.hasPrefix(OTLPResponseCollector.closedPrefix),
            SystemClock.monotonicSeconds < deadline
        {
            return attempt(path: path, body: body, deadline: deadline)
        }
        return first
    }

    package func shutdown() {
        if let channel { try? channel.close().wait() }
        channel = nil
        try? group.syncShutdownGracefully()
    }

    private func attempt(path: String, body: [UInt8], deadline: Double) -> TransportResult {
        let channel: any Channel
        if let open = self.channel, open.isActive {
            channel = open
        } else {
            self.channel = nil
            let budget = min(connectTimeout, deadline - SystemClock.monotonicSeconds)
            guard budget > 0 else { return .failed("timed out before connecting") }
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(budget * 1e9)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(OTLPResponseCollector())
                    }
                }
            do {
                channel = try bootstrap.connect(host: endpoint.host, port: endpoint.port).wait()
            } catch {
                return .failed("cannot connect to \(endpoint.hostHeader): \(error)")
            }
            self.channel = channel
        }

        requestNumber += 1
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "Content-Type", value: "application/x-protobuf")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "User-Agent", value: "dubbo-inspect")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let promise = channel.eventLoop.makePromise(of: TransportResult.self)
        let request = OTLPRequest(number: requestNumber, head: head, body: ByteBuffer(bytes: body), promise: promise)
        channel.writeAndFlush(request, promise: nil)
        let remaining = max(0.001, deadline - SystemClock.monotonicSeconds)
        let number = requestNumber
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(remaining * 1e9))) {
            channel.pipeline.fireUserInboundEventTriggered(OTLPRequestTimedOut(number: number))
        }
        let result: TransportResult
        do {
            result = try promise.futureResult.wait()
        } catch {
            result = .failed("\(error)")
        }
        timer.cancel()
        if case .failed = result {
            channel.close(promise: nil)
            self.channel = nil
        }
        return result
    }
}
