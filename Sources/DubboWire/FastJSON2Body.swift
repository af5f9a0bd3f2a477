import FastJSON2
import Hessian2
import InspectorCore

/// fastjson2 (serialization 23) bodies: every part is a 4-byte big-endian length and one independent JSONB
/// document (PROTOCOL.md §3.6), in the same order as Hessian2's parts (§3.1, §4).
///
/// A cut-off body (`partial`: only its captured head is here) is read part by part until the first part that runs
/// past the cut; what was whole is kept and nothing after it is guessed.
struct FastJSON2Body {
    var decoder: JSONBDecoder

    /// Steps through the parts of one body.
    struct Parts {
        var offset = 0
        /// The next part's bytes as a range of the body; nil at the end, or (cut off) when the part runs past it.
        mutating func next(_ body: Span<UInt8>) throws(FastJSON2BodyError) -> Range<Int>? {
            guard offset < body.count else { return nil }
            guard let length = body.bigEndian(at: offset, as: UInt32.self) else { throw .cut }
            let start = offset + 4
            guard length <= Int32.max else { throw .malformed("part length \(length) at offset \(offset) is negative") }
            guard Int(length) <= body.count - start else { throw .cut }
            offset = start + Int(length)
            return start..<offset
        }
    }

    mutating func request(_ body: Span<UInt8>, decodesArguments: Bool, partial: Bool) -> DubboRequestBody {
        var request = DubboRequestBody()
        // Set before decoding: the early return for a malformed descriptor must keep it too.
        request.isPartial = partial
        var parts = Parts()
        decoder.reset()
        do throws(FastJSON2BodyError) {
            request.dubboVersion = try string(&parts, body, required: true)
            request.service = try string(&parts, body, required: true)
            // A null service version is Dubbo's empty version.
            request.version = try string(&parts, body, required: true) ?? ""
            request.method = try string(&parts, body, required: true)
            let descriptor = try string(&parts, body, required: true) ?? ""
            request.parameterDescriptor = descriptor
            guard let parameterCount = ParameterDescriptor.count(descriptor) else {
                request.decodeError = "malformed parameter descriptor \"\(descriptor)\""
                return request
            }
            for _ in 0..<parameterCount {
                guard let range = try parts.next(body) else { throw .malformed("fewer arguments than the descriptor names") }
                // Without values to build, an argument is stepped over by its part length.
                if decodesArguments { request.arguments.append(try document(body, range)) }
            }
            request.argumentsDecoded = decodesArguments
            if let range = try parts.next(body) {
                request.attachments = try attachments(body, range, what: "attachments")
            }
            if parts.offset != body.count { throw .malformed("\(body.count - parts.offset) bytes after the attachments") }
        } catch {
            switch error {
            case .cut:
                if !partial { request.decodeError = "a part runs past the end of the body" }
                // Whole arguments before the cut are shown; none at all says nothing about them.
                if partial, decodesArguments, !request.arguments.isEmpty || request.parameterDescriptor == "" {
                    request.argumentsDecoded = true
                }
            case .malformed(let reason):
                request.decodeError = reason
            }
        }
        return request
    }

