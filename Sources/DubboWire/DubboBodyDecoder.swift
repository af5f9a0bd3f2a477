import FastJSON2
public import Hessian2
public import InspectorCore

/// Turns a frame body into a `DubboBody`. Hessian2 and fastjson2 bodies are decoded in full, fastjson (one JSON
/// text per line) too; kryo and Java serialization bodies give their names; other serializers are named and left
/// undecoded. A body cut off in the capture (gap, snap length, end, `--max-body`) gives what its captured head
/// holds (`decodePartial`).
public struct DubboBodyDecoder: Sendable {
    /// How much of a body to decode: argument and return values cost the most, and not every output needs them.
    public enum Depth: Sendable {
        case full
        /// What latency reports need: `.metadata` for requests, and a request with parameters keeps its body
        /// (`DubboRequestBody.keptBody`) so the arguments of the few calls a report shows are decoded only for them
        /// (`arguments(of:)`). Building every call's argument values would cost more than the rest of the report.
        /// A response is read only as far as a report looks: its result flag and exception, or its error message;
        /// a returned value and the response attachments after it are neither built nor checked.
        case argumentsOnDemand
        /// Service, method, descriptor, attachments, exceptions and error messages; argument and returned values
        /// are stepped over (validated, not built). A fastjson2 value is its own length-prefixed part and is
        /// stepped over by that length, unread: a malformed one is an error only at `.full` depth.
        case metadata

        var decodesArguments: Bool { self == .full }
        var decodesReturnValues: Bool { self == .full }
        /// Whether a status-OK response is read past its result flag and exception (value, attachments, the end).
        var readsWholeResponse: Bool { self != .argumentsOnDemand }
    }

    public let limits: Limits
    public let depth: Depth
    /// The request attachments kept (`requestAttachmentKeys`); nil keeps them all. A report reads two or three of
    /// a request's many, and the rest of a Hessian2 attachment map is stepped over (validated, not built). Other
    /// serializations keep every attachment.
    private let keptAttachments: HessianKeys?
    /// One Hessian decoder reused for every body (reset in between): its tables, scratch buffer and interned
    /// strings survive, so a body allocates only what it returns.
    private var hessian: HessianDecoder
    /// The same for fastjson2 bodies.
    private var fastJSON2: FastJSON2Body

    public init(limits: Limits = .default, depth: Depth = .full, requestAttachmentKeys: [String]? = nil) {
        self.limits = limits
        self.depth = depth
        keptAttachments = requestAttachmentKeys.map(HessianKeys.init)
        self.hessian = HessianDecoder(limits: limits)
        self.fastJSON2 = FastJSON2Body(decoder: JSONBDecoder(limits: limits))
    }

    /// Whether decoding `info`'s body may wait: a complete Hessian2 or fastjson2 request or response, whose decoding cannot
    /// change what the correlator does with the frame (events and other serializers are decoded at once). A
    /// response that this depth reads only to its result flag costs less to decode now than to copy for later.
    public func canDefer(_ info: DubboFrameInfo) -> Bool {
        let header = info.header
        return info.bodyState == .complete && !header.isEvent
            && (header.serialization == .hessian2 || header.serialization == Serialization(id: 10)
                || header.serialization == .fastjson2)
            && (header.isRequest || depth.readsWholeResponse)
    }

    public mutating func decode(_ info: DubboFrameInfo, body: Span<UInt8>) -> DubboBody {
        var decoded = decodeBody(info, body: body)
        prepareForArgumentsOnDemand(&decoded, info.header) { body.withUnsafeBufferPointer { Array($0) } }
        return decoded
    }

    /// The same for a body already copied out of the stream (a deferred one): a kept body is this array, moved.
    public mutating func decode(_ info: DubboFrameInfo, bytes: consuming [UInt8]) -> DubboBody {
        var decoded = bytes.withUnsafeBufferPointer { decodeBody(info, body: $0.span) }
        prepareForArgumentsOnDemand(&decoded, info.header) { bytes }
        return decoded
    }

    /// The arguments of `request`: those decoded with it, or at `.argumentsOnDemand` depth those of its kept body
    /// (for a cut-off body, its head: the whole arguments in it), decoded now. Nil when there are none to give
    /// (not kept, or they do not decode).
    public mutating func arguments(of request: DubboRequestBody) -> [HessianValue]? {
        if request.argumentsDecoded { return request.arguments }
        guard let body = request.keptBody else { return nil }
        let decoded = body.withUnsafeBufferPointer { pointer in
            request.keptBodySerialization == .fastjson2
                ? fastJSON2.request(pointer.span, decodesArguments: true, partial: request.isPartial)
                : decodeHessianRequest(pointer.span, decodesArguments: true, partial: request.isPartial)
        }
        return decoded.argumentsDecoded ? decoded.arguments : nil
    }

