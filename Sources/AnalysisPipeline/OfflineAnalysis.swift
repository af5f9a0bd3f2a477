public import Correlation
import DubboWire
public import InspectorCore
import PacketCapture
import TripleWire

/// Reads capture files through the whole pipeline and hands every finished record to `onRecord` as it completes.
/// The library face of `dubbo-inspect read`, used by the command and by tests.
public struct OfflineAnalysis {
    public var limits: Limits
    public var plan: DecodePlan
    public var filter: String?
    /// Hand records to `onRecord` on a second thread, so decoding and output use two cores (records still arrive
    /// in order, and all of them before `run` returns).
    public var recordsOnSecondThread: Bool

    public init(
        limits: Limits = .default, plan: DecodePlan = .full, filter: String? = nil,
        recordsOnSecondThread: Bool = true
    ) {
        self.limits = limits
        self.plan = plan
        self.filter = filter
        self.recordsOnSecondThread = recordsOnSecondThread
    }

    /// Problems met while reading, each a one-line message; the run goes on past them.
    public struct Problems: Sendable {
        /// Files that could not be opened at all.
        public var unreadableFiles: [String] = []
        /// Files that broke part-way (what came before the break was analysed).
        public var readErrors: [String] = []
    }

    /// Runs the analysis; returns the summary and the problems met. Never throws for bad input: every problem is
    /// reported and counted.
    public func run(paths: [String], onRecord: @escaping (CallRecord) -> Void) -> (RunSummary, Problems) {
        var problems = Problems()
        var readers: [PcapFileReader] = []
        for (index, path) in paths.enumerated() {
            do {
                readers.append(try PcapFileReader(path: path, filter: filter, sourceIndex: index))
            } catch {
                problems.unreadableFiles.append("\(error)")
            }
        }
        var records = 0
        let defersDubboBodies = recordsOnSecondThread && plan.defersBodiesToRecordThread
        let defersTripleValues = recordsOnSecondThread && plan.defersTripleValuesToRecordThread
        let deferred = defersDubboBodies || defersTripleValues ? DeferredDecoding(limits: limits, depth: plan.depth) : nil
        let pipe = recordsOnSecondThread
            ? RecordPipe { record in
                if let deferred { record.decodeDeferredBodies(with: &deferred.decoder) }
                onRecord(record)
                // Free what the record holds now, while it is in cache, rather than with its whole batch.
                record.releaseBodies()
            }
            : nil
        var pipeline = PacketPipeline(limits: limits, depth: plan.depth) { record in
            records += 1
            if let pipe { pipe.send(consume record) } else { onRecord(record) }
        }
        pipeline.context.defersDecoding = defersDubboBodies
        pipeline.context.defersTripleValues = defersTripleValues
        var source = MergedPacketSource(readers: readers)
        // Bounded: each call returns a packet, ends the input, or retires one file with an error.
        while true {
            do {
                guard let packet = try source.nextPacket() else { break }
                pipeline.process(packet)
            } catch {
                problems.readErrors.append("\(error)")
            }
        }
        pipeline.finish()
        pipe?.finish()

        var summary = pipeline.summary(capture: source.stats, records: records)
        summary.files = readers.count
        summary.failedFiles = problems.unreadableFiles.count
        if let deferred {
            summary.undecodedBodies += deferred.decoder.undecodedReasons.total
            summary.undecodedReasons.merge(deferred.decoder.undecodedReasons)
            summary.triple.messagesUndecoded += Int64(deferred.decoder.tripleMessagesUndecoded)
        }
        return (summary, problems)
    }
}

/// The record thread's body decoder when decoding is deferred (only that thread touches it while the run lasts).
private final class DeferredDecoding {
    var decoder: DeferredBodyDecoder

    init(limits: Limits, depth: DubboBodyDecoder.Depth) {
        decoder = DeferredBodyDecoder(limits: limits, depth: depth)
    }
}
