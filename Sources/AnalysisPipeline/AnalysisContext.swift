package import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import TripleWire

/// State shared by every connection's consumer on the single analysis thread: body decoding, correlation,
/// and where finished records go. A class because the reassembler owns the consumers and they all feed it.
package final class AnalysisContext {
    package var correlator: Correlator
    var bodyDecoder: DubboBodyDecoder
    let emit: Correlator.Emit
    /// Stream statistics of connections that have ended.
    var streamStats = DubboStreamStats()
    var dubboConnections = 0
    var nonDubboConnections = 0
    var undecodedReasons = UndecodedReasons()
    /// Leave the bodies that may wait (`DubboBodyDecoder.canDefer`) as bytes for the record thread to decode
    /// (`DubboBody.deferred`) while it keeps up (`recordPipe`).
    var defersDecoding = false
    /// The pipe to the record thread when decoding is deferred. While that thread is behind, bodies are decoded here
    /// after all: small bodies make it the slower one (aggregation and decoding per call), large ones this thread
    /// (reading, reassembly and copies per byte), and either way neither waits for the other.
    var recordPipe: RecordPipe?
    /// Bodies decoded here because the record thread was behind (`RunSummary.bodiesDecodedForRecordThread`).
    var bodiesDecodedForRecordThread = 0
    /// Triple deliveries whose message values were decoded here for the same reason.
    var tripleDeliveriesDecodedForRecordThread = 0
    /// Leave Triple message values to the record thread (`TripleLimits.defersValues`).
    var defersTripleValues = false
    /// Memory held by every connection's decoders for incomplete frames (kept current by `DubboConnection`).
    var bufferedFrameBytes = 0
    /// `Limits.maxBufferedFrameBytesTotal`, but never below two frames of the largest body decoded.
    let maxBufferedFrameBytes: Int
    /// Triple (HTTP/2) decoding: its bounds, and what its connections counted.
    let tripleLimits: TripleLimits
    /// Header blocks decoded before, shared by every Triple connection of this context.
    let headerBlocks: HeaderBlockMemory
    var tripleConnections = 0
    var tripleStats = TripleConnectionStats()
    var tripleRecords = 0
    /// Triple records by kind, as the correlator counts dubbo's, so the summary's per-kind line covers both.
    var tripleKinds = CorrelationStats()

    /// - Parameter shares: how many contexts share the run's limits (the shards of a sharded run): each gets that
    ///   share of the limits that bound the whole run's memory (pending requests, buffered frames, remembered
    ///   header blocks), so the run as a whole stays within them.
    init(limits: Limits, plan: DecodePlan, shares: Int = 1, emit: @escaping Correlator.Emit) {
        let shares = max(1, shares)
        var correlatorLimits = limits
        correlatorLimits.maxPendingRequests = max(1, limits.maxPendingRequests / shares)
        self.correlator = Correlator(limits: correlatorLimits)
        self.bodyDecoder = DubboBodyDecoder(
            limits: limits, depth: plan.depth, requestAttachmentKeys: plan.requestAttachmentKeys)
        self.emit = emit
        let largestFrame = limits.maxBodyLength > Int.max / 4 ? Int.max / 2 : 2 * (limits.maxBodyLength + 16)
        self.maxBufferedFrameBytes = max(limits.maxBufferedFrameBytesTotal / shares, largestFrame)
        var tripleLimits = TripleLimits(limits)
        tripleLimits.decodesValues = plan.depth == .full
        tripleLimits.keepsRequestsForLater = plan.depth == .argumentsOnDemand
        tripleLimits.maxRememberedHeaderBytes /= shares
        self.tripleLimits = tripleLimits
        self.headerBlocks = HeaderBlockMemory(budget: tripleLimits.maxRememberedHeaderBytes)
    }

    /// The capture has run until `time` (the latest packet's, any connection's).
    func advanceClock(to time: CaptureTime) {
        correlator.advanceClock(to: time)
    }

    func frame(connection: UInt64, source: Endpoint, destination: Endpoint, info: DubboFrameInfo, body: Span<UInt8>) {
        let decoded: DubboBody
        if defersDecoding, bodyDecoder.canDefer(info) {
            // Either way the record thread counts it if it does not decode (`DeferredBodyDecoder.countsDeferrable`),
            // so the counts do not depend on which thread had time.
            if recordPipe?.isBehind == true {
                bodiesDecodedForRecordThread += 1
                decoded = bodyDecoder.decode(info, body: body)
            } else {
                decoded = .deferred(body.withUnsafeBufferPointer { Array($0) })
            }
        } else {
            decoded = bodyDecoder.decode(info, body: body)
            undecodedReasons.count(decoded)
        }
        let event = FrameEvent(connection: connection, source: source, destination: destination, info: info, body: decoded)
        let emit = self.emit
        correlator.frame(consume event, emit)
    }

    /// Capture time has reached `now`: requests older than the timeout are reported as unanswered.
    func expire(now: CaptureTime) {
        let emit = self.emit
        correlator.expire(now: now, emit)
    }

    /// End of input, every connection closed: every request still waiting is reported, in request order.
    func finish(at time: CaptureTime) {
        let emit = self.emit
        correlator.finish(at: time, emit)
    }

    /// A Triple connection is over (its calls are all out).
    func tripleEnded(_ stats: TripleConnectionStats) {
        tripleConnections += 1
        tripleStats.add(stats)
    }

    /// A connection is over: its frames are all out. Requests still pending on it cannot be answered; they are
    /// reported now, except at the end of the capture, where `Correlator.finish` reports all of them in request order.
    func connectionEnded(
        _ connection: UInt64, stats: DubboStreamStats, sawFrames: Bool, sawBytes: Bool, atEndOfCapture: Bool
    ) {
        streamStats.add(stats)
        if sawFrames {
            dubboConnections += 1
        } else if sawBytes {
            nonDubboConnections += 1
        }
        guard !atEndOfCapture else { return }
        let emit = self.emit
        correlator.connectionClosed(connection, emit)
    }
}
