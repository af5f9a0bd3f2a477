import RegistryJoin
import RecordFormats
public import AnalysisPipeline
public import Correlation
import DubboWire
import NetworkLayers
import PacketCapture
import TCPReassembly

/// Runs capture files through the pipeline into a `LatencyReport`, in one pass, keeping no records: the library
/// face of `dubbo-inspect report`, used by the command and by tests.
public struct OfflineReport {
    public var analysis: OfflineAnalysis
    public var configuration: ReportConfiguration

    public init(analysis: OfflineAnalysis = OfflineAnalysis(), configuration: ReportConfiguration = ReportConfiguration()) {
        self.analysis = analysis
        self.configuration = configuration
    }

    public struct Result {
        public var report: LatencyReport
        public var summary: RunSummary
        public var problems: OfflineAnalysis.Problems
    }

    /// `observe` sees every record as well (tests use it to compute exact values to compare with).
    public func run(paths: [String], observe: ((CallRecord) -> Void)? = nil) -> Result {
        var aggregator = ReportAggregator(configuration: configuration)
        let (summary, problems) = analysis.run(paths: paths) { record in
            aggregator.add(record)
            observe?(record)
        }
        let report = aggregator.finish(
            inputFiles: paths, captureQuality: summary.captureQuality(problems: problems.unreadableFiles + problems.readErrors))
        return Result(report: report, summary: summary, problems: problems)
    }
}

extension RunSummary {
    /// The pipeline's counters for the capture-quality part of a report: facts first, then every counter whose
    /// non-zero value means some traffic was not seen or not decoded.
    public func captureQuality(problems: [String] = []) -> CaptureQualitySummary {
        typealias Row = CaptureQualitySummary.Row
        let r = reassembly
        let s = streams
        let c = correlation
        let n = network
        let rows = [
            Row(key: "files", label: "files", value: files, concern: false),
            Row(key: "packets", label: "packets", value: capture.packetsRead, concern: false),
            Row(key: "bytes", label: "bytes", value: capture.bytesRead, concern: false),
            Row(key: "tcp_connections", label: "TCP connections", value: r.connectionsOpened, concern: false),
            Row(key: "dubbo_connections", label: "Dubbo connections", value: dubboConnections, concern: false),
            Row(key: "frames", label: "Dubbo frames", value: s.frames, concern: false),
            Row(key: "records", label: "records", value: records, concern: false),
            Row(key: "unreadable_files", label: "unreadable files", value: failedFiles, concern: true),
            Row(key: "gaps", label: "TCP gaps", value: r.gaps, concern: true),
            Row(key: "gap_bytes", label: "bytes missing in gaps", value: r.gapBytes, concern: true),
            Row(key: "midstream_connections", label: "connections picked up mid-stream",
                value: r.connectionsWithoutHandshake, concern: true),
            Row(key: "sync_losses", label: "Dubbo sync losses", value: s.syncLosses, concern: true),
            Row(key: "resyncs", label: "Dubbo resyncs", value: s.resyncs, concern: true),
            Row(key: "skipped_bytes", label: "bytes skipped", value: Int(clamping: s.skippedBytes), concern: true),
            Row(key: "undecoded_bodies", label: "bodies not decoded", value: undecodedBodies, concern: true),
            Row(key: "oversized_bodies", label: "bodies over the size limit", value: s.framesTooLarge, concern: true),
            Row(key: "truncated_frames", label: "frames cut short", value: s.framesTruncated, concern: true),
            Row(key: "inconsistent_retransmissions", label: "retransmissions with different bytes",
                value: r.inconsistentRetransmissions, concern: true),
            Row(key: "buffer_evictions", label: "reassembly buffer evictions", value: r.bufferEvictions, concern: true),
            Row(key: "flow_evictions", label: "connections evicted", value: r.flowEvictions, concern: true),
            Row(key: "evicted_pending", label: "pending requests evicted", value: c.evictedPending, concern: true),
            Row(key: "duplicate_request_ids", label: "duplicate request ids", value: c.duplicateRequestIDs, concern: true),
            Row(key: "orphan_responses", label: "responses without their request", value: c.orphanResponses,
                concern: true),
            Row(key: "ip_fragments", label: "IP fragments skipped", value: n.ipFragments, concern: true),
            Row(key: "malformed_packets", label: "malformed packets", value: n.malformed, concern: true),
            Row(key: "snap_length_cuts", label: "segments cut by snap length", value: n.segmentsCutBySnapLength,
                concern: true),
        ]
        return CaptureQualitySummary(rows: rows, problems: problems)
    }
}
