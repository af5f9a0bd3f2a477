public import DubboWire
public import Hessian2
public import InspectorCore
public import NetworkLayers
public import TripleWire

/// What a record describes (the `kind` key of docs/RECORDS.md).
public enum CallKind: String, Sendable, Equatable {
    case call, oneway, heartbeat, event
    case orphanResponse = "orphan_response"
}

/// How an exchange ended (the `outcome` key).
public enum CallOutcome: String, Sendable, Equatable {
    case ok, error, exception
    case noResponse = "no_response"
    case oneway
    /// A Triple stream reset (RST_STREAM) before its response ended.
    case cancelled
    /// A Triple response ended but its status was in a header block that could not be decoded (`headers_incomplete`).
    case unknown
}

/// Ways a record is less than a whole, cleanly captured exchange (the `quality` key).
public struct CallQuality: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let requestGap = CallQuality(rawValue: 1 << 0)
    public static let responseGap = CallQuality(rawValue: 1 << 1)
    public static let midstream = CallQuality(rawValue: 1 << 2)
    public static let truncated = CallQuality(rawValue: 1 << 3)
    public static let requestUndecoded = CallQuality(rawValue: 1 << 4)
    public static let responseUndecoded = CallQuality(rawValue: 1 << 5)
    public static let requestTooLarge = CallQuality(rawValue: 1 << 6)
    public static let responseTooLarge = CallQuality(rawValue: 1 << 7)
    public static let evicted = CallQuality(rawValue: 1 << 8)
    /// A frame's body was cut off in the capture and only what its captured head held was decoded.
    public static let partialBody = CallQuality(rawValue: 1 << 9)
    /// Triple: a header block was not decoded because the HPACK dynamic table was unknown (lost bytes, mid-stream).
    public static let headersIncomplete = CallQuality(rawValue: 1 << 10)

    /// Flag names in a fixed order, as they appear in the JSON `quality` array.
    public static let names: [(CallQuality, String)] = [
        (.requestGap, "request_gap"), (.responseGap, "response_gap"), (.midstream, "midstream"),
        (.truncated, "truncated"), (.requestUndecoded, "request_undecoded"),
        (.responseUndecoded, "response_undecoded"), (.requestTooLarge, "request_too_large"),
        (.responseTooLarge, "response_too_large"), (.evicted, "evicted"), (.partialBody, "partial_body"),
        (.headersIncomplete, "headers_incomplete"),
    ]

    public var names: [String] { Self.names.compactMap { contains($0.0) ? $0.1 : nil } }
}

/// One request joined with its response (or with the lack of one). Pure data: rendering lives in Reporting.
public struct CallRecord: Sendable, Equatable {
    public var kind: CallKind
    public var client: Endpoint
    public var server: Endpoint
    public var requestID: Int64
    public var serialization: Serialization
    public var requestFrame: DubboFrameInfo?
    public var request: DubboRequestBody?
    /// Data of a non-heartbeat event.
    public var eventData: HessianValue?
    public var responseFrame: DubboFrameInfo?
    public var response: DubboResponseBody?
    public var outcome: CallOutcome
    public var quality: CallQuality
    /// Bodies kept as bytes for decoding on another thread (`DubboBody.deferred`); nil once decoded.
    public var deferredRequestBody: [UInt8]?
    public var deferredResponseBody: [UInt8]?
    /// The Triple stream this record describes (`protocol` "triple"); nil for dubbo. Boxed, so a dubbo record
    /// grows by one pointer, not by a whole `TripleCall`. This returns a copy of the whole call: accessors that
    /// read one field go through `tripleBox`.
    public var triple: TripleCall? {
        get { tripleBox?.call }
        set { tripleBox = newValue.map(TripleCallBox.init) }
    }
    var tripleBox: TripleCallBox?
    /// A Triple record whose request and response are still to be filled from `triple` (`decodeDeferredBodies`).
    var tripleBodiesPending = false

    /// Whether this is a Triple record, without copying the call out of its box.
    public var isTriple: Bool { tripleBox != nil }
    /// For a record reported unanswered: the latest capture time seen when it was given up on, so the capture ran
    /// at least this long without an answer (judges `timeout_exceeded`). nil for answered records.
    public var unansweredUntil: CaptureTime?
    /// The request's place in the correlator's request order (0 until it waits for an answer): records given up on
    /// at one moment are reported in this order, and shards' records are merged by it (`RecordMerge`).
    package var requestOrder: UInt64 = 0

