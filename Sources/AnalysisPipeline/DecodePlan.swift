public import DubboWire
import Correlation

/// How deeply bodies are decoded, chosen once from what a run's outputs show: the one rule `read`, `report` and
/// `live` share. Call records show everything; a report needs arguments only for the slowest calls it keeps
/// (decoded when one is kept); spans, metrics and summaries need neither.
public struct DecodePlan: Sendable, Equatable {
    public var depth: DubboBodyDecoder.Depth
    /// The request attachments decoded, by key; nil for all of them. Call records and spans show every
    /// attachment; a report reads only those the record's fields read (`CallRecord.attachmentKeysRead`).
    public var requestAttachmentKeys: [String]?

    /// A plan for a depth chosen directly (tests, fuzzing).
    public init(depth: DubboBodyDecoder.Depth, requestAttachmentKeys: [String]? = nil) {
        self.depth = depth
        self.requestAttachmentKeys = requestAttachmentKeys
    }

    /// - Parameters:
    ///   - includePayload: arguments and returned values may be shown at all (`--no-payload` clears it).
    ///   - showsRecords: call records are written (`read` in a format other than `none`, `live`).
    ///   - keepsSlowestCalls: a latency report lists its slowest calls with their arguments.
    ///   - exportsSpans: calls are exported as spans (`--otlp-endpoint`), which carry trace context and, when
    ///     asked, every attachment.
    public init(includePayload: Bool, showsRecords: Bool, keepsSlowestCalls: Bool, exportsSpans: Bool) {
        if !includePayload {
            depth = .metadata
        } else if showsRecords {
            depth = .full
        } else {
            depth = keepsSlowestCalls ? .argumentsOnDemand : .metadata
        }
        requestAttachmentKeys = showsRecords || exportsSpans ? nil : CallRecord.attachmentKeysRead
    }

    public static let full = DecodePlan(depth: .full)

    /// Whether the record thread, when there is one, decodes Triple message values for call logs while it keeps up
    /// (`TripleLimits.defersValues`, `AnalysisContext.recordPipe`): the analysis thread has HPACK and HTTP/2 streams
    /// to keep up with, so moving the values over balances the two threads. A report reads only each
    /// wrapper's serialization and types: moving that over measured slower (every response copied to travel).
    public var defersTripleValuesToRecordThread: Bool { depth == .full }
}
