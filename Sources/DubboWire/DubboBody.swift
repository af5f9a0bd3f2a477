public import Hessian2

/// A decoded two-way or one-way request body (PROTOCOL.md §3.1).
public struct DubboRequestBody: Sendable, Equatable {
    public var dubboVersion: String?
    public var service: String?
    public var version: String?
    public var method: String?
    public var parameterDescriptor: String?
    /// Empty when arguments were not asked for (metadata-only decoding) or the body broke before them.
    public var arguments: [HessianValue] = []
    public var argumentsDecoded = false
    /// The whole body, kept by `.argumentsOnDemand` decoding when there are parameters, so the arguments can be
    /// decoded later for the calls that are shown (`DubboBodyDecoder.arguments(of:)`); nil otherwise.
    public var keptBody: [UInt8]?
    /// How `keptBody` is serialized (Hessian2 when nil).
    public var keptBodySerialization: Serialization?
    public var attachments: HessianMap?
    /// Why decoding stopped early; the fields before that point are still filled in.
    public var decodeError: String?
    /// Only the captured head of the body was decoded (the rest never reached the capture): the fields that were
    /// whole in it are filled in, nothing after the cut (quality flag `partial_body`).
    public var isPartial = false

    public init() {}

    /// A string attachment such as `group` or `traceparent`.
    public func attachment(_ key: String) -> String? {
        attachments?.stringValue(forKey: key)
    }
}

/// Result flag of a status-20 response (PROTOCOL.md §4).
public enum ResultFlag: Int64, Sendable, Equatable {
    case exception = 0, value = 1, nullValue = 2
    case exceptionWithAttachments = 3, valueWithAttachments = 4, nullValueWithAttachments = 5

    public var hasAttachments: Bool { rawValue >= 3 }
}

/// A decoded response body.
public struct DubboResponseBody: Sendable, Equatable {
    public var resultFlag: ResultFlag?
    public var value: HessianValue?
    public var exception: HessianValue?
    public var attachments: HessianMap?
    /// The message of a response whose status is not OK (a Hessian string, possibly null).
    public var errorMessage: String?
    public var decodeError: String?
    /// Only the captured head of the body was decoded (see `DubboRequestBody.isPartial`).
    public var isPartial = false

    public init() {}

    /// `"java.lang.IllegalStateException: boom"` from an exception object's class and `detailMessage`.
    public var exceptionSummary: String? {
        guard let exception else { return nil }
        switch exception {
        case .object(let object):
            if case .string(let message)? = object[field: "detailMessage"] {
                return "\(object.className): \(message)"
            }
            return object.className
        case .string(let text):
            return text
        default:
            return exception.jsonString
        }
    }
}

/// What a frame's body turned out to be.
public enum DubboBody: Sendable, Equatable {
    case request(DubboRequestBody)
    case response(DubboResponseBody)
    /// An event whose body is the serializer's null: a heartbeat (request or response).
    case heartbeat
    /// Any other event, e.g. the read-only notice `"R"`; `nil` when its serializer is not decoded.
    case event(HessianValue?)
    /// The body could not be decoded at all (unsupported serializer, or broken at its very start).
    case undecoded(String)
    /// The body was not captured (gap, too large, truncated).
    case missing
    /// A complete Hessian2 request or response body kept as bytes, to be decoded later on another thread
    /// (`CallRecord.decodeDeferredBodies`); see `DubboBodyDecoder.canDefer`.
    case deferred([UInt8])
}

extension DubboBody {
    /// Whether the body was there but did not decode cleanly: an unsupported serializer, or decoding that stopped
    /// with an error (what the `*_undecoded` quality flags and the `undecodedBodies` count report). A deferred body
    /// is not judged until it is decoded.
    public var isUndecoded: Bool {
        switch self {
        case .undecoded: true
        case .request(let request): request.decodeError != nil
        case .response(let response): response.decodeError != nil
        case .heartbeat, .event, .missing, .deferred: false
        }
    }

    /// Whether this is what the captured head of a cut-off body held (quality flag `partial_body`).
    public var isPartial: Bool {
        switch self {
        case .request(let request): request.isPartial
        case .response(let response): response.isPartial
        default: false
        }
    }
}

extension HessianMap {
    /// The value under a string key, when it is a string.
    public func stringValue(forKey key: String) -> String? {
        for entry in entries {
            if case .string(let name) = entry.key, name == key {
                if case .string(let value) = entry.value { return value }
                return nil
            }
        }
        return nil
    }
}
