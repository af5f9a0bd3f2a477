import Hessian2
import NIOHPACK
import InspectorCore
import Testing
@testable import TripleWire

@Suite("Triple connection decoder")
struct TripleConnectionTests {
    static let path = "/org.apache.dubbo.demo.GreeterService/sayHello"

    static func requestFields(path: String = path) -> [(String, String)] {
        [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "127.0.0.1:50051"),
         ("content-type", "application/grpc+proto"), ("te", "trailers"), ("grpc-timeout", "3000m"),
         ("tri-service-version", "1.0.0"), ("tri-service-group", "blue"), ("tri-consumer-appname", "shop"),
         ("traceid", "t-1")]
    }

    static let request = Wire.requestWrapper([Wire.hessian("user-42"), Wire.hessian(7)], types: ["java.lang.String", "int"])
    static let response = Wire.responseWrapper(Wire.hessian("hello"), type: "java.lang.String")

    /// A whole unary call on stream `id`, with separate packet times for each step.
    static func unary(
        _ harness: inout ConnectionHarness, id: UInt32, client: inout BlockEncoder, server: inout BlockEncoder,
        status: String = "0", message: String? = nil, at base: Int64 = 0
    ) {
        harness.send(H2.frame(.headers, flags: 0x4, stream: id, client.block(requestFields()))
                     + H2.frame(.data, flags: 0x1, stream: id, H2.grpcMessage(request)), from: .client, at: H2.time(base))
        harness.send(H2.frame(.headers, flags: 0x4, stream: id, server.block([(":status", "200"), ("content-type", "application/grpc")])),
                     from: .server, at: H2.time(base + 100))
        harness.send(H2.frame(.data, stream: id, H2.grpcMessage(response)), from: .server, at: H2.time(base + 150))
        var trailers = [("grpc-status", status)]
        if let message { trailers.append(("grpc-message", message)) }
        harness.send(H2.frame(.headers, flags: 0x5, stream: id, server.block(trailers)), from: .server, at: H2.time(base + 200))
    }

    @Test("a unary call: interface, method, version, group, caller, timeout, attachments, wrapper values, timings")
    func unaryCall() throws {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface + H2.settings, from: .client)
        harness.send(H2.settings, from: .server)
        Self.unary(&harness, id: 1, client: &client, server: &server)
        let call = try #require(harness.calls.first)
        #expect(harness.calls.count == 1)
        #expect(call.streamID == 1 && call.kind == .call)
        #expect(call.service == "org.apache.dubbo.demo.GreeterService" && call.method == "sayHello")
        #expect(call.version == "1.0.0" && call.group == "blue" && call.application == "shop")
        #expect(call.timeoutMicroseconds == 3_000_000)
        #expect(call.attachments.map(\.name) == ["traceid"])
        #expect(call.request?.serialization == "hessian2")
        #expect(call.request?.values == [.string("user-42"), .int(7)])
        #expect(call.request?.types == ["java.lang.String", "int"])
        #expect(call.response?.values == [.string("hello")])
        #expect(call.grpcStatus == 0 && call.httpStatus == 200 && call.statusName == "OK")
        #expect(call.requestTime == H2.time(0) && call.responseTime == H2.time(100) && call.responseEndTime == H2.time(200))
        #expect(call.requestMessages == 1 && call.responseMessages == 1)
        #expect(call.requestBytes == Int64(Self.request.count) && call.quality.isEmpty)
    }

    @Test("every decoder starts from the same empty table: entries one direction added are never seen by another")
    func decodersIndependent() throws {
        var encoder = BlockEncoder()
        let adds = encoder.block([("x-trace", "one")])  // a literal the encoder indexes
        let refers = encoder.block([("x-trace", "one")])  // the entry by its dynamic index
        #expect(refers.count < adds.count)
        let fields = { (decoded: HPACKHeaders?) in decoded.map { $0.map { "\($0.name)=\($0.value)" } } }
        var first = HeaderBlockDecoder(limits: TripleLimits(), memory: HeaderBlockMemory())
        var second = HeaderBlockDecoder(limits: TripleLimits(), memory: HeaderBlockMemory())
        #expect(fields(adds.withUnsafeBufferPointer { first.decode($0)?.fields }) == ["x-trace=one"])
        #expect(fields(refers.withUnsafeBufferPointer { first.decode($0)?.fields }) == ["x-trace=one"])
        #expect(refers.withUnsafeBufferPointer { second.decode($0) } == nil && !second.tableKnown)
        var third = HeaderBlockDecoder(limits: TripleLimits(), memory: HeaderBlockMemory())
        #expect(fields(adds.withUnsafeBufferPointer { third.decode($0)?.fields }) == ["x-trace=one"] && third.tableKnown)
    }

    @Test("the dynamic table carries across calls: the second call's indexed headers decode to the same names")
    func dynamicTableAcrossCalls() {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface, from: .client)
        for index in 0..<50 {
            Self.unary(&harness, id: UInt32(2 * index + 1), client: &client, server: &server, at: Int64(index) * 1_000)
        }
        #expect(harness.calls.count == 50)
        #expect(harness.calls.allSatisfy { $0.group == "blue" && $0.method == "sayHello" && $0.grpcStatus == 0 && $0.quality.isEmpty })
    }

    @Test("after lost header bytes the table is unknown: calls are still reported, flagged, never with guessed names")
    func lostHeadersNeverGuessed() throws {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface, from: .client)
        Self.unary(&harness, id: 1, client: &client, server: &server)
        // Stream 3's request HEADERS are lost in a gap (the encoder's table moved on without us).
        let lostBlock = H2.frame(.headers, flags: 0x4, stream: 3, client.block(Self.requestFields(path: "/x.Other/lost")))
        harness.gap(lostBlock.count, from: .client)
        // Stream 5 refers to table entries the lost block may have added.
        harness.send(H2.frame(.headers, flags: 0x4, stream: 5, client.block(Self.requestFields(path: "/x.Other/lost")))
                     + H2.frame(.data, flags: 0x1, stream: 5, H2.grpcMessage(Self.request)), from: .client, at: H2.time(900))
        harness.send(H2.frame(.headers, flags: 0x5, stream: 5, server.block([(":status", "200"), ("grpc-status", "0")])),
                     from: .server, at: H2.time(950))
        harness.finish()
        let later = try #require(harness.calls.first { $0.streamID == 5 })
        #expect(later.kind == .call && later.quality.contains(.headersIncomplete) && later.quality.contains(.midstream))
        #expect(later.path == nil && later.service == nil && later.group == nil)
        // Timing and the status (whose block refers only to what the server's known table holds) are still there.
        #expect(later.requestTime == H2.time(900) && later.responseTime == H2.time(950) && later.grpcStatus == 0)
        #expect(later.requestMessages == 1)
    }

    @Test("RST_STREAM before the response ends the call as cancelled, at the reset's packet")
    func resetIsCancelled() throws {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface + H2.frame(.headers, flags: 0x4, stream: 1, client.block(Self.requestFields()))
                     + H2.frame(.data, flags: 1, stream: 1, H2.grpcMessage(Self.request)), from: .client, at: H2.time(0))
        harness.send(H2.frame(.rstStream, stream: 1, [0, 0, 0, 8]), from: .client, at: H2.time(500))
        let call = try #require(harness.calls.first)
        #expect(call.resetCode == 8 && call.grpcStatus == nil && call.responseEndTime == H2.time(500))
    }

    @Test("deferring switched on and off between deliveries: a stream's messages, some kept and some decoded, end up as decoding at once gives")
    func deferringSwitched() throws {
        // Three request and four response messages, each in a delivery of its own; deferring flips at every one.
        func run(flipping: Bool) throws -> TripleCall {
            var harness = ConnectionHarness(limits: { var limits = TripleLimits(); limits.defersValues = flipping; return limits }())
            var client = BlockEncoder()
            var server = BlockEncoder()
            var deliveries: [([UInt8], TripleSide)] = [
                (HTTP2FrameHeader.clientPreface + H2.frame(.headers, flags: 0x4, stream: 1, client.block(Self.requestFields())), .client),
            ]
            for index in 0..<3 {
                deliveries.append((H2.frame(.data, flags: index == 2 ? 1 : 0, stream: 1, H2.grpcMessage(Self.request)), .client))
            }
            deliveries.append((H2.frame(.headers, flags: 0x4, stream: 1, server.block([(":status", "200")])), .server))
            for _ in 0..<4 { deliveries.append((H2.frame(.data, stream: 1, H2.grpcMessage(Self.response)), .server)) }
            deliveries.append((H2.frame(.headers, flags: 0x5, stream: 1, server.block([("grpc-status", "0")])), .server))
            for (index, (bytes, side)) in deliveries.enumerated() {
                if flipping { harness.decoder.defersValues = index % 2 == 0 }
                harness.send(bytes, from: side)
            }
            var call = try #require(harness.calls.first)
            var decoder = TripleDeferredDecoder(limits: TripleLimits())
            #expect(decoder.decodeDeferred(in: &call) == 0)
            return call
        }
        let atOnce = try run(flipping: false)
        let switched = try run(flipping: true)
        #expect(!switched.awaitsDecoding && switched == atOnce)
        #expect(switched.request?.values.count == 6 && switched.response?.values.count == 4)
        #expect(switched.request?.kept == nil && switched.response?.kept == nil)
    }

    @Test("streaming: one record per stream, messages counted in both directions, split across DATA frames")
    func streamingCounts() throws {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface + H2.frame(.headers, flags: 0x4, stream: 1, client.block(Self.requestFields())), from: .client)
        let messages = (0..<3).flatMap { _ in H2.grpcMessage(Self.request) }
        // Cut the three messages into DATA frames at odd places.
        harness.send(H2.frame(.data, stream: 1, Array(messages[..<7])) + H2.frame(.data, stream: 1, Array(messages[7..<50]))
                     + H2.frame(.data, flags: 1, stream: 1, Array(messages[50...])), from: .client)
        harness.send(H2.frame(.headers, flags: 0x4, stream: 1, server.block([(":status", "200")])), from: .server)
        for _ in 0..<4 { harness.send(H2.frame(.data, stream: 1, H2.grpcMessage(Self.response)), from: .server) }
        harness.send(H2.frame(.headers, flags: 0x5, stream: 1, server.block([("grpc-status", "0")])), from: .server)
        let call = try #require(harness.calls.first)
        #expect(call.requestMessages == 3 && call.responseMessages == 4)
        #expect(call.request?.values.count == 6 && call.response?.values.count == 4)
    }

    @Test("error trailers: grpc-status name and percent-decoded grpc-message; a trailers-only response is timed")
    func errorStatus() throws {
        var harness = ConnectionHarness()
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface + H2.frame(.headers, flags: 0x4, stream: 1, client.block(Self.requestFields()))
                     + H2.frame(.data, flags: 1, stream: 1, H2.grpcMessage(Self.request)), from: .client, at: H2.time(0))
        harness.send(H2.frame(.headers, flags: 0x5, stream: 1, server.block(
            [(":status", "200"), ("grpc-status", "5"), ("grpc-message", "no%20user%20%C3%BC"), ("tri-exception-code", "7")])),
                     from: .server, at: H2.time(40))
        let call = try #require(harness.calls.first)
        #expect(call.grpcStatus == 5 && call.statusName == "NOT_FOUND" && call.grpcMessage == "no user ü")
        #expect(call.exceptionCode == "7" && call.responseTime == H2.time(40) && call.responseEndTime == H2.time(40))
    }

    @Test("CONTINUATION flood: the block is dropped at the limit, counted, and the call flagged")
    func continuationFlood() throws {
        var limits = TripleLimits()
        limits.maxContinuationFrames = 4
        var harness = ConnectionHarness(limits: limits)
        var client = BlockEncoder()
        let block = client.block(Self.requestFields())
        var bytes = HTTP2FrameHeader.clientPreface + H2.frame(.headers, stream: 1, Array(block[..<3]))
        for _ in 0..<10 { bytes += H2.frame(.continuation, stream: 1, []) }
        bytes += H2.frame(.continuation, flags: 0x4, stream: 1, Array(block[3...]))
        harness.send(bytes, from: .client)
        harness.finish()
        #expect(harness.decoder.stats.oversizedHeaderBlocks == 1)
        #expect(harness.calls.allSatisfy { $0.path == nil })
    }

    @Test("streams beyond the concurrent limit are counted, not tracked")
    func concurrentStreamLimit() {
        var limits = TripleLimits()
        limits.maxConcurrentStreams = 3
        var harness = ConnectionHarness(limits: limits)
        var client = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface, from: .client)
        for id in stride(from: UInt32(1), through: 11, by: 2) {
            harness.send(H2.frame(.headers, flags: 0x4, stream: id, client.block(Self.requestFields())), from: .client)
        }
        harness.finish()
        #expect(harness.calls.count == 3 && harness.decoder.stats.streamsOverLimit == 3)
        #expect(harness.calls.allSatisfy { $0.quality.contains(.truncated) })
    }

    @Test("a gzip message inflates; a zip bomb stops at its bound and is flagged too large")
    func gzipAndBomb() throws {
        var limits = TripleLimits()
        limits.decompressionFloor = 4_096
        limits.maxDecompressionRatio = 10
        var harness = ConnectionHarness(limits: limits)
        var client = BlockEncoder()
        var fields = Self.requestFields()
        fields.append(("grpc-encoding", "gzip"))
        let gzipped = try Gzip.compress(Self.request)
        let bomb = try Gzip.compress(Array(repeating: 0, count: 1 << 20))
        harness.send(HTTP2FrameHeader.clientPreface + H2.frame(.headers, flags: 0x4, stream: 1, client.block(fields))
                     + H2.frame(.data, flags: 1, stream: 1, H2.grpcMessage(gzipped, compressed: true))
                     + H2.frame(.headers, flags: 0x4, stream: 3, client.block(fields))
                     + H2.frame(.data, flags: 1, stream: 3, H2.grpcMessage(bomb, compressed: true)), from: .client)
        harness.finish()
        let plain = try #require(harness.calls.first { $0.streamID == 1 })
        #expect(plain.request?.values == [.string("user-42"), .int(7)])
        let bombed = try #require(harness.calls.first { $0.streamID == 3 })
        #expect(bombed.quality.contains(.requestTooLarge) && bombed.request == nil)
    }

    @Test("a PING and its ack are timed like a heartbeat")
    func pingTimed() throws {
        var harness = ConnectionHarness()
        harness.send(HTTP2FrameHeader.clientPreface + H2.frame(.ping, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8]), from: .client, at: H2.time(10))
        harness.send(H2.frame(.ping, flags: 1, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8]), from: .server, at: H2.time(35))
        let ping = try #require(harness.calls.first)
        #expect(ping.kind == .ping && ping.requestTime == H2.time(10) && ping.responseTime == H2.time(35))
    }
}

