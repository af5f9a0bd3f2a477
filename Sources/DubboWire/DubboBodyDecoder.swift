public import Hessian2
public import InspectorCore

/// Turns a frame body into a `DubboBody`. Hessian2 bodies are decoded in full; other serializers are named and
/// left undecoded, except fastjson (one JSON text per line).
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
        /// are stepped over (validated, not built).
        case metadata

        var decodesArguments: Bool { self == .full }
        var decodesReturnValues: Bool { self == .full }
        /// Whether a status-OK response is read past its result flag and exception (value, attachments, the end).
        var readsWholeResponse: Bool { self != .argumentsOnDemand }
    }

    public let limits: Limits
    public let depth: Depth
    /// One Hessian decoder reused for every body (reset in between): its tables, scratch buffer and interned
    /// strings survive, so a body allocates only what it returns.
    private var hessian: HessianDecoder

    public init(limits: Limits = .default, depth: Depth = .full) {
        self.limits = limits
        self.depth = depth
        self.hessian = HessianDecoder(limits: limits)
    }

    /// Whether decoding `info`'s body may wait: a complete Hessian2 request or response, whose decoding cannot
    /// change what the correlator does with the frame (events and other serializers are decoded at once). A
    /// response that this depth reads only to its result flag costs less to decode now than to copy for later.
    public func canDefer(_ info: DubboFrameInfo) -> Bool {
        let header = info.header
        return info.bodyState == .complete && !header.isEvent
            && (header.serialization == .hessian2 || header.serialization == Serialization(id: 10))
            && (header.isRequest || depth.readsWholeResponse)
    }

    public mutating func decode(_ info: DubboFrameInfo, body: Span<UInt8>) -> DubboBody {
        var decoded = decodeBody(info, body: body)
        prepareForArgumentsOnDemand(&decoded) { body.withUnsafeBufferPointer { Array($0) } }
        return decoded
    }

    /// The same for a body already copied out of the stream (a deferred one): a kept body is this array, moved.
    public mutating func decode(_ info: DubboFrameInfo, bytes: consuming [UInt8]) -> DubboBody {
        var decoded = bytes.withUnsafeBufferPointer { decodeBody(info, body: $0.span) }
        prepareForArgumentsOnDemand(&decoded) { bytes }
        return decoded
    }

    /// The arguments of `request`: those decoded with it, or at `.argumentsOnDemand` depth those of its kept body,
    /// decoded now. Nil when there are none to give (not kept, or they do not decode).
    public mutating func arguments(of request: DubboRequestBody) -> [HessianValue]? {
        if request.argumentsDecoded { return request.arguments }
        guard let body = request.keptBody else { return nil }
        let decoded = body.withUnsafeBufferPointer { decodeHessianRequest($0.span, decodesArguments: true) }
        return decoded.argumentsDecoded ? decoded.arguments : nil
    }

    /// At `.argumentsOnDemand` depth a request that declares parameters keeps its body for `arguments(of:)`; one
    /// whose descriptor is empty already has all its arguments (none), as full decoding would say.
    private func prepareForArgumentsOnDemand(_ decoded: inout DubboBody, body: () -> [UInt8]) {
        guard depth == .argumentsOnDemand, case .request(var request) = decoded,
              let descriptor = request.parameterDescriptor else { return }
        if descriptor.isEmpty {
            request.argumentsDecoded = true
        } else {
            request.keptBody = body()
        }
        decoded = .request(request)
    }

    private mutating func decodeBody(_ info: DubboFrameInfo, body: Span<UInt8>) -> DubboBody {
        guard info.bodyState == .complete else { return .missing }
        let header = info.header
        if header.isEvent {
            return decodeEvent(header, body: body)
        }
        switch header.serialization {
        case .hessian2, Serialization(id: 10):
            return header.isRequest
                ? .request(decodeHessianRequest(body, decodesArguments: depth.decodesArguments))
                : .response(decodeHessianResponse(header, body))
        case .fastjson:
            return FastJSONBody.decode(header, body: body, limits: limits)
        case Serialization(id: 8), Serialization(id: 25):
            return header.isRequest ? .request(KryoBody.decodeRequest(body)) : .undecoded("kryo bodies are not decoded")
        default:
            return .undecoded("\(header.serialization.name) bodies are not decoded")
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

    private mutating func decodeHessianRequest(_ body: Span<UInt8>, decodesArguments: Bool) -> DubboRequestBody {
        var request = DubboRequestBody()
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
                request.attachments = try decodeMap(&decoder, body, what: "attachments")
            }
            if decoder.offset != body.count {
                request.decodeError = "\(body.count - decoder.offset) bytes after the attachments"
            }
        } catch let error as HessianError {
            request.decodeError = "\(error)"
        } catch {
            request.decodeError = "\(error)"
        }
        return request
    }

    private mutating func decodeHessianResponse(_ header: DubboFrameHeader, _ body: Span<UInt8>) -> DubboResponseBody {
        var response = DubboResponseBody()
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
                response.exception = try decoder.decodeValue(in: body)
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
            response.decodeError = "\(error)"
        } catch {
            response.decodeError = "\(error)"
        }
        return response
    }

    /// The reusable decoder, reset for a new body and moved out of `self` so decoding does not copy its tables.
    private mutating func takeHessianDecoder() -> HessianDecoder {
        var decoder = HessianDecoder(limits: limits)
        swap(&decoder, &hessian)
        decoder.reset()
        return decoder
    }

    private func decodeMap(_ decoder: inout HessianDecoder, _ body: Span<UInt8>, what: String) throws -> HessianMap {
        let value = try decoder.decodeValue(in: body)
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