    mutating func response(_ header: DubboFrameHeader, _ body: Span<UInt8>, decodesValue: Bool, readsWhole: Bool, partial: Bool) -> DubboResponseBody {
        var response = DubboResponseBody()
        var parts = Parts()
        decoder.reset()
        response.isPartial = partial
        do throws(FastJSON2BodyError) {
            guard header.status == StatusCode.ok.rawValue else {
                response.errorMessage = try string(&parts, body, required: true)
                if parts.offset != body.count { throw .malformed("\(body.count - parts.offset) bytes after the error message") }
                return response
            }
            guard let flagRange = try parts.next(body) else { throw .malformed("no result flag") }
            let rawFlag = try document(body, flagRange).integerValue
            guard let rawFlag, let flag = ResultFlag(rawValue: rawFlag) else {
                throw .malformed("unknown result flag \(rawFlag.map(String.init) ?? "(not an integer)")")
            }
            response.resultFlag = flag
            switch flag {
            case .exception, .exceptionWithAttachments:
                do throws(FastJSON2BodyError) {
                    guard let range = try parts.next(body) else { throw .malformed("no exception") }
                    response.exception = try document(body, range)
                } catch {
                    if case .cut = error {
                        // The class name opens the exception: `0x92` and the type name, often within the head.
                        response.exception = Self.typeName(afterPartHeaderAt: parts.offset, body).map {
                            .object(HessianObject(className: $0, fieldNames: [], fieldValues: []))
                        }
                    }
                    throw error
                }
            case .value, .valueWithAttachments:
                guard readsWhole else { return response }
                guard let range = try parts.next(body) else { throw .malformed("no value") }
                if decodesValue { response.value = try document(body, range) }
            case .nullValue, .nullValueWithAttachments:
                break
            }
            guard readsWhole else { return response }
            if flag.hasAttachments {
                guard let range = try parts.next(body) else { throw .malformed("no response attachments") }
                response.attachments = try attachments(body, range, what: "response attachments")
            }
            if parts.offset != body.count { throw .malformed("\(body.count - parts.offset) bytes after the result") }
        } catch {
            switch error {
            case .cut: if !partial { response.decodeError = "a part runs past the end of the body" }
            case .malformed(let reason): response.decodeError = reason
            }
        }
        return response
    }

    /// Event data other than the heartbeat's null: one document (the read-only notice `"R"`).
    mutating func event(_ body: Span<UInt8>) -> DubboBody {
        var parts = Parts()
        decoder.reset()
        do throws(FastJSON2BodyError) {
            guard let range = try parts.next(body), parts.offset == body.count else {
                return .undecoded("event data: not one fastjson2 part")
            }
            return .event(try document(body, range))
        } catch {
            switch error {
            case .cut: return .undecoded("event data: a part runs past the end of the body")
            case .malformed(let reason): return .undecoded("event data: \(reason)")
            }
        }
    }

    // MARK: Parts

    private mutating func string(_ parts: inout Parts, _ body: Span<UInt8>, required: Bool) throws(FastJSON2BodyError) -> String? {
        let index = parts.offset
        guard let range = try parts.next(body) else { throw .malformed("body ends before its fields") }
        switch try document(body, range) {
        case .string(let text): return text
        case .null: return nil
        default: throw .malformed("part at offset \(index) is not a string")
        }
    }

    private mutating func document(_ body: Span<UInt8>, _ range: Range<Int>) throws(FastJSON2BodyError) -> HessianValue {
        do {
            return try decoder.decodeDocument(body.extracting(range))
        } catch {
            throw .malformed("part at offset \(range.lowerBound - 4): \(error)")
        }
    }

    /// Attachments: an object (a null counts as none).
    private mutating func attachments(_ body: Span<UInt8>, _ range: Range<Int>, what: String) throws(FastJSON2BodyError) -> HessianMap {
        do {
            if let map = try decoder.decodeStringMap(body.extracting(range)) { return map }
        } catch {
            throw .malformed("part at offset \(range.lowerBound - 4): \(error)")
        }
        switch try document(body, range) {
        case .map(let map): return map
        case .null: return HessianMap()
        default: throw .malformed("\(what) are not an object")
        }
    }

    /// The type name of a typed value (`0x92` and a string) starting a part at `offset`, if the bytes hold it.
    static func typeName(afterPartHeaderAt offset: Int, _ body: Span<UInt8>) -> String? {
        let start = offset + 4
        guard start + 1 < body.count, body[start] == 0x92 else { return nil }
        var decoder = JSONBDecoder()
        let document = body.extracting((start + 1)...)
        return try? decoder.leadingString(document)
    }
}

enum FastJSON2BodyError: Error {
    /// A part runs past the bytes there are.
    case cut
    case malformed(String)
}
