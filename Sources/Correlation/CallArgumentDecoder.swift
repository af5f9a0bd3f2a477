public import DubboWire
public import Hessian2
public import InspectorCore
import TripleWire

/// The arguments of a record whose bodies were read at a report's depth, decoded when a report shows the call:
/// a dubbo request's kept body, or a Triple request's kept messages. What full decoding would have given.
public struct CallArgumentDecoder {
    private var dubbo: DubboBodyDecoder
    private var triple: TripleArgumentDecoder

    public init(limits: Limits) {
        dubbo = DubboBodyDecoder(limits: limits, depth: .full)
        triple = TripleArgumentDecoder(limits: TripleLimits(limits))
    }

    /// Nil when the record has none to give (no request, nothing kept, or they do not decode).
    public mutating func arguments(of record: CallRecord) -> [HessianValue]? {
        guard let request = record.request else { return nil }
        if let arguments = dubbo.arguments(of: request) { return arguments }
        guard let message = record.tripleBox?.call.request else { return nil }
        return triple.arguments(of: message)
    }
}
