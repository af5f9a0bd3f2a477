public import Hessian2
public import InspectorCore

/// Turns a frame body into a `DubboBody`. Hessian2 bodies are decoded in full; other serializers are named and
/// left undecoded, except fastjson (one JSON text per line).
public struct DubboBodyDecoder: Sendable {
    /// How much of a request to decode: argument values cost the most, and reports do not need them.
    public enum Depth: Sendable {
        case full
        /// Service, method, descriptor and attachments; argument values are stepped over, not built.
        case metadata
    }

    public var limits: Limits
    public var depth: Depth

    public init(limits: Limits = .default, depth: Depth = .full) {
        self.limits = limits
        self.depth = depth
    }

    public func decode(_ info: DubboFrameInfo, body: Span<UInt8>) -> DubboBody {
        guard info.bodyState == .complete else { return .missing }
        let header = info.header
        if header.isEvent {
            return decodeEvent(header, body: body)
        }
        switch header.serialization {
        case .hessian2, Serialization(id: 10):
            return header.isRequest ? .request(decodeHessianRequest(body)) : .response(decodeHessianResponse(header, body))
        case .fastjson:
            return FastJSONBody.decode(header, body: body, limits: limits)
        case Serialization(id: 8), Serialization(id: 25):
            return header.isRequest ? .request(KryoBody.decodeRequest(body)) : .undecoded("kryo bodies are not decoded")
        default:
            return .undecoded("\(header.serialization.name) bodies are not decoded")
        }
    }

    // MARK: Events

    private func decodeEvent(_ header: DubboFrameHeader, body: Span<UInt8>) -> DubboBody {
        for encoding in header.serialization.nullEncodings where encoding.count == body.count {
            var same = true
            for index in 0..<encoding.count where body[index] != encoding[index] {
                same = false
                break
            }
            if same { return .heartbeat }
        }
        guard header.serialization == .hessian2 else { return .event(nil) }
        var decoder = HessianDecoder(limits: limits)
        do {
            return .event(try decoder.decodeValue(in: body))
        } catch {
            return .undecoded("event data: \(error)")
        }
    }

    // MARK: Hessian2

    private func decodeHessianRequest(_ body: Span<UInt8>) -> DubboRequestBody {
        var request = DubboRequestBody()
        var decoder = HessianDecoder(limits: limits)
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
            for _ in 0..<parameterCount {
                switch depth {
                case .full: request.arguments.append(try decoder.decodeValue(in: body))
                case .metadata: try decoder.skipValue(in: body)
                }
            }
            request.argumentsDecoded = depth == .full
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

    private func decodeHessianResponse(_ header: DubboFrameHeader, _ body: Span<UInt8>) -> DubboResponseBody {
        var response = DubboResponseBody()
        var decoder = HessianDecoder(limits: limits)
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
            case .value, .valueWithAttachments:
                response.value = try decoder.decodeValue(in: body)
            case .nullValue, .nullValueWithAttachments:
                break
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
