import NIOCore
import NIOHTTP1
import NIOPosix

/// The Prometheus endpoint: `GET /metrics` answers the text exposition of a `LiveMetrics`.
///
/// One event-loop thread of its own (swift-nio), so a scrape never touches the capture or the analysis threads
/// beyond the metrics' lock. `/` answers a one-line pointer to `/metrics`, other paths 404, other methods 405.
/// Idle connections are closed after 60 s.
package final class MetricsServer: Sendable {
    /// The address actually bound (the port is the real one when 0 was asked for).
    package let host: String
    package let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Binds `host:port` (`port` 0 picks a free one) and starts answering.
    /// Throws `MetricsServerError` naming the address when the bind fails (in use, not a local address, ...).
    package init(host: String, port: Int, metrics: LiveMetrics) throws(MetricsServerError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 1)
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsServerError(address: "\(host):\(port)", reason: "\(error)")
        }
        self.group = group
        self.channel = channel
        self.host = host
        self.port = channel.localAddress?.port ?? port
    }

    /// Stops listening, closes open connections and the thread. Idempotent.
    package func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Splits `host:port` (`[v6]:port` for IPv6). Returns `nil` when it is not of that form.
    package static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port), !host.isEmpty else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

/// The metrics endpoint could not start.
package struct MetricsServerError: Error, Sendable, CustomStringConvertible {
    package var address: String
    package var reason: String
    package var description: String { "cannot serve metrics on \(address): \(reason)" }
}

/// Answers each HTTP request on one connection.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: LiveMetrics
    private var request: HTTPRequestHead?

    init(metrics: LiveMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // a scrape has no body; anything sent is ignored
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        let body: String
        var contentType = "text/plain; charset=utf-8"
        var headers = HTTPHeaders()
        switch (head.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            status = .ok
            body = metrics.prometheusText()
            contentType = PrometheusText.contentType
        case (.GET, "/"), (.HEAD, "/"):
            status = .ok
            body = "dubbo-inspect: metrics at /metrics\n"
        case (.GET, _), (.HEAD, _):
            status = .notFound
            body = "not found; metrics are at /metrics\n"
        default:
            status = .methodNotAllowed
            body = "only GET and HEAD\n"
            headers.add(name: "Allow", value: "GET, HEAD")
        }
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