    /// At `.argumentsOnDemand` depth a request that declares parameters keeps its body for `arguments(of:)`; one
    /// whose descriptor is empty already has all its arguments (none), as full decoding would say.
    /// A cut-off body keeps its captured head (at most `DubboStreamDecoder.partialHeadLength` bytes), whose whole
    /// arguments are decoded the same way later.
    private func prepareForArgumentsOnDemand(_ decoded: inout DubboBody, _ header: DubboFrameHeader, body: () -> [UInt8]) {
        guard depth == .argumentsOnDemand, case .request(var request) = decoded,
              let descriptor = request.parameterDescriptor else { return }
        if descriptor.isEmpty {
            request.argumentsDecoded = true
        } else {
            guard header.serialization == .hessian2 || header.serialization == Serialization(id: 10)
                || header.serialization == .fastjson2 else { return }
            request.keptBody = body()
            request.keptBodySerialization = header.serialization
        }
        decoded = .request(request)
    }

    private mutating func decodeBody(_ info: DubboFrameInfo, body: Span<UInt8>) -> DubboBody {
        let header = info.header
        guard info.bodyState == .complete else {
            // The stream decoder lends the captured head of a body that will not complete (empty when none was kept).
            return body.isEmpty || header.isEvent ? .missing : decodeBody(header, body: body, partial: true)
        }
        if header.isEvent {
            return decodeEvent(header, body: body)
        }
        return decodeBody(header, body: body, partial: false)
    }

    /// A request or response body, whole or (`partial`) only its captured head: then the fields whole in the
    /// head are given and a value running past the cut is not an error.
    private mutating func decodeBody(_ header: DubboFrameHeader, body: Span<UInt8>, partial: Bool) -> DubboBody {
        switch header.serialization {
        case .hessian2, Serialization(id: 10):
            return header.isRequest
                ? .request(decodeHessianRequest(body, decodesArguments: depth.decodesArguments, partial: partial))
                : .response(decodeHessianResponse(header, body, partial: partial))
        case .fastjson2:
            return header.isRequest
                ? .request(fastJSON2.request(body, decodesArguments: depth.decodesArguments, partial: partial))
                : .response(fastJSON2.response(
                    header, body, decodesValue: depth.decodesReturnValues, readsWhole: depth.readsWholeResponse,
                    partial: partial))
        case .fastjson:
            return FastJSONBody.decode(header, body: body, limits: limits, partial: partial)
        case Serialization(id: 8), Serialization(id: 25):
            return header.isRequest
                ? .request(KryoBody.decodeRequest(body, partial: partial))
                : partial ? .missing : .undecoded("kryo bodies are not decoded")
        case Serialization(id: 3), Serialization(id: 4), Serialization(id: 7):
            return header.isRequest
                ? .request(JavaSerializationBody.decodeRequest(body, serialization: header.serialization, partial: partial))
                : .response(JavaSerializationBody.decodeResponse(header, body, serialization: header.serialization, partial: partial))
        default:
            return partial ? .missing : .undecoded("\(header.serialization.name) bodies are not decoded")
        }
    }

    // MARK: Events

    private mutating func decodeEvent(_ header: DubboFrameHeader, body: Span<UInt8>) -> DubboBody {
        for encoding in header.serialization.nullEncodings where encoding.count == body.count {
            var same = true
            for index in 0..<encoding.count where body[index] != encoding[index] {
                same = false
                break
            }
            if same { return .heartbeat }
        }
        if header.serialization == .fastjson2 { return fastJSON2.event(body) }
        guard header.serialization == .hessian2 else { return .event(nil) }
        var decoder = takeHessianDecoder()
        defer { hessian = decoder }
        do {
            return .event(try decoder.decodeValue(in: body))
        } catch {
            return .undecoded("event data: \(error)")
        }
    }

    // MARK: Hessian2

