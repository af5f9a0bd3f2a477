public import Hessian2
public import InspectorCore

/// One Triple call: an HTTP/2 stream from its request HEADERS to its end (docs/RECORDS.md), or a PING and its ack.
public struct TripleCall: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case call
        /// A PING and its acknowledgement, timed like a Dubbo heartbeat.
        case ping
        /// Frames of a stream whose request HEADERS were not captured.
        case orphanResponse
    }

    /// Ways the call is less than whole (mapped onto the record's `quality` flags).
    public struct Quality: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let requestGap = Quality(rawValue: 1 << 0)
        public static let responseGap = Quality(rawValue: 1 << 1)
        public static let midstream = Quality(rawValue: 1 << 2)
        public static let truncated = Quality(rawValue: 1 << 3)
        public static let requestUndecoded = Quality(rawValue: 1 << 4)
        public static let responseUndecoded = Quality(rawValue: 1 << 5)
        public static let requestTooLarge = Quality(rawValue: 1 << 6)
        public static let responseTooLarge = Quality(rawValue: 1 << 7)
        /// A header block could not be decoded because the HPACK dynamic table was unknown.
        public static let headersIncomplete = Quality(rawValue: 1 << 8)
        /// A message spanning DATA frames was given up by the connection's buffer limit.
        public static let evicted = Quality(rawValue: 1 << 9)
    }

    public var kind: Kind
    /// Whether the client is the TCP initiator (false: the responder sent the requests).
    public var clientIsInitiator: Bool
    public var streamID: UInt32
    /// `:path` split at its last `/`: `/<interface>/<method>`.
    public var path: String?
    public var service: String?
    public var method: String?
    public var version: String?
    public var group: String?
    /// `tri-consumer-appname`.
    public var application: String?
    public var contentType: String?
    /// `grpc-timeout` in microseconds.
    public var timeoutMicroseconds: Int64?
    /// Request headers other than pseudo-headers and the ones above, in order.
    public var attachments: [(name: String, value: String)]
    /// `:status`.
    public var httpStatus: Int?
    public var grpcStatus: Int?
    /// `grpc-message`, percent-decoded.
    public var grpcMessage: String?
    /// `tri-exception-code` (Dubbo's `RpcException` code; 3 = business exception), from headers or trailers.
    public var exceptionCode: String?
    /// `grpc-status-details-bin`, base64-decoded (a google.rpc.Status message), rendered field by field.
    public var statusDetails: HessianValue?
    /// Response headers and trailers other than pseudo-headers and grpc-status / grpc-message.
    public var responseAttachments: [(name: String, value: String)]

    public var requestTime: CaptureTime?
    public var requestEndTime: CaptureTime?
    public var responseTime: CaptureTime?
    public var responseEndTime: CaptureTime?
    public var requestMessages = 0
    public var responseMessages = 0
    /// Message bytes as sent (before decompression), prefixes excluded.
    public var requestBytes: Int64 = 0
    public var responseBytes: Int64 = 0
    public var request: TripleMessage?
    public var response: TripleMessage?
    /// RST_STREAM ended the stream before the response did; its error code.
    public var resetCode: UInt32?
    public var quality: Quality = []

    public init(kind: Kind, streamID: UInt32, clientIsInitiator: Bool = true) {
        self.kind = kind
        self.streamID = streamID
        self.clientIsInitiator = clientIsInitiator
        self.attachments = []
        self.responseAttachments = []
    }

    public static func == (lhs: TripleCall, rhs: TripleCall) -> Bool {
        lhs.kind == rhs.kind && lhs.streamID == rhs.streamID && lhs.path == rhs.path && lhs.version == rhs.version
            && lhs.group == rhs.group && lhs.application == rhs.application && lhs.grpcStatus == rhs.grpcStatus
            && lhs.grpcMessage == rhs.grpcMessage && lhs.requestTime == rhs.requestTime
            && lhs.responseTime == rhs.responseTime && lhs.responseEndTime == rhs.responseEndTime
            && lhs.requestMessages == rhs.requestMessages && lhs.responseMessages == rhs.responseMessages
            && lhs.request == rhs.request && lhs.response == rhs.response && lhs.resetCode == rhs.resetCode
            && lhs.quality == rhs.quality && lhs.attachments.elementsEqual(rhs.attachments, by: { $0 == $1 })
            && lhs.responseAttachments.elementsEqual(rhs.responseAttachments, by: { $0 == $1 })
    }

    /// Messages of this call are still to be decoded (`TripleLimits.defersValues`, `TripleDeferredDecoder`).
    public var awaitsDecoding: Bool { request?.awaitsDecoding == true || response?.awaitsDecoding == true }

    /// The gRPC name of `grpcStatus` (`OK`, `NOT_FOUND`, … `UNKNOWN_<n>`).
    public var statusName: String? { grpcStatus.map(GRPCStatus.name) }

    /// The response message is a thrown exception, not a returned value: Dubbo's client reads it so when the
    /// response carries a non-zero `tri-exception-code` (`AbstractTripleClientStream`) and a message came. A
    /// trailers-only failure with the code (no message) stays a plain gRPC error.
    public var carriesException: Bool { Self.carriesException(code: exceptionCode, responseMessages: responseMessages) }

    static func carriesException(code: String?, responseMessages: Int) -> Bool {
        guard let code, responseMessages > 0, let number = Int(code) else { return false }
        return number != 0
    }
}

/// A `TripleCall` behind one pointer. A stream's call lives in one from its request HEADERS on and is handed over
/// as is, so neither the stream table nor the record built from it moves the call's ~600 bytes (`CallRecord.triple`).
/// Copy-on-write: whoever changes `call` first makes sure it holds the only reference (`isKnownUniquelyReferenced`,
/// a copy otherwise), so a box another holder — or thread — can see is never changed.
public final class TripleCallBox: @unchecked Sendable, Equatable {
    // No dynamic exclusivity check on every access: the only writer holds the sole reference (see above).
    @exclusivity(unchecked) public var call: TripleCall

    public init(_ call: consuming TripleCall) {
        self.call = call
    }

    public static func == (lhs: TripleCallBox, rhs: TripleCallBox) -> Bool { lhs === rhs || lhs.call == rhs.call }

    // The call's computed properties, read field by field: `box.call.carriesException` copies the whole call out
    // of the box first (a getter takes its struct whole).

    public var carriesException: Bool {
        TripleCall.carriesException(code: call.exceptionCode, responseMessages: call.responseMessages)
    }

    public var statusName: String? { call.grpcStatus.map(GRPCStatus.name) }

    public var awaitsDecoding: Bool { call.request?.awaitsDecoding == true || call.response?.awaitsDecoding == true }
}

/// gRPC status codes (grpc/doc/statuscodes.md).
public enum GRPCStatus {
    static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    public static func name(_ code: Int) -> String {
        code >= 0 && code < names.count ? names[code] : "UNKNOWN_\(code)"
    }
}
