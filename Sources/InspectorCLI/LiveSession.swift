import Correlation
import DubboWire
import Glibc
import InspectorCore
import LiveMonitoring
import PacketCapture
import Registry
import Reporting
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
    var duration: Double?
    var count: Int?
    var writePath: String?
    var output: Output = .stream(.text)
    var metricsHost: String?
    var metricsPort = 9_464
    var user: String?
    var limits = Limits()
    var depth: DubboBodyDecoder.Depth = .full
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

    /// What the analysis thread has done so far; stale while it is blocked (on a slow output), which is why the
    /// capture's own counters are kept apart from it.
    struct AnalysisFigures: Sendable {
        var packets: UInt64 = 0
        var bytes: UInt64 = 0
        var gaps: UInt64 = 0
        var gapBytes: UInt64 = 0
        var connections = 0
        var inFlight = 0
    }

    /// Set by a signal, the duration, the packet count or a failure: the main loop then stops the capture.
    let stopRequested = Atomic<Bool>(false)
    let kernel = Locked(KernelCounters())
    let analysis = Locked(AnalysisFigures())
    let captureFailure = Locked<String?>(nil)
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
    func start(pcapng: PcapngWriter?) -> (capture: LiveThread, analysis: LiveThread, result: LiveResult) {
        let result = LiveResult()
        let writer = Handoff(pcapng)
        let captureThread = LiveThread { [self] in captureLoop() }
        let analysisThread = LiveThread { [self, result] in
            let outcome = analysisLoop(pcapng: writer.take())
            result.value.withLock { $0 = outcome }
        }
        return (captureThread, analysisThread, result)
    }

    /// Reads packets until `breakLoop()`, the packet count, or a read error; copies each into the queue.
    private func captureLoop() {
        var kernel = LiveShared.KernelCounters()
        var delivered = 0
        var nextStats = monotonicSeconds()
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
            let now = monotonicSeconds()
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

    /// Drains the queue through the pipeline until the capture is over and the queue empty, then flushes every
    /// pending call (as `no_response`) and returns the summary.
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
        var records = 0
        var pipeline = PacketPipeline(limits: configuration.limits, depth: configuration.depth) { record in
            records += 1
            metrics.record(record, applications: Self.applications(of: record, registry: registry))
            exporter?.export(record)
            writer?.write(record)
        }
        var batch = PacketQueue.Batch()
        var analysed: UInt64 = 0
        var analysedBytes: UInt64 = 0
        var nextPublish = 0.0
        var pcapngError: String?

        // Bounded by the capture: drain returns false once the capture thread has finished and all is drained.
        while queue.drain(into: &batch) {
            if batch.isEmpty {
                // Idle: let wall-clock time (less a margin for packets still in the kernel) expire requests.
                pipeline.advance(to: wallClockNow().adding(seconds: -1))
                publish(&nextPublish, pipeline: pipeline, analysed: analysed, bytes: analysedBytes, force: false)
                var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
                nanosleep(&pause, nil)
                continue
            }
            batch.bytes.withUnsafeBytes { raw in
                for header in batch.headers {
                    let packet = CapturedPacket(
                        time: CaptureTime(nanosecondsSinceEpoch: header.nanosecondsSinceEpoch), linkType: header.linkType,
                        capturedLength: header.length, originalLength: header.originalLength,
                        bytes: UnsafeRawBufferPointer(rebasing: raw[header.offset..<header.offset + header.length]))
                    pcapng?.write(packet)
                    pipeline.process(packet)
                    analysed += 1
                    analysedBytes += UInt64(header.length)
                }
            }
            publish(&nextPublish, pipeline: pipeline, analysed: analysed, bytes: analysedBytes, force: false)
        }
        pipeline.finish()
        writer?.finish()
        if let pcapng {
            do { try pcapng.flush() } catch { pcapngError = "\(error)" }
        }
        publish(&nextPublish, pipeline: pipeline, analysed: analysed, bytes: analysedBytes, force: true)

        var summary = RunSummary()
        summary.files = 0
        summary.capture = shared.kernel.withLock { $0.delivered }
        summary.network = pipeline.networkStats
        summary.reassembly = pipeline.reassemblyStats
        summary.streams = pipeline.context.streamStats
        summary.correlation = pipeline.context.correlator.stats
        summary.dubboConnections = pipeline.context.dubboConnections
        summary.nonDubboConnections = pipeline.context.nonDubboConnections
        summary.tripleConnections = pipeline.context.tripleConnections
        summary.triple = pipeline.context.tripleStats
        summary.undecodedBodies = pipeline.context.undecodedBodies
        summary.records = records
        return LiveAnalysisResult(
            summary: summary, pcapngPackets: pcapng?.packetsWritten, pcapngError: pcapngError,
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

    /// Publishes what the analysis has done, at most four times a second (or now, with `force`).
    private func publish(
        _ next: inout Double, pipeline: PacketPipeline, analysed: UInt64, bytes: UInt64, force: Bool
    ) {
        let now = monotonicSeconds()
        guard force || now >= next else { return }
        next = now + 0.25
        let reassembly = pipeline.reassemblyStats
        let figures = LiveShared.AnalysisFigures(
            packets: analysed, bytes: bytes, gaps: UInt64(max(0, reassembly.gaps)),
            gapBytes: UInt64(max(0, reassembly.gapBytes)), connections: reassembly.currentConnections,
            inFlight: pipeline.context.correlator.pendingCount)
        shared.analysis.withLock { $0 = figures }
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
