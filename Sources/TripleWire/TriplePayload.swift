import FastJSON2
public import Hessian2
import InspectorCore

/// What one gRPC message of a Triple call decoded to.
public struct TripleMessage: Sendable, Equatable {
    /// `hessian2`, `fastjson2`, `protobuf`, `json`, or the wrapper's own `serializeType` when not decoded.
    public var serialization: String?
    /// Wrapper arguments or the IDL message (rendered field by field) of a request; one value for a response.
    public var values: [HessianValue]
    /// Java class names from the wrapper (`argTypes` of a request, `type` of a response).
    public var types: [String]
    /// Why the message (or part of it) was not decoded; what was decoded before that is kept.
    public var decodeError: String?
    /// False when values were not asked for (`TripleLimits.decodesValues`): `values` is empty by choice.
    public var valuesDecoded = true
    /// Messages kept as bytes (inflated), and how they are encoded: a request's at a report's depth
    /// (`TripleLimits.keepsRequestsForLater`) for `TripleDeferredDecoder.arguments(of:)`, or every message whose
    /// decoding was left to the record thread (`awaitsDecoding`). Nil otherwise, or when they were more than the limit.
    var kept: KeptMessages?
    /// Bytes kept with the message (`kept`), for memory accounting.
    public var keptByteCount: Int { kept?.byteCount ?? 0 }
    /// The values are still to be decoded from `kept` (`TripleLimits.defersValues`); nothing else is known yet.
    public internal(set) var awaitsDecoding = false

    struct KeptMessages: Sendable, Equatable {
        /// The first message apart from the rest: the usual single message costs one allocation, not two.
        private var first: [UInt8]
        private var rest: [[UInt8]] = []
        var content: TripleContentType
        var byteCount: Int

        init(_ bytes: UnsafeBufferPointer<UInt8>, content: TripleContentType) {
            first = Array(bytes)
            self.content = content
            byteCount = bytes.count
        }

        /// Joins `more` when the two stay within `limit` bytes in all.
        mutating func append(_ more: KeptMessages, limit: Int) -> Bool {
            guard more.byteCount <= limit - byteCount else { return false }
            rest.append(more.first)
            rest += more.rest
            byteCount += more.byteCount
            return true
        }

        /// Hands each message over in order, while `body` returns true.
        func forEach(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
            guard first.withUnsafeBufferPointer(body) else { return }
            for message in rest where !message.withUnsafeBufferPointer(body) { return }
        }
    }

    public init(serialization: String?, values: [HessianValue] = [], types: [String] = [], decodeError: String? = nil) {
        self.serialization = serialization
        self.values = values
        self.types = types
        self.decodeError = decodeError
    }
}

extension TripleMessage {
    /// A message whose decoding is left for later: its bytes only.
    static func awaitingDecoding(_ bytes: UnsafeBufferPointer<UInt8>, content: TripleContentType) -> TripleMessage {
        var message = TripleMessage(serialization: nil)
        message.kept = KeptMessages(bytes, content: content)
        message.awaitsDecoding = true
        message.valuesDecoded = false
        return message
    }

    /// A streaming call's next message joined on: values in order, the first serialization, types and error kept.
    /// Kept bytes are the caller's to join.
    mutating func append(_ next: TripleMessage) {
        values += next.values
        if types.isEmpty { types = next.types }
        if serialization == nil { serialization = next.serialization }
        if decodeError == nil { decodeError = next.decodeError }
        valuesDecoded = valuesDecoded && next.valuesDecoded
    }

    /// Keeps the message's bytes with it. A method: assigning `kept` from outside copied the whole message first.
    mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>, content: TripleContentType) {
        kept = KeptMessages(bytes, content: content)
    }

    /// A message whose values were not asked for: its serialization (and wrapper types) only.
    static func notDecoded(_ serialization: String, types: [String] = []) -> TripleMessage {
        var message = TripleMessage(serialization: serialization, types: types)
        message.valuesDecoded = false
        return message
    }
}

/// How a stream's messages are encoded, from its request's content-type: judged once per stream, not per message.
enum TripleContentType: Sendable, Equatable {
    /// `application/grpc` or `application/grpc+proto`: Triple's wrapper messages or an IDL protobuf message.
    case protobuf
    /// `application/json…` or `application/grpc+json`.
    case json
    /// `application/grpc+<subtype>` naming another codec, which has no schema here.
    case other(String)

