public import Correlation
public import DubboWire
public import NetworkLayers
package import PacketCapture
public import TCPReassembly
public import TripleWire

/// The closing summary of a run: what was read, what was found, and every anomaly counted on the way.
public struct RunSummary: Sendable {
    public var files = 0
    public var failedFiles = 0
    package var capture = CaptureStats()
    public var network = NetworkLayerStats()
    public var reassembly = ReassemblyStats()
    public var streams = DubboStreamStats()
    public var correlation = CorrelationStats()
    public var dubboConnections = 0
    public var nonDubboConnections = 0
    public var undecodedBodies = 0
    /// The undecoded bodies by reason (`undecodedBodies` of them in all).
    public var undecodedReasons = UndecodedReasons()
    public var records = 0
    /// Bodies the analysis thread would have left to the record thread but decoded itself because that thread was
    /// behind (`AnalysisContext.recordPipe`): how the two threads shared the work. Not printed.
    package var bodiesDecodedForRecordThread = 0
    /// Triple deliveries (reassembled bytes of one connection) whose message values were decoded on the analysis
    /// thread for the same reason. Not printed.
    package var tripleDeliveriesDecodedForRecordThread = 0
    /// Triple (HTTP/2) connections and their counters.
    public var tripleConnections = 0
    public var triple = TripleConnectionStats()

    public init() {}

    /// The summary of one analysis: the capture's and reassembly's counters and what the contexts' decoders and
    /// correlators counted (one context, or a sharded run's, added up) — the one place a summary is filled in (files
    /// are the caller's to add).
    init(
        capture: CaptureStats, network: NetworkLayerStats, reassembly: ReassemblyStats, contexts: [AnalysisContext],
        records: Int
    ) {
        self.capture = capture
        self.network = network
        self.reassembly = reassembly
        var tripleKinds = CorrelationStats()
        for context in contexts {
            streams.add(context.streamStats)
            correlation.add(context.correlator.stats)
            tripleKinds.add(context.tripleKinds)
            dubboConnections += context.dubboConnections
            nonDubboConnections += context.nonDubboConnections
            tripleConnections += context.tripleConnections
            triple.add(context.tripleStats)
            undecodedReasons.merge(context.undecodedReasons)
            bodiesDecodedForRecordThread += context.bodiesDecodedForRecordThread
            tripleDeliveriesDecodedForRecordThread += context.tripleDeliveriesDecodedForRecordThread
        }
        // The per-kind counts cover Triple records too; the rest of the correlation line is dubbo's own.
        correlation.calls += tripleKinds.calls
        correlation.heartbeats += tripleKinds.heartbeats
        correlation.orphanResponses += tripleKinds.orphanResponses
        correlation.noResponse += tripleKinds.noResponse
        undecodedBodies = undecodedReasons.total
        self.records = records
    }

    public var text: String {
        let c = correlation
        let r = reassembly
        let s = streams
        let n = network
        return """
            Summary: \(capture.packetsRead) packets (\(capture.bytesRead) bytes) from \(files) file\(files == 1 ? "" : "s")\
            \(failedFiles > 0 ? ", \(failedFiles) unreadable" : ""); \(r.connectionsOpened) TCP connections \
            (\(dubboConnections) Dubbo, \(nonDubboConnections) non-Dubbo, \(r.connectionsWithoutHandshake) picked up mid-stream)
              frames \(s.frames), records \(records): calls \(c.calls), one-way \(c.oneway), heartbeats \(c.heartbeats), \
            events \(c.events), orphan responses \(c.orphanResponses), no response \(c.noResponse)
              gaps \(r.gaps) (\(r.gapBytes) bytes), resyncs \(s.resyncs), lost sync \(s.syncLosses), \
            skipped bytes \(s.skippedBytes), decode errors \(undecodedBodies), oversized bodies \(s.framesTooLarge), \
            truncated frames \(s.framesTruncated), evicted frames \(s.framesEvicted)
              reassembly: out-of-order \(r.outOfOrderSegments), retransmissions \(r.retransmissions) \
            (inconsistent \(r.inconsistentRetransmissions)), overlaps trimmed \(r.overlapsTrimmed), \
            buffer evictions \(r.bufferEvictions), flow evictions \(r.flowEvictions), peak buffered \(r.peakBufferedBytes) bytes
              packets skipped: \(n.skipped) (not IP \(n.notIP), not TCP \(n.notTCP), IP fragments \(n.ipFragments), \
            malformed \(n.malformed), truncated headers \(n.truncatedHeaders), unsupported link type \(n.unsupportedLinkType)); \
            cut by snap length \(n.segmentsCutBySnapLength)
              correlation: duplicate request ids \(c.duplicateRequestIDs), evicted pending \(c.evictedPending), \
            timed out \(c.timedOut), peak pending \(c.peakPending)

            """ + reasonsText + tripleText
    }

    /// The most frequent reasons bodies did not decode, only when some did not.
    var reasonsText: String {
        guard undecodedReasons.total > 0 else { return "" }
        let shown = undecodedReasons.top(8)
        let rest = undecodedReasons.counts.count - shown.count
        let list = shown.map { "\($0.reason) \($0.count)" }.joined(separator: "; ")
        return "  decode errors by reason: \(list)\(rest > 0 ? "; \(rest) more reasons" : "")\n"
    }

    /// The Triple line, only when a Triple connection was seen (dubbo-only summaries stay as they were).
    var tripleText: String {
        guard tripleConnections > 0 else { return "" }
        let t = triple
        let f = t.framing
        return """
              triple: \(tripleConnections) connections, \(t.calls) streams, \(t.pings) pings, \(t.goaways) GOAWAY; \
            frames \(f.frames) (malformed \(t.malformedFrames + f.malformedFrames), unknown type \(f.unknownFrames), \
            oversized \(f.oversizedFrames)), resyncs \(f.resyncs), skipped bytes \(f.skippedBytes), \
            undecoded header blocks \(t.undecodedHeaderBlocks), oversized header blocks \(t.oversizedHeaderBlocks), \
            streams over limit \(t.streamsOverLimit), messages too large \(t.messagesTooLarge), \
            messages evicted \(t.messagesEvicted), messages undecoded \(t.messagesUndecoded)

            """
    }
}
