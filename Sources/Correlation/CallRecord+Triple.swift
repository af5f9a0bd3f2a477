import DubboWire
import Hessian2
public import InspectorCore
public import NetworkLayers
public import TripleWire

/// The wire protocol of a record (the `protocol` key).
public enum WireProtocol: String, Sendable, Equatable {
    case dubbo, triple
}

extension CallRecord {
    /// A record for a Triple stream. The request and response are also filled in as Dubbo bodies (service,
    /// version, method, arguments, attachments; value, error message), so every consumer of those fields — reports,
    /// the registry join, telemetry — takes Triple calls unchanged. With `deferringBodies` those two are left for
    /// `decodeDeferredBodies` on the record thread, as a dubbo record's bodies are.
    public init(triple call: consuming TripleCall, client: Endpoint, server: Endpoint, deferringBodies: Bool = false) {
        self.init(triple: TripleCallBox(call), client: client, server: server, deferringBodies: deferringBodies)
    }

    /// A record for a Triple stream whose call comes boxed (as `TripleConnectionDecoder` hands it over): the record
    /// keeps the box, and changes it only through `withUniqueTriple`.
    public init(triple box: TripleCallBox, client: Endpoint, server: Endpoint, deferringBodies: Bool = false) {
        let kind: CallKind = switch box.call.kind {
        case .call: .call
        case .ping: .heartbeat
        case .orphanResponse: .orphanResponse
        }
        self.init(
            kind: kind, client: client, server: server, requestID: Int64(box.call.streamID),
            serialization: Serialization(id: 0), outcome: Self.outcome(of: box), quality: Self.quality(of: box.call.quality)
        )
        tripleBox = box
        guard box.call.kind != .ping else { return }
        if deferringBodies {
            tripleBodiesPending = true
        } else {
            fillTripleBodies(from: box)
        }
    }

    /// Changes the record's Triple call in place when the record holds the only reference to its box (after a copy
    /// otherwise). Nothing happens for a dubbo record.
    mutating func withUniqueTriple(_ change: (inout TripleCall) -> Void) {
        guard tripleBox != nil else { return }
        if !isKnownUniquelyReferenced(&tripleBox) { tripleBox = TripleCallBox(tripleBox!.call) }
        change(&tripleBox!.call)
    }

    /// The request and response as Dubbo bodies, from the Triple call (read in its box: a copy of the call would
    /// retain every field).
    mutating func fillTripleBodies(from box: TripleCallBox) {
        if box.call.kind == .call {
            var request = DubboRequestBody()
            request.service = box.call.service
            request.version = box.call.version
            request.method = box.call.method
            if let message = box.call.request {
                request.arguments = message.values
                request.argumentsDecoded = message.valuesDecoded && (message.decodeError == nil || !message.values.isEmpty)
                request.decodeError = message.decodeError
            } else if box.call.requestMessages == 0, !box.call.quality.contains(.headersIncomplete), box.call.kind == .call {
                request.argumentsDecoded = true  // no message: a call without arguments
            }
            request.attachments = Self.map(box.call.attachments)
            self.request = request
        }
        var response = DubboResponseBody()
        if let message = box.call.response {
            let value: HessianValue? = message.values.count == 1 ? message.values[0]
                : message.values.isEmpty ? nil : .list(HessianList(elements: message.values))
            // Dubbo 3 sends a business exception as the response message (a TripleResponseWrapper holding the
            // serialized Throwable) and says so with a non-zero `tri-exception-code` in the response headers.
            if box.carriesException {
                response.exception = value
            } else {
                response.value = value
            }
            response.decodeError = message.decodeError
        }
        // grpc-message only means something beside a failed status (servers also send it empty with OK).
        if box.call.grpcStatus != 0 { response.errorMessage = box.call.grpcMessage }
        var trailers = box.call.responseAttachments.isEmpty ? nil : Self.map(box.call.responseAttachments)
        // Dubbo's exception code and the rich status (a google.rpc.Status, rendered like protoc --decode_raw) are
        // trailers too; kept with the others so the record carries every one.
        if let code = box.call.exceptionCode {
            trailers = trailers ?? HessianMap()
            trailers?.entries.append(HessianMapEntry(key: .string("tri-exception-code"), value: .string(code)))
        }
        if let details = box.call.statusDetails {
            trailers = trailers ?? HessianMap()
            trailers?.entries.append(HessianMapEntry(key: .string("grpc-status-details-bin"), value: details))
        }
        response.attachments = trailers
        if box.call.responseTime != nil { self.response = response }
    }

    /// Header fields as a map; a name sent twice (headers and trailers both carry `content-type`) keeps its last
    /// value, in the place of its first, so the JSON object never repeats a key.
    private static func map(_ fields: [(name: String, value: String)]) -> HessianMap {
        if fields.count <= 16, !hasRepeatedName(fields) {
            // The usual case, a handful of distinct names: no index to build.
            return HessianMap(entries: fields.map { HessianMapEntry(key: .string($0.name), value: .string($0.value)) })
        }
        var entries: [HessianMapEntry] = []
        var index: [String: Int] = [:]
        for (name, value) in fields {
            if let at = index[name] {
                entries[at].value = .string(value)
            } else {
                index[name] = entries.count
                entries.append(HessianMapEntry(key: .string(name), value: .string(value)))
            }
        }
        return HessianMap(entries: entries)
    }