    init(_ contentType: String?) {
        // What Triple and gRPC clients send, compared whole before anything is parsed.
        guard let contentType, contentType != "application/grpc", contentType != "application/grpc+proto" else {
            self = .protobuf
            return
        }
        var utf8 = Substring(contentType).utf8
        if utf8.starts(with: "application/json".utf8) {
            self = .json
            return
        }
        let grpcPlus = "application/grpc+".utf8
        guard utf8.starts(with: grpcPlus) else {
            self = .protobuf
            return
        }
        utf8 = utf8.dropFirst(grpcPlus.count)
        let subtype = utf8.prefix { $0 != UInt8(ascii: ";") }
        if subtype.elementsEqual("json".utf8) {
            self = .json
        } else if subtype.isEmpty || subtype.elementsEqual("proto".utf8) {
            self = .protobuf
        } else {
            self = .other(String(Substring(subtype)))
        }
    }
}

/// Turns gRPC message bytes into values: Triple's wrapper messages (PROTOCOL.md §7.2) with their Hessian2
/// arguments, IDL protobuf messages field by field, JSON bodies as JSON.
struct TriplePayloadDecoder {
    let limits: TripleLimits
    private var hessian: HessianDecoder
    private var jsonb: JSONBDecoder

    init(limits: TripleLimits) {
        self.limits = limits
        self.hessian = HessianDecoder(limits: limits.values)
        self.jsonb = JSONBDecoder(limits: limits.values)
    }

    enum Side { case request, response }

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, side: Side, contentType: String?) -> TripleMessage {
        decode(bytes, side: side, content: TripleContentType(contentType))
    }

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, side: Side, content: TripleContentType) -> TripleMessage {
        switch content {
        case .json:
            return limits.decodesValues ? decodeJSON(bytes) : .notDecoded("json")
        case .other(let subtype):
            guard limits.decodesValues else { return .notDecoded(subtype) }
            // A codec we have no schema for (apache/dubbo-python sends `application/grpc+data`): text or bytes.
            let text = ProtobufReader(bytes).string(0..<bytes.count)
            return TripleMessage(serialization: subtype, values: [text.map(HessianValue.string) ?? .binary(Array(bytes))])
        case .protobuf:
            break
        }
        // Without values the wrapper is still checked whole, but its parts are only kept when something shows them.
        if let wrapper = Wrapper.parse(bytes, side: side, keepingParts: limits.decodesValues || !limits.keepsRequestsForLater) {
            guard limits.decodesValues else {
                return .notDecoded(Wrapper.serializationName(wrapper.serializeType), types: wrapper.types)
            }
            return decodeWrapper(wrapper, bytes: bytes)
        }
        guard limits.decodesValues else { return .notDecoded("protobuf") }
        do {
            return TripleMessage(serialization: "protobuf", values: [try ProtobufRendering.render(bytes, maxDepth: limits.maxProtobufDepth)])
        } catch {
            return TripleMessage(serialization: "protobuf", decodeError: "protobuf: \(error.reason) at \(error.offset)")
        }
    }

    /// Decodes what a message left for later (`awaitsDecoding`): each kept message in order, joined as decoding
    /// them as they came would have. Returns how many did not decode.
    mutating func resolve(_ message: inout TripleMessage, side: Side) -> Int {
        guard message.awaitsDecoding, let kept = message.kept else { return 0 }
        var undecoded = 0
        var joined: TripleMessage?
        kept.forEach { bytes in
            let decoded = decode(bytes, side: side, content: kept.content)
            if decoded.decodeError != nil { undecoded += 1 }
            if joined == nil { joined = decoded } else { joined?.append(decoded) }
            return true
        }
        message = joined ?? TripleMessage(serialization: nil)
        return undecoded
    }

    private func decodeJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> TripleMessage {
        var parser = JSONValueParser(bytes, maxDepth: limits.values.maxHessianDepth)
        do {
            return TripleMessage(serialization: "json", values: [try parser.parseDocument()])
        } catch {
            return TripleMessage(serialization: "json", decodeError: "json: \(error.reason) at \(error.offset)")
        }
    }

    private mutating func decodeWrapper(_ wrapper: Wrapper, bytes: UnsafeBufferPointer<UInt8>) -> TripleMessage {
        let name = Wrapper.serializationName(wrapper.serializeType)
        var message = TripleMessage(serialization: name, types: wrapper.types)
        switch name {
        case "hessian2":
            for range in wrapper.values {
                hessian.reset()
                do {
                    message.values.append(try hessian.decodeValue(in: UnsafeBufferPointer(rebasing: bytes[range]).span))
                } catch {
                    message.decodeError = "hessian2: \(error)"
                    break
                }
            }
        case "fastjson2":
            // Each argument is what Dubbo's fastjson2 ObjectOutput writes: a 4-byte big-endian length and one JSONB
            // document filling the rest (PROTOCOL.md §3.6).
            for (index, range) in wrapper.values.enumerated() {
                let part = UnsafeBufferPointer(rebasing: bytes[range]).span
                guard let length = part.bigEndian(at: 0, as: UInt32.self), Int(length) == part.count - 4 else {
                    message.decodeError = "fastjson2: value \(index): its length prefix does not match its \(part.count) bytes"
                    break
                }
                jsonb.reset()
                do {
                    message.values.append(try jsonb.decodeDocument(part.extracting(4...)))
                } catch {
                    message.decodeError = "fastjson2: value \(index): \(error)"
                    break
                }
            }
        default:
            message.decodeError = "serializeType \(wrapper.serializeType) is not decoded"
        }
        return message
    }

    /// The fields of a TripleRequestWrapper {1 serializeType, 2 args*, 3 argTypes*} or TripleResponseWrapper
    /// {1 serializeType, 2 data, 3 type}: recognised only when every field has the wrapper's number and wire type
    /// and the serializeType is a name Dubbo uses, so an IDL message is not mistaken for one.
    struct Wrapper {
        var serializeType: String
        var values: [Range<Int>]
        var types: [String]

        /// Few and short: a list compared in order costs less than hashing the name for a set.
        static let knownTypes: [String] = [
            "hessian4", "hessian2", "fastjson2", "fastjson", "json", "protobuf", "kryo", "kryo2", "fst", "gson",
            "jackson", "fury", "msgpack", "java", "nativejava", "avro", "protostuff",
        ]

        static func serializationName(_ serializeType: String) -> String {
            serializeType == "hessian4" ? "hessian2" : serializeType
        }

        /// - Parameter keepingParts: collect the values and types; without, the result has only the serializeType
        ///   (recognised by the same rules, allocating nothing).
        static func parse(_ bytes: UnsafeBufferPointer<UInt8>, side: Side, keepingParts: Bool = true) -> Wrapper? {
            var reader = ProtobufReader(bytes)
            var serializeType: String?
            var values: [Range<Int>] = []
            var types: [String] = []
            var valueCount = 0
            var typeCount = 0
            do {
                while let (number, field) = try reader.next() {
                    guard case .bytes(let range) = field else { return nil }
                    switch number {
                    case 1:
                        guard serializeType == nil, let text = reader.string(range) else { return nil }
                        serializeType = text
                    case 2:
                        guard side == .request || valueCount == 0 else { return nil }
                        valueCount += 1
                        if keepingParts { values.append(range) }
                    case 3:
                        guard side == .request || typeCount == 0 else { return nil }
                        typeCount += 1
                        if keepingParts {
                            guard let text = reader.string(range) else { return nil }
                            types.append(text)
                        } else {
                            guard reader.isText(range) else { return nil }
                        }
                    default:
                        return nil
                    }
                }
            } catch {
                return nil
            }
            guard let serializeType, knownTypes.contains(serializeType) else { return nil }
            return Wrapper(serializeType: serializeType, values: values, types: types)
        }
    }
}

