import AnalysisPipeline
import Correlation
import DubboWire
import Glibc
import InspectorCore
import LiveMonitoring
import PacketCapture
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin
import Synchronization
import TCPReassembly
import TelemetryExport

/// What a live run does, independent of the command line.
struct LiveConfiguration: Sendable {
    enum Output: Sendable, Equatable {
        /// Records streamed to standard output in a format, flushed line by line.
        case stream(RecordFormat)
        /// The refreshing live view on the terminal.
        case view
    }

    var interface: String
    var filter: String?
    var snapLength = 262_144
    var bufferSizeMiB = 32
    /// Packets handed over one by one as they arrive. Off by default: libpcap's TPACKET_V3 ring then hands over
    /// blocks of packets (a block when it is full, or after `blockTimeoutMs`), which costs far fewer wake-ups —
    /// zero kernel drops at 320 000 packets/s on `lo` here, where packet-by-packet delivery already drops at 150 000.
    var immediate = false
    /// The longest a packet waits in a block before it is handed over (and how often a stop request is seen).
    static let blockTimeoutMs = 100
    var duration: Double?
    var count: Int?
    var writePath: String?
    var output: Output = .stream(.text)
    var metricsHost: String?
    var metricsPort = 9_464
    var user: String?
    var limits = Limits()
    var plan = DecodePlan.full
    var renderOptions = RecordRenderOptions()
    var metricLimits = MetricLimits()
    var queueMaxBytes = 64 << 20
    var queueMaxPackets = 200_000
    /// Names applications (records' `registry` fields, the metrics' application labels) when `--registry` is given.
    var registry: RegistryJoin?
    /// Sends every record as an OTLP span when `--otlp-endpoint` is given; it only enqueues, never blocks.
    var exporter: OTLPExporter?
}

/// State the capture thread, the analysis thread and the main loop share; each piece under its own lock.
final class LiveShared: Sendable {
    struct KernelCounters: Sendable {
        var received = WrappingCounter()
        var droppedByKernel = WrappingCounter()
        var droppedByInterface = WrappingCounter()
        var delivered = CaptureStats()
    }

    /// Set by a signal, the duration, the packet count or a failure: the main loop then stops the capture.
    let stopRequested = Atomic<Bool>(false)
    let kernel = Locked(KernelCounters())
    /// What the analysis thread has done so far; stale while it is blocked (on a slow output), which is why the
    /// capture's own counters are kept apart from it.
    let analysis = Locked(LiveAnalysis.Progress())
    let captureFailure = Locked<String?>(nil)
    /// Findings over the run so far, for the live view's findings line (bounded: `FindingsAccumulator`).
    let findings = Locked(FindingsAccumulator())
}

/// Where the analysis thread leaves its result.
final class LiveResult: Sendable {
    let value = Locked(LiveAnalysisResult())
}

/// What the analysis thread hands back when the capture is over.
struct LiveAnalysisResult: Sendable {
    var summary = RunSummary()
    /// Filled in by the caller once both threads are over.
    var health = CaptureHealth()
    var pcapngPackets: Int?
    var pcapngError: String?
    /// The registry join's tally (`--registry`), for the summary.
    var registryTally: String?
}

/// One live run: the capture thread feeds a bounded queue, the analysis thread drains it through the same
/// pipeline as `read`, and the caller's thread draws the view and waits for the end.
///
/// The capture thread only copies packets into the queue (never waits on the analysis or the output; a full
/// queue drops and counts). The analysis thread decodes, feeds the metrics, writes records and the pcapng file.
struct LiveSession {
    let configuration: LiveConfiguration
    let capture: LiveCapture
    let metrics: LiveMetrics
    let shared = LiveShared()
    let queue: PacketQueue

    init(configuration: LiveConfiguration, capture: LiveCapture, metrics: LiveMetrics) {
        self.configuration = configuration
        self.capture = capture
        self.metrics = metrics
        self.queue = PacketQueue(maxPackets: configuration.queueMaxPackets, maxBytes: configuration.queueMaxBytes)
    }

    // MARK: Threads

    /// Starts both threads. `pcapng`, if any, moves to the analysis thread.
    func start(pcapng: PcapngWriter?) -> (capture: PosixThread, analysis: PosixThread, result: LiveResult) {
        let result = LiveResult()
        let writer = Handoff(pcapng)
        let captureThread = PosixThread { [self] in captureLoop() }
        let analysisThread = PosixThread { [self, result] in
            let outcome = analysisLoop(pcapng: writer.take())
            result.value.withLock { $0 = outcome }
        }
        return (captureThread, analysisThread, result)
    }