    private mutating func decodeHessianRequest(_ body: Span<UInt8>, decodesArguments: Bool, partial: Bool = false) -> DubboRequestBody {
        var request = DubboRequestBody()
        request.isPartial = partial
        var decoder = takeHessianDecoder()
        defer { hessian = decoder }
        do {
            request.dubboVersion = try decoder.decodeString(in: body)
            request.service = try decoder.decodeString(in: body)
            // A null service version is written as Hessian null; Dubbo treats it as the empty version.
            request.version = try decoder.decodeString(in: body) ?? ""
            request.method = try decoder.decodeString(in: body)
            let descriptor = try decoder.decodeString(in: body) ?? ""
            request.parameterDescriptor = descriptor
            guard let parameterCount = ParameterDescriptor.count(descriptor) else {
                request.decodeError = "malformed parameter descriptor \"\(descriptor)\""
                return request
            }
            if decodesArguments { request.arguments.reserveCapacity(parameterCount) }
            for _ in 0..<parameterCount {
                if decodesArguments {
                    request.arguments.append(try decoder.decodeValue(in: body))
                } else {
                    try decoder.skipValue(in: body)
                }
            }
            request.argumentsDecoded = decodesArguments
            if decoder.offset < body.count {
                request.attachments = try decodeMap(&decoder, body, keys: keptAttachments, what: "attachments")
            }
            if decoder.offset != body.count {
                request.decodeError = "\(body.count - decoder.offset) bytes after the attachments"
            }
        } catch let error as HessianError {
            if partial, case .truncated = error {
                // The cut: whole arguments before it are shown; none at all says nothing about them.
                request.argumentsDecoded = decodesArguments
                    && (!request.arguments.isEmpty || request.parameterDescriptor == "")
            } else {
                request.decodeError = "\(error)"
            }
        } catch {
            request.decodeError = "\(error)"
        }
        return request
    }

    private mutating func decodeHessianResponse(_ header: DubboFrameHeader, _ body: Span<UInt8>, partial: Bool = false) -> DubboResponseBody {
        var response = DubboResponseBody()
        response.isPartial = partial
        var decoder = takeHessianDecoder()
        defer { hessian = decoder }
        do {
            guard header.status == StatusCode.ok.rawValue else {
                response.errorMessage = try decoder.decodeString(in: body)
                if decoder.offset != body.count {
                    response.decodeError = "\(body.count - decoder.offset) bytes after the error message"
                }
                return response
            }
            let rawFlag = try decoder.decodeInteger(in: body)
            guard let flag = ResultFlag(rawValue: rawFlag) else {
                response.decodeError = "unknown result flag \(rawFlag)"
                return response
            }
            response.resultFlag = flag
            switch flag {
            case .exception, .exceptionWithAttachments:
                let exceptionStart = decoder.offset
                do {
                    response.exception = try decoder.decodeValue(in: body)
                } catch {
                    // Cut short, an exception still tells its class when its definition is in the head.
                    if partial {
                        response.exception = exceptionClass(at: exceptionStart, body).map {
                            .object(HessianObject(className: $0, fieldNames: [], fieldValues: []))
                        }
                    }
                    throw error
                }
            case .value, .valueWithAttachments, .nullValue, .nullValueWithAttachments:
                break
            }
            // A report looks no further than the flag and the exception.
            guard depth.readsWholeResponse else { return response }
            if flag == .value || flag == .valueWithAttachments {
                if depth.decodesReturnValues {
                    response.value = try decoder.decodeValue(in: body)
                } else {
                    try decoder.skipValue(in: body)
                }
            }
            if flag.hasAttachments {
                response.attachments = try decodeMap(&decoder, body, what: "response attachments")
            }
            if decoder.offset != body.count {
                response.decodeError = "\(body.count - decoder.offset) bytes after the result"
            }
        } catch let error as HessianError {
            if partial, case .truncated = error {} else { response.decodeError = "\(error)" }
        } catch {
            response.decodeError = "\(error)"
        }
        return response
    }

    /// The class name of a Hessian object at `offset` whose class definition (`'C'`, then the name) opens it: what
    /// a cut-off exception still tells.
    private func exceptionClass(at offset: Int, _ body: Span<UInt8>) -> String? {
        guard offset < body.count, body[offset] == 0x43 else { return nil }
        var decoder = HessianDecoder(limits: limits)
        decoder.offset = offset + 1
        return (try? decoder.decodeString(in: body)) ?? nil
    }

    /// The reusable decoder, reset for a new body and moved out of `self` so decoding does not copy its tables.
    private mutating func takeHessianDecoder() -> HessianDecoder {
        var decoder = HessianDecoder(limits: limits)
        swap(&decoder, &hessian)
        decoder.reset()
        return decoder
    }

    private func decodeMap(
        _ decoder: inout HessianDecoder, _ body: Span<UInt8>, keys: HessianKeys? = nil, what: String
    ) throws -> HessianMap {
        let value =
            if let keys {
                try decoder.decodeMap(in: body, keepingKeys: keys)
            } else {
                try decoder.decodeValue(in: body)
            }
        switch value {
        case .map(let map): return map
        case .null: return HessianMap(type: nil, entries: [])
        default: throw BodyShapeError(message: "\(what) are not a map")
        }
    }
}

struct BodyShapeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
