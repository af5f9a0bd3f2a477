package import Correlation
import Glibc
package import InspectorCore
package import PacketCapture
import TCPReassembly

/// The live analysis loop: drains the capture thread's queue through the same pipeline as `read`, until the
/// capture is over and the queue empty, then reports every pending call (as `no_response`) and the summary.
/// Runs on its own thread; when no packet comes, wall-clock time moves the pipeline on so requests time out.
package struct LiveAnalysis {
    /// What the loop has done so far, published at most four times a second for the live view and metrics.
    package struct Progress: Sendable {
        package var packets: UInt64 = 0
        package var bytes: UInt64 = 0
        package var gaps: UInt64 = 0
        package var gapBytes: UInt64 = 0
        package var connections = 0
        package var inFlight = 0

        package init() {}
    }

    package struct Outcome: Sendable {
        package var summary = RunSummary()
        package var pcapngPackets: Int?
        package var pcapngError: String?

        package init() {}
    }

    package let queue: PacketQueue
    package let limits: Limits
    package let plan: DecodePlan

    package init(queue: PacketQueue, limits: Limits, plan: DecodePlan) {
        self.queue = queue
        self.limits = limits
        self.plan = plan
    }

    /// - Parameters:
    ///   - pcapng: also writes every analysed packet here (`--write`).
    ///   - delivered: the capture thread's counters of what it delivered, read once at the end.
    ///   - onRecord: every finished record, on this thread, in order.
    ///   - publish: progress, on this thread.
    package func run(
        pcapng: PcapngWriter?, delivered: () -> CaptureStats, onRecord: @escaping (CallRecord) -> Void,
        publish: (Progress) -> Void
    ) -> Outcome {
        var records = 0
        var pipeline = PacketPipeline(limits: limits, plan: plan) { record in
            records += 1
            onRecord(record)
        }
        var batch = PacketQueue.Batch()
        var progress = Progress()
        var nextPublish = 0.0
        func publishProgress(force: Bool) {
            let now = SystemClock.monotonicSeconds
            guard force || now >= nextPublish else { return }
            nextPublish = now + 0.25
            let reassembly = pipeline.reassemblyStats
            progress.gaps = UInt64(max(0, reassembly.gaps))
            progress.gapBytes = UInt64(max(0, reassembly.gapBytes))
            progress.connections = reassembly.currentConnections
            progress.inFlight = pipeline.context.correlator.pendingCount
            publish(progress)
        }

        // Bounded by the capture: drain returns false once the capture thread has finished and all is drained.
        while queue.drain(into: &batch) {
            if batch.isEmpty {
                // Idle: let wall-clock time (less a margin for packets still in the kernel) expire requests.
                pipeline.advance(to: SystemClock.wallCaptureTime.adding(seconds: -1))
                publishProgress(force: false)
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
                    progress.packets += 1
                    progress.bytes += UInt64(header.length)
                }
            }
            publishProgress(force: false)
        }
        pipeline.finish()
        var outcome = Outcome()
        if let pcapng {
            do { try pcapng.flush() } catch { outcome.pcapngError = "\(error)" }
            outcome.pcapngPackets = pcapng.packetsWritten
        }
        publishProgress(force: true)
        outcome.summary = pipeline.summary(capture: delivered(), records: records)
        return outcome
    }
}