    /// Reads packets until `breakLoop()`, the packet count, or a read error; copies each into the queue.
    private func captureLoop() {
        var kernel = LiveShared.KernelCounters()
        var delivered = 0
        var nextStats = SystemClock.monotonicSeconds
        let limit = configuration.count ?? Int.max
        defer {
            publishKernel(&kernel)
            queue.finish()
        }
        // Bounded by the capture: ends on breakLoop (a signal, the duration), the count, or an error.
        while delivered < limit {
            let packet: CapturedPacket?
            do {
                packet = try capture.nextPacket()
            } catch {
                shared.captureFailure.withLock { $0 = "\(error)" }
                shared.stopRequested.store(true, ordering: .releasing)
                return
            }
            guard let packet else { return }
            delivered += 1
            kernel.delivered.packetsRead += 1
            kernel.delivered.bytesRead += packet.capturedLength
            kernel.delivered.originalBytes += packet.originalLength
            if packet.isCutBySnapLength { kernel.delivered.packetsCutBySnapLength += 1 }
            queue.push(
                nanosecondsSinceEpoch: packet.time.nanosecondsSinceEpoch, linkType: packet.linkType,
                originalLength: packet.originalLength, bytes: packet.bytes)
            // pcap_stats is a system call: at most ten a second while packets flow.
            let now = SystemClock.monotonicSeconds
            if now >= nextStats {
                publishKernel(&kernel)
                nextStats = now + 0.1
            }
        }
        shared.stopRequested.store(true, ordering: .releasing)
    }

    private func publishKernel(_ kernel: inout LiveShared.KernelCounters) {
        if let stats = try? capture.stats() {
            kernel.received.update(UInt32(truncatingIfNeeded: stats.received))
            kernel.droppedByKernel.update(UInt32(truncatingIfNeeded: stats.droppedByKernel))
            kernel.droppedByInterface.update(UInt32(truncatingIfNeeded: stats.droppedByInterface))
        }
        let copy = kernel
        shared.kernel.withLock { $0 = copy }
    }

    /// Runs the pipeline over the queue (`LiveAnalysis`), feeding the metrics, the exporter and the record stream.
    private func analysisLoop(pcapng: PcapngWriter?) -> LiveAnalysisResult {
        let metrics = self.metrics
        var writer: RecordWriter?
        if case .stream(let format) = configuration.output, format != .none {
            let output = OutputFile.standardOutput()
            output.flushesEachLine = true
            writer = RecordWriter(
                format: format, output: output, options: configuration.renderOptions, registry: configuration.registry)
        }
        let registry = configuration.registry
        let exporter = configuration.exporter
        let analysis = LiveAnalysis(queue: queue, limits: configuration.limits, plan: configuration.plan)
        let shared = self.shared
        let nearLimitBytes = configuration.limits.maxBodyLength / 10 * 9
        let outcome = analysis.run(
            pcapng: pcapng, delivered: { shared.kernel.withLock { $0.delivered } },
            onRecord: { record in
                metrics.record(record, applications: Self.applications(of: record, registry: registry))
                shared.findings.withLock { $0.add(record, nearLimitBytes: nearLimitBytes) }
                exporter?.export(record)
                writer?.write(record)
            },
            publish: { progress in shared.analysis.withLock { $0 = progress } })
        writer?.finish()
        return LiveAnalysisResult(
            summary: outcome.summary, pcapngPackets: outcome.pcapngPackets, pcapngError: outcome.pcapngError,
            registryTally: registry != nil ? writer?.registryTally.text : nil)
    }

    /// The applications of a call: the registry's when it names them, else the consumer's `remote.application`.
    static func applications(of record: CallRecord, registry: RegistryJoin?) -> ApplicationNames {
        let fromRecord = ApplicationNames.fromAttachments(record)
        guard let registry, record.kind == .call || record.kind == .oneway else { return fromRecord }
        let annotation = registry.annotate(record)
        return ApplicationNames(
            provider: annotation.providerApplication, consumer: annotation.consumerApplication ?? fromRecord.consumer)
    }

    /// The capture's health now, from the capture thread's kernel counters, the queue and the analysis figures.
    /// Any thread: the main loop calls it so the figures stay fresh even while the analysis is blocked.
    func health() -> CaptureHealth {
        let kernel = shared.kernel.withLock { $0 }
        let analysis = shared.analysis.withLock { $0 }
        let queued = queue.counters
        var health = CaptureHealth()
        health.received = kernel.received.total
        health.droppedByKernel = kernel.droppedByKernel.total
        health.droppedByInterface = kernel.droppedByInterface.total
        health.droppedByQueue = queued.dropped
        health.queuedPackets = queued.waiting
        health.packetsAnalysed = analysis.packets
        health.bytesAnalysed = analysis.bytes
        health.gaps = analysis.gaps
        health.gapBytes = analysis.gapBytes
        health.connections = analysis.connections
        return health
    }

    /// Hands the capture's health and the in-flight count to the metrics.
    func publishHealth() {
        metrics.update(capture: health())
        metrics.update(inFlight: shared.analysis.withLock { $0.inFlight })
    }
}