    /// Whether a name occurs twice; quadratic, for short lists only.
    private static func hasRepeatedName(_ fields: [(name: String, value: String)]) -> Bool {
        for later in fields.indices.dropFirst() where fields[..<later].contains(where: { $0.name == fields[later].name }) {
            return true
        }
        return false
    }

    /// Reads the call's fields one by one in its box: passing `box.call` whole would copy it.
    static func outcome(of box: TripleCallBox) -> CallOutcome {
        if box.call.kind == .ping { return .ok }
        if box.carriesException { return .exception }
        if let status = box.call.grpcStatus { return status == 0 ? .ok : .error }
        if box.call.resetCode != nil { return .cancelled }
        if let http = box.call.httpStatus, http != 200 { return .error }
        if box.call.responseEndTime != nil, box.call.quality.contains(.headersIncomplete) { return .unknown }
        return .noResponse
    }

    private static let qualityPairs: [(TripleCall.Quality, CallQuality)] = [
            (.requestGap, .requestGap), (.responseGap, .responseGap), (.midstream, .midstream),
            (.truncated, .truncated), (.requestUndecoded, .requestUndecoded), (.responseUndecoded, .responseUndecoded),
            (.requestTooLarge, .requestTooLarge), (.responseTooLarge, .responseTooLarge),
            (.headersIncomplete, .headersIncomplete), (.evicted, .evicted),
        ]

    static func quality(of flags: TripleCall.Quality) -> CallQuality {
        var quality: CallQuality = []
        for (from, to) in qualityPairs where flags.contains(from) { quality.insert(to) }
        return quality
    }

    public var wireProtocol: WireProtocol { isTriple ? .triple : .dubbo }

    // Values every output format shows, for both protocols.

    /// `serialization`: the header's serializer for dubbo; the wrapper's (or `protobuf`, `json`) for Triple.
    public var serializationName: String? {
        guard let box = tripleBox else { return serialization.name }
        return box.call.request?.serialization ?? box.call.response?.serialization
    }

    /// Response status: dubbo's status byte, or Triple's grpc-status.
    public var statusNumber: Int? {
        if let box = tripleBox { return box.call.grpcStatus }
        return status.map { Int($0.rawValue) }
    }

    public var statusName: String? { tripleBox?.statusName ?? status?.name }

    public var requestTime: CaptureTime? { tripleBox.map(\.call.requestTime) ?? requestFrame?.firstByteTime }
    public var responseTime: CaptureTime? { tripleBox.map(\.call.responseTime) ?? responseFrame?.firstByteTime }
    public var requestEndTime: CaptureTime? { tripleBox.map(\.call.requestEndTime) ?? requestFrame?.endTime }
    public var responseEndTime: CaptureTime? { tripleBox.map(\.call.responseEndTime) ?? responseFrame?.endTime }

    /// Body bytes: the dubbo header's length, or the sum of Triple's message lengths.
    public var requestBodyBytes: Int64? {
        if let box = tripleBox { return box.call.kind == .call ? box.call.requestBytes : nil }
        return requestFrame.map { Int64($0.header.bodyLength) }
    }

    public var responseBodyBytes: Int64? {
        if let box = tripleBox { return box.call.responseTime == nil || box.call.kind == .ping ? nil : box.call.responseBytes }
        return responseFrame.map { Int64($0.header.bodyLength) }
    }

    /// Messages in each direction: Triple streams count theirs; a dubbo frame is one message.
    public var requestMessageCount: Int {
        if let box = tripleBox { return box.call.requestMessages }
        return requestFrame == nil ? 0 : 1
    }

    public var responseMessageCount: Int {
        if let box = tripleBox { return box.call.responseMessages }
        return responseFrame == nil ? 0 : 1
    }

    /// `tri-service-group`.
    public var tripleGroup: String? { tripleBox?.call.group }

    /// Java class names of the wrapper's arguments (`argTypes`); nil for IDL messages.
    public var tripleArgumentTypes: [String]? { tripleBox?.call.request.flatMap { $0.types.isEmpty ? nil : $0.types } }

    /// The last byte the record covers: the response's, else the request's.
    public var lastByteTime: CaptureTime? {
        if let box = tripleBox { return box.call.responseEndTime ?? box.call.requestEndTime ?? box.call.requestTime }
        return responseFrame?.lastByteTime ?? requestFrame?.lastByteTime
    }

    /// The calling application as the request names it: `tri-consumer-appname`, or dubbo's `remote.application`.
    public var remoteApplication: String? {
        if let box = tripleBox { return box.call.application }
        return request?.attachment("remote.application")
    }
}