@Suite("Triple payloads")
struct TriplePayloadTests {
    static func render(_ bytes: [UInt8]) throws -> HessianValue {
        try bytes.withUnsafeBufferPointer { try ProtobufRendering.render($0, maxDepth: 16) }
    }

    @Test("an IDL message is rendered like protoc --decode_raw: numbers, text, nested messages, repeated fields")
    func decodeRaw() throws {
        let value = try Self.render(Wire.field(1, varint: 42) + Wire.field(2, "user-42"))
        #expect(value == .map(HessianMap(entries: [
            HessianMapEntry(key: .string("1"), value: .long(42)), HessianMapEntry(key: .string("2"), value: .string("user-42")),
        ])))
        let nested = try Self.render(Wire.field(3, Wire.field(1, varint: 1)) + Wire.field(4, varint: 5) + Wire.field(4, varint: 6))
        guard case .map(let map) = nested else { Issue.record("not a map"); return }
        #expect(map["3"] == .map(HessianMap(entries: [HessianMapEntry(key: .string("1"), value: .long(1))])))
        #expect(map["4"] == .list(HessianList(elements: [.long(5), .long(6)])))
    }

    @Test("malformed protobuf is an error with its offset, never a crash")
    func malformedProtobuf() {
        #expect(throws: ProtobufReader.Malformed.self) { try Self.render([0x0A, 0x7F, 1]) }
        #expect(throws: ProtobufReader.Malformed.self) { try Self.render([0x0F]) }
        #expect(throws: ProtobufReader.Malformed.self) { try Self.render(Array(repeating: 0xFF, count: 12)) }
    }

    @Test(":path splits at its last slash; header names are matched whole, never by length alone")
    func pathAndNames() {
        let split = { (path: String) -> [String?] in
            let (service, method) = TripleRequestHeaders.serviceAndMethod(path: path)
            return [service, method]
        }
        #expect(split("/org.apache.dubbo.demo.GreeterService/sayHello") == ["org.apache.dubbo.demo.GreeterService", "sayHello"])
        #expect(split("/a/b/c") == ["a/b", "c"])
        #expect(split("/onlyService") == ["onlyService", nil])
        #expect(split("noSlash") == ["noSlash", nil])
        #expect(split("/") == ["", nil])
        #expect(split("/svc/") == ["svc", ""])
        #expect(split("/сервис/метод") == ["сервис", "метод"])
        typealias Header = TripleRequestHeaders.Name
        #expect(Header(":path") == .path && Header("te") == .transport && Header(":authority") == .transport)
        #expect(Header(":method") == .transport && Header(":scheme") == .transport)
        #expect(Header("content-type") == .contentType && Header("grpc-timeout") == .timeout)
        #expect(Header("grpc-encoding") == .encoding && Header("tri-service-group") == .group)
        #expect(Header("tri-service-version") == .version && Header("tri-consumer-appname") == .application)
        // Same lengths, other names: attachments.
        for name in ["tx", ":pat", ":methoo", "content-typo", "grpc-timeouT", "tri-service-grouq", "tri-consumer-appnamf", "traceid"] {
            #expect(Header(name) == .other, "\(name)")
        }
    }

    @Test("grpc-timeout units and percent-decoding follow the gRPC over HTTP/2 spec")
    func headerValues() {
        #expect(TripleRequestHeaders.timeoutMicroseconds("1S") == 1_000_000)
        #expect(TripleRequestHeaders.timeoutMicroseconds("250m") == 250_000)
        #expect(TripleRequestHeaders.timeoutMicroseconds("2H") == 7_200_000_000)
        #expect(TripleRequestHeaders.timeoutMicroseconds("123456789S") == nil)
        #expect(TripleRequestHeaders.timeoutMicroseconds("2M") == 120_000_000)
        #expect(TripleRequestHeaders.timeoutMicroseconds("1500u") == 1_500)
        #expect(TripleRequestHeaders.timeoutMicroseconds("1n") == 1)
        #expect(TripleRequestHeaders.timeoutMicroseconds("0m") == 0)
        #expect(TripleRequestHeaders.timeoutMicroseconds("99999999H") == 359_999_996_400_000_000)
        #expect(TripleRequestHeaders.timeoutMicroseconds("+5m") == nil)
        #expect(TripleRequestHeaders.timeoutMicroseconds("10") == nil)
        #expect(TripleRequestHeaders.timeoutMicroseconds("m") == nil)
        #expect(TripleRequestHeaders.timeoutMicroseconds("1x") == nil)
        #expect(TripleRequestHeaders.timeoutMicroseconds("") == nil)
        #expect(PercentDecoding.decode("a%20b%zz") == "a b%zz")
        #expect(TripleResponseHeaders.base64Decoded("aGk") == Array("hi".utf8))
        #expect(TripleResponseHeaders.binaryHeaderValue("CAcSBmRlbmllZA") == [0x08, 0x07, 0x12, 0x06] + Array("denied".utf8))
        #expect(TripleResponseHeaders.binaryHeaderValue("\u{0}\u{8}\u{7}") == [0x08, 0x07], "grpc-core's true-binary form")
        #expect(TripleResponseHeaders.binaryHeaderValue("\u{0}\u{FFFD}") == nil, "bytes the header decoder could not keep")
    }

    @Test("JSON bodies render as JSON values")
    func jsonBody() throws {
        var decoder = TriplePayloadDecoder(limits: TripleLimits())
        let text = Array(#"{"name":"ann","tags":[1,2.5,true,null],"s":"\u00fc\ud83d\ude00"}"#.utf8)
        let message = text.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: "application/json") }
        #expect(message.serialization == "json" && message.decodeError == nil)
        guard case .map(let map)? = message.values.first else { Issue.record("not a map"); return }
        #expect(map["s"] == .string("ü😀"))
        #expect(map["tags"] == .list(HessianList(elements: [.long(1), .double(2.5), .bool(true), .null])))
    }

    @Test("without values asked for (reports, --no-payload) a wrapper gives its serialization and types only")
    func metadataOnly() {
        var limits = TripleLimits()
        limits.decodesValues = false
        var decoder = TriplePayloadDecoder(limits: limits)
        let message = TripleConnectionTests.request.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: nil) }
        #expect(message.serialization == "hessian2" && message.types == ["java.lang.String", "int"])
        #expect(message.values.isEmpty && !message.valuesDecoded && message.decodeError == nil)
    }

    /// A client-streaming call of `messages` request messages (each the wrapper `request`), answered OK.
    static func streamed(limits: TripleLimits, messages: Int) throws -> TripleCall {
        var harness = ConnectionHarness(limits: limits)
        var client = BlockEncoder()
        var server = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface + H2.settings, from: .client)
        harness.send(H2.frame(.headers, flags: 0x4, stream: 1, client.block(TripleConnectionTests.requestFields())), from: .client)
        for index in 0..<messages {
            harness.send(H2.frame(.data, flags: index == messages - 1 ? 0x1 : 0, stream: 1, H2.grpcMessage(TripleConnectionTests.request)), from: .client)
        }
        harness.send(H2.frame(.headers, flags: 0x5, stream: 1, server.block([(":status", "200"), ("grpc-status", "0")])), from: .server)
        return try #require(harness.calls.first)
    }

    @Test("at a report's depth a request's messages are kept and decode later to what full decoding gives, within a limit")
    func requestsKeptForReports() throws {
        let full = try Self.streamed(limits: TripleLimits(), messages: 3)
        var reportLimits = TripleLimits()
        reportLimits.decodesValues = false
        reportLimits.keepsRequestsForLater = true
        let kept = try Self.streamed(limits: reportLimits, messages: 3)
        #expect(kept.request?.values.isEmpty == true && kept.request?.valuesDecoded == false)
        #expect(kept.request?.types.isEmpty == true && kept.request?.serialization == "hessian2")
        var later = TripleDeferredDecoder(limits: reportLimits)
        let keptRequest = try #require(kept.request)
        let decodedLater = later.arguments(of: keptRequest)
        let arguments = try #require(decodedLater)
        #expect(arguments == full.request?.values)
        #expect(arguments == [.string("user-42"), .int(7), .string("user-42"), .int(7), .string("user-42"), .int(7)])
        // Past the limit in all, none are kept: no arguments rather than some of them.
        reportLimits.maxMessageLength = 2 * TripleConnectionTests.request.count
        let over = try Self.streamed(limits: reportLimits, messages: 3)
        #expect(over.requestMessages == 3 && over.request?.serialization == "hessian2")
        let overRequest = try #require(over.request)
        #expect(later.arguments(of: overRequest) == nil)
        // Full decoding keeps no bytes, and a response never does.
        #expect(full.request?.kept == nil)
        let fullRequest = try #require(full.request)
        #expect(later.arguments(of: fullRequest) == nil)
    }

    @Test("values left to the record thread decode there to exactly what decoding at once gives, flags and counts too")
    func deferredValues() throws {
        var deferring = TripleLimits()
        deferring.defersValues = true
        for messages in [1, 3] {
            let atOnce = try Self.streamed(limits: TripleLimits(), messages: messages)
            var later = try Self.streamed(limits: deferring, messages: messages)
            #expect(later.awaitsDecoding && later.request?.values.isEmpty == true && later.request?.serialization == nil)
            var decoder = TripleDeferredDecoder(limits: deferring)
            #expect(decoder.decodeDeferred(in: &later) == 0)
            #expect(!later.awaitsDecoding && later == atOnce && later.request?.types == atOnce.request?.types)
            #expect(later.request?.values.count == 2 * messages)
        }
        // Past the bound the messages are decoded at once, every later one too: nothing waits, nothing is lost.
        deferring.maxMessageLength = 2 * TripleConnectionTests.request.count
        let over = try Self.streamed(limits: deferring, messages: 4)
        #expect(!over.awaitsDecoding && over.request?.values.count == 8 && over.request?.kept == nil)
        // A message that does not decode is flagged and counted when it is decoded, as it would have been at once.
        let broken = Wire.requestWrapper([[0x53, 0x00]], types: ["java.lang.String"])  // a string cut short
        var harness = ConnectionHarness(limits: TripleLimits())
        var deferred = ConnectionHarness(limits: { var limits = TripleLimits(); limits.defersValues = true; return limits }())
        for index in 0..<2 {
            var client = BlockEncoder()
            var server = BlockEncoder()
            let run = { (harness: inout ConnectionHarness) in
                harness.send(HTTP2FrameHeader.clientPreface + H2.settings, from: .client)
                harness.send(H2.frame(.headers, flags: 0x4, stream: 1, client.block(TripleConnectionTests.requestFields()))
                             + H2.frame(.data, flags: 0x1, stream: 1, H2.grpcMessage(broken)), from: .client)
                harness.send(H2.frame(.headers, flags: 0x5, stream: 1, server.block([(":status", "200"), ("grpc-status", "0")])), from: .server)
            }
            if index == 0 { run(&harness) } else { run(&deferred) }
        }
        let atOnce = try #require(harness.calls.first)
        var later = try #require(deferred.calls.first)
        #expect(atOnce.quality.contains(.requestUndecoded) && harness.decoder.stats.messagesUndecoded == 1)
        #expect(!later.quality.contains(.requestUndecoded) && deferred.decoder.stats.messagesUndecoded == 0)
        var decoder = TripleDeferredDecoder(limits: TripleLimits())
        #expect(decoder.decodeDeferred(in: &later) == 1)
        #expect(later == atOnce && later.request?.decodeError == atOnce.request?.decodeError)
    }

    @Test("isText is UTF-8 validation: ASCII words skipped eight bytes at a time, the rest decoded")
    func isTextMatchesUTF8() {
        let cases: [([UInt8], Bool)] = [
            ([], true), (Array("java.lang.String".utf8), true), (Array("org.example.Обмен".utf8), true),
            (Array("java.lang.Integer".utf8) + [0xC3, 0x28], false), (Array("12345678".utf8) + [0xFF], false),
            ([0xE2, 0x82] + Array("abcdefgh".utf8), false), (Array("abcdefg".utf8) + [0x80], false),
        ]
        for (bytes, expected) in cases {
            for offset in [0, 3] {
                let padded = Array(repeating: UInt8(0x41), count: offset) + bytes
                let answer = padded.withUnsafeBufferPointer { ProtobufReader($0).isText(offset..<padded.count) }
                #expect(answer == expected, "\(bytes) at \(offset)")
                #expect(answer == (String(validating: bytes, as: UTF8.self) != nil))
            }
        }
    }

    @Test("at a report's depth a wrapper is recognised by the same rules, its types checked but not kept")
    func reportDepthWrapper() {
        var limits = TripleLimits()
        limits.decodesValues = false
        limits.keepsRequestsForLater = true
        var decoder = TriplePayloadDecoder(limits: limits)
        let message = TripleConnectionTests.request.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: nil) }
        #expect(message.serialization == "hessian2" && message.types.isEmpty && !message.valuesDecoded)
        // A type that is not UTF-8 means the message is no wrapper, with or without the types kept.
        let notWrapper = Wire.field(1, "hessian2") + Wire.field(3, [0xC3, 0x28])
        for keepsTypes in [false, true] {
            limits.keepsRequestsForLater = !keepsTypes
            var decoder = TriplePayloadDecoder(limits: limits)
            let other = notWrapper.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: nil) }
            #expect(other.serialization == "protobuf", "keeping types: \(keepsTypes)")
        }
    }

    /// Two parts of a real Dubbo 3.2 fastjson2 request (PROTOCOL.md §3.6, DeepFlow's `test_fastjson2` capture): a
    /// `java.lang.Long` argument and the string "0.0.0", each a 4-byte length and one JSONB document, which is what
    /// Dubbo's fastjson2 ObjectOutput writes for every wrapper argument too.
    static let realLongPart: [UInt8] = [0, 0, 0, 9, 0xBE, 0x01, 0x7D, 0x8C, 0x70, 0x2B, 0x02, 0x20, 0x00]
    static let realStringPart: [UInt8] = [0, 0, 0, 6, 0x4E, 0x30, 0x2E, 0x30, 0x2E, 0x30]

    @Test("a fastjson2 wrapper's arguments are decoded as JSONB documents behind their length")
    func fastjson2Wrapper() {
        var decoder = TriplePayloadDecoder(limits: TripleLimits())
        let wrapper = Wire.field(1, "fastjson2") + Wire.field(2, Self.realLongPart) + Wire.field(2, Self.realStringPart)
            + Wire.field(3, "java.lang.Long") + Wire.field(3, "java.lang.String")
        let message = wrapper.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: nil) }
        #expect(message.serialization == "fastjson2" && message.types == ["java.lang.Long", "java.lang.String"])
        #expect(message.decodeError == nil)
        #expect(message.values == [.long(107_396_379_512_545_280), .string("0.0.0")])
        let answer = Wire.field(1, "fastjson2") + Wire.field(2, Self.realStringPart) + Wire.field(3, "java.lang.String")
        let response = answer.withUnsafeBufferPointer { decoder.decode($0, side: .response, contentType: nil) }
        #expect(response.values == [.string("0.0.0")] && response.decodeError == nil)
    }

    @Test("a fastjson2 argument whose length prefix disagrees, or whose document is malformed, is an error with its place")
    func fastjson2WrapperMalformed() {
        var decoder = TriplePayloadDecoder(limits: TripleLimits())
        var wrongLength = Self.realStringPart
        wrongLength[3] = 9
        for (argument, reason) in [(wrongLength, "length prefix"), ([0, 0, 0, 1, 0x7A] as [UInt8], "value 1"),
                                   ([0x4E, 0x30] as [UInt8], "length prefix")] {
            let wrapper = Wire.field(1, "fastjson2") + Wire.field(2, Self.realLongPart) + Wire.field(2, argument)
            let message = wrapper.withUnsafeBufferPointer { decoder.decode($0, side: .request, contentType: nil) }
            #expect(message.values == [.long(107_396_379_512_545_280)], "what came before the bad argument is kept")
            #expect(message.decodeError?.hasPrefix("fastjson2: ") == true && message.decodeError?.contains(reason) == true,
                    "\(message.decodeError ?? "no error")")
        }
    }
}

@Suite("Triple connection memory")
struct TripleConnectionMemoryTests {
    @Test("incomplete messages over the connection's budget are given up and flagged evicted, never held")
    func messageBudget() {
        var limits = TripleLimits()
        limits.maxBufferedMessageBytes = 10_000
        var harness = ConnectionHarness(limits: limits)
        var client = BlockEncoder()
        harness.send(HTTP2FrameHeader.clientPreface, from: .client)
        // Five streams each start a 6 000-byte message and send 4 000 bytes of it: the third passes the budget.
        for id in stride(from: UInt32(1), through: 9, by: 2) {
            let message = H2.grpcMessage(Array(repeating: 0x41, count: 6_000))
            harness.send(H2.frame(.headers, flags: 0x4, stream: id, client.block(TripleConnectionTests.requestFields()))
                         + H2.frame(.data, stream: id, Array(message[..<4_000])), from: .client)
        }
        #expect(harness.decoder.bufferedBytes <= 10_000)
        #expect(harness.decoder.stats.messagesEvicted == 3)
        harness.finish()
        #expect(harness.calls.filter { $0.quality.contains(.evicted) }.count == 3)
    }
}