    public init(
        kind: CallKind, client: Endpoint, server: Endpoint, requestID: Int64, serialization: Serialization,
        requestFrame: DubboFrameInfo? = nil, request: DubboRequestBody? = nil, eventData: HessianValue? = nil,
        responseFrame: DubboFrameInfo? = nil, response: DubboResponseBody? = nil,
        outcome: CallOutcome, quality: CallQuality = []
    ) {
        self.kind = kind
        self.client = client
        self.server = server
        self.requestID = requestID
        self.serialization = serialization
        self.requestFrame = requestFrame
        self.request = request
        self.eventData = eventData
        self.responseFrame = responseFrame
        self.response = response
        self.outcome = outcome
        self.quality = quality
    }

    public var status: StatusCode? { responseFrame?.header.statusCode }

    /// Response first byte minus request first byte, in microseconds.
    public var latencyMicroseconds: Int64? {
        if let box = tripleBox { return box.call.requestTime.flatMap { start in box.call.responseTime?.microseconds(since: start) } }
        guard let request = requestFrame, let response = responseFrame else { return nil }
        return response.firstByteTime.microseconds(since: request.firstByteTime)
    }

    /// Server time: request's last byte → response's first byte (microseconds).
    public var serverMicroseconds: Int64? {
        if let box = tripleBox { return box.call.requestEndTime.flatMap { end in box.call.responseTime?.microseconds(since: end) } }
        guard let request = requestFrame, let response = responseFrame else { return nil }
        return response.firstByteTime.microseconds(since: request.lastByteTime)
    }

    /// When the record's exchange began: the request if seen, else the response.
    public var startTime: CaptureTime? { requestTime ?? responseTime }
}

extension CallRecord {
    /// About the memory its bodies hold, decoded or as bytes: the lengths of its complete dubbo bodies, or its
    /// Triple messages' bytes. What the record pipe bounds its batches by.
    public var bodyFootprint: Int {
        if let box = tripleBox { return Int(clamping: box.call.requestBytes &+ box.call.responseBytes) }
        var bytes = 0
        if let frame = requestFrame, frame.bodyState == .complete { bytes += Int(frame.header.bodyLength) }
        if let frame = responseFrame, frame.bodyState == .complete { bytes += Int(frame.header.bodyLength) }
        return bytes
    }

    /// Drops the decoded and kept bodies (what a record allocates), leaving the frames, endpoints and outcome.
    public mutating func releaseBodies() {
        request = nil
        response = nil
        eventData = nil
        deferredRequestBody = nil
        deferredResponseBody = nil
    }

    /// Decodes bodies that were deferred (`DubboBody.deferred`), filling `request`/`response`, the undecoded quality
    /// flags and the outcome exactly as decoding at once would have; a body that did not decode cleanly is counted
    /// in the decoder. A Triple record left pending gets its request and response from its call, once the messages
    /// the call left as bytes (`TripleLimits.defersValues`) are decoded.
    public mutating func decodeDeferredBodies(with decoder: inout DeferredBodyDecoder) {
        if tripleBox?.awaitsDecoding == true {
            var undecoded = 0
            withUniqueTriple { call in undecoded = decoder.triple.decodeDeferred(in: &call) }
            decoder.tripleMessagesUndecoded += undecoded
            if let box = tripleBox { quality.formUnion(Self.quality(of: box.call.quality)) }
        }
        if tripleBodiesPending, let box = tripleBox {
            tripleBodiesPending = false
            fillTripleBodies(from: box)
        }
        if let bytes = deferredRequestBody.take(), let frame = requestFrame {
            let body = decoder.dubbo.decode(frame, bytes: bytes)
            if case .request(let decoded) = body { request = decoded }
            if decoder.undecodedReasons.count(body) { quality.insert(.requestUndecoded) }
        } else {
            decoder.countDecodedElsewhere(requestFrame, error: request?.decodeError)
        }
        if let bytes = deferredResponseBody.take(), let frame = responseFrame {
            let body = decoder.dubbo.decode(frame, bytes: bytes)
            if case .response(let decoded) = body { response = decoded }
            if decoder.undecodedReasons.count(body) { quality.insert(.responseUndecoded) }
            outcome = Correlator.outcome(of: self)
        } else {
            decoder.countDecodedElsewhere(responseFrame, error: response?.decodeError)
        }
    }
}