/// Decodes, off the analysis thread, what Triple decoding kept as bytes: the messages of a call whose values were
/// left to the record thread (`TripleLimits.defersValues`), and the arguments of a request kept at a report's depth
/// (`TripleLimits.keepsRequestsForLater`) for the few calls a report shows. Either gives what decoding at once would.
public struct TripleDeferredDecoder {
    private var payloads: TriplePayloadDecoder

    public init(limits: TripleLimits) {
        var limits = limits
        limits.decodesValues = true
        limits.defersValues = false
        payloads = TriplePayloadDecoder(limits: limits)
    }

    /// The arguments of every kept message in order; nil when none were kept, or when one does not decode.
    public mutating func arguments(of request: TripleMessage) -> [HessianValue]? {
        guard let kept = request.kept else { return nil }
        var arguments: [HessianValue]? = []
        kept.forEach { bytes in
            let decoded = payloads.decode(bytes, side: .request, content: kept.content)
            guard decoded.decodeError == nil else {
                arguments = nil
                return false
            }
            arguments? += decoded.values
            return true
        }
        return arguments
    }

    /// Decodes the messages `call` left for later and flags it as decoding them at once would have
    /// (`requestUndecoded`, `responseUndecoded`). Returns how many messages did not decode.
    public mutating func decodeDeferred(in call: inout TripleCall) -> Int {
        var undecoded = 0
        if var request = call.request, request.awaitsDecoding {
            let failed = payloads.resolve(&request, side: .request)
            if failed > 0 { call.quality.insert(.requestUndecoded) }
            undecoded += failed
            call.request = request
        }
        if var response = call.response, response.awaitsDecoding {
            let failed = payloads.resolve(&response, side: .response)
            if failed > 0 { call.quality.insert(.responseUndecoded) }
            undecoded += failed
            call.response = response
        }
        return undecoded
    }
}
