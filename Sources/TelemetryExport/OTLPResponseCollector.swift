import NIOCore
import NIOHTTP1

/// One request handed to the pipeline with the promise its answer completes.
struct OTLPRequest: Sendable {
    var number: Int
    var head: HTTPRequestHead
    var body: ByteBuffer
    var promise: EventLoopPromise<TransportResult>
}

/// Fired on the pipeline when a request's time is up.
struct OTLPRequestTimedOut: Sendable {
    var number: Int
}

/// Writes requests and completes each one's promise with the answer (status, `Retry-After`, first 64 KiB of the
/// body), or with a failure when the connection closes or errs first. Lives on the event loop; one request at a
/// time (the client waits for each answer).
final class OTLPResponseCollector: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = OTLPRequest
    typealias OutboundOut = HTTPClientRequestPart

    static let closedPrefix = "connection closed"
    static let maxBody = 64 << 10

    private var pending: (number: Int, promise: EventLoopPromise<TransportResult>)?
    private var status = 0
    private var retryAfter: Double?
    private var body: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let pending {
            pending.promise.fail(OTLPClientError(message: "request overlapped"))
        }
        pending = (request.number, request.promise)
        status = 0
        retryAfter = nil
        body = []
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            retryAfter = head.headers.first(name: "Retry-After").flatMap { Double($0) }
        case .body(var buffer):
            let room = Self.maxBody - body.count
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) {
                body += bytes
            }
        case .end:
            complete(.answered(status: status, retryAfter: retryAfter, body: body))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let timeout = event as? OTLPRequestTimedOut {
            if let pending, pending.number == timeout.number {
                complete(.failed("no answer in time"))
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failed("\(Self.closedPrefix) before the answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failed("\(Self.closedPrefix): \(error)"))
        context.close(promise: nil)
    }

    private func complete(_ result: TransportResult) {
        guard let pending else { return }
        self.pending = nil
        pending.promise.succeed(result)
    }
}

struct OTLPClientError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
