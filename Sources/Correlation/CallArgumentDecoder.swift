public import DubboWire
public import Hessian2
public import InspectorCore
import TripleWire

/// The arguments of a record whose bodies were read at a report's depth, decoded when a report shows the call:
/// a dubbo request's kept body, or a Triple request's kept messages. What full decoding would have given.
public struct CallArgumentDecoder {
    private var dubbo: DubboBodyDecoder
    private var triple: TripleDeferredDecoder

    public init(limits: Limits) {
        dubbo = DubboBodyDecoder(limits: limits, depth: .full)
        triple = TripleDeferredDecoder(limits: TripleLimits(limits))
    }

    /// Nil when the record has none to give (no request, nothing kept, or they do not decode).
    public mutating func arguments(of record: CallRecord) -> [HessianValue]? {
        guard let request = record.request else { return nil }
        if let arguments = dubbo.arguments(of: request) { return arguments }
        guard let message = record.tripleBox?.call.request else { return nil }
        return triple.arguments(of: message)
    }
}

/// The record thread's decoders for what the analysis thread left as bytes (`CallRecord.decodeDeferredBodies`):
/// dubbo bodies at a report's depth, Triple messages when call logs are written; and what did not decode.
public struct DeferredBodyDecoder {
    var dubbo: DubboBodyDecoder
    var triple: TripleDeferredDecoder
    public internal(set) var undecodedReasons = UndecodedReasons()
    /// Triple messages that did not decode (the run summary's `triple` line counts them).
    public internal(set) var tripleMessagesUndecoded = 0
    /// Whether the analysis thread leaves the count of every body it may defer to this decoder, those it decoded
    /// itself included (it does when this thread is behind): then which thread decoded a body never changes the
    /// counts, though `UndecodedReasons` keeps the first reasons it meets.
    public var countsDeferrable = false

    public init(limits: Limits, depth: DubboBodyDecoder.Depth, requestAttachmentKeys: [String]? = nil) {
        dubbo = DubboBodyDecoder(limits: limits, depth: depth, requestAttachmentKeys: requestAttachmentKeys)
        triple = TripleDeferredDecoder(limits: TripleLimits(limits))
    }

    /// Counts a body the analysis thread could have left here but decoded itself (`countsDeferrable`), by the
    /// error it decoded with.
    mutating func countDecodedElsewhere(_ frame: DubboFrameInfo?, error: String?) {
        guard countsDeferrable, let frame, dubbo.canDefer(frame), let error else { return }
        undecodedReasons.add(UndecodedReasons.reason(error))
    }
}
