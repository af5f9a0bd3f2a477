import Glibc
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
    /// Decode and correlate on a thread of their own, while the calling thread reads the files and reassembles TCP
    /// (`ThreadedPacketPipeline`): the same records in the same order, from one more core.
    public var decodesOnOwnThread: Bool
    /// Decode and correlate on this many threads, each with its share of the connections, while the calling thread
    /// reads and reassembles; their records are merged back into the order one thread gives (`RecordMerge`) and
    /// handed to `onRecord` on the merging thread. 1: no sharding (`decodesOnOwnThread` says where decoding runs).
    public var shards: Int

    /// Whether a decoding thread pays off on this machine: with the record thread that makes three busy threads,
    /// which on two cores share them and slow dubbo traffic down (Triple report mode still gains; README, "How it runs").
    public static var decodeThreadPaysOff: Bool { onlineProcessors() >= 3 }

    /// The most decoding threads a run may have.
    public static let maxShards = 64

    /// Decoding threads when none are asked for: every core but the two the reading and record threads keep busy
    /// (README, "How it runs"); 1, no sharding, below four cores.
    public static var defaultShards: Int {
        let cores = onlineProcessors()
        return cores >= 4 ? min(maxShards, cores - 2) : 1
    }

    private static func onlineProcessors() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    public init(
        limits: Limits = .default, plan: DecodePlan = .full, filter: String? = nil,
        recordsOnSecondThread: Bool = true, decodesOnOwnThread: Bool = false, shards: Int = 1
    ) {
        self.shards = shards
        self.limits = limits
        self.plan = plan
        self.filter = filter
        self.recordsOnSecondThread = recordsOnSecondThread
        self.decodesOnOwnThread = decodesOnOwnThread
    }

    /// A call log rendered by a sharded run's shards, each its own records, in parallel; the record thread then only
    /// writes the renderings out in order. Ignored without sharding (`shards` 1): `onRecord` gets every record.
    public struct ShardRendering {
        /// Makes one renderer per shard, used by that shard's thread alone.
        public var makeRenderer: () -> ShardRenderer
        /// Gets each record's rendering, in order, on the record thread.
        public var write: (UnsafeRawBufferPointer) -> Void
        /// `onRecord` still gets the records (a report or an export beside the call log); otherwise each record is
        /// freed on its shard once rendered and `onRecord` is not called.
        public var keepsRecords: Bool

        public init(
            makeRenderer: @escaping () -> ShardRenderer, write: @escaping (UnsafeRawBufferPointer) -> Void,
            keepsRecords: Bool
        ) {
            self.makeRenderer = makeRenderer
            self.write = write
            self.keepsRecords = keepsRecords
        }
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
    ///
    /// With `rendering` and two or more shards, the shards render the records and `rendering.write` gets the
    /// renderings; `onRecord` gets the records only if `rendering.keepsRecords`.
    public func run(
        paths: [String], rendering: ShardRendering? = nil, onRecord: @escaping (CallRecord) -> Void
    ) -> (RunSummary, Problems) {
        var problems = Problems()
        var readers: [PcapFileReader] = []
        for (index, path) in paths.enumerated() {
            do {
                readers.append(try PcapFileReader(path: path, filter: filter, sourceIndex: index))
            } catch {
                problems.unreadableFiles.append("\(error)")
            }
        }
        let records = RecordCount()
        let sharded = shards > 1
        // Decoding is shared with the record thread by load (`AnalysisContext.recordPipe`); shards decode in
        // parallel themselves.
        let defersDubboBodies = recordsOnSecondThread && !sharded
        let defersTripleValues = recordsOnSecondThread && !sharded && plan.defersTripleValuesToRecordThread
        let deferred = defersDubboBodies || defersTripleValues ? DeferredDecoding(limits: limits, plan: plan) : nil
        // What the record thread does with each record, in place.
        let sink = { (record: inout CallRecord) in
            if let deferred { record.decodeDeferredBodies(with: &deferred.decoder) }
            onRecord(record)
            // Free what the record holds now, while it is in cache, rather than with its whole batch.
            record.releaseBodies()
        }
        let pipe = recordsOnSecondThread && !sharded ? RecordPipe(sink: sink) : nil
        let emit: Correlator.Emit = { record in
            records.count += 1
            if let pipe { pipe.send(consume record) } else { onRecord(record) }
        }
        deferred?.decoder.countsDeferrable = defersDubboBodies
        let configure = { (context: AnalysisContext) in
            context.defersDecoding = defersDubboBodies
            context.recordPipe = pipe
            context.defersTripleValues = defersTripleValues
        }
        var source = MergedPacketSource(readers: readers)
        var summary =
            if sharded {
                Self.analyse(
                    ThreadedPacketPipeline(
                        limits: limits, plan: plan, shards: shards, configure: configure,
                        rendering: rendering.map { Self.counting($0, in: records) },
                        sink: { record in
                            if rendering == nil { records.count += 1 }
                            sink(&record)
                        }),
                    source: &source, problems: &problems, recordPipe: nil, records: records)
            } else if decodesOnOwnThread {
                Self.analyse(
                    ThreadedPacketPipeline(limits: limits, plan: plan, configure: configure, emit: emit),
                    source: &source, problems: &problems, recordPipe: pipe, records: records)
            } else {
                Self.analyse(
                    PacketPipeline(limits: limits, plan: plan, configure: configure, emit: emit),
                    source: &source, problems: &problems, recordPipe: pipe, records: records)
            }
        summary.files = readers.count
        summary.failedFiles = problems.unreadableFiles.count
        if let deferred {
            summary.undecodedBodies += deferred.decoder.undecodedReasons.total
            summary.undecodedReasons.merge(deferred.decoder.undecodedReasons)
            summary.triple.messagesUndecoded += Int64(deferred.decoder.tripleMessagesUndecoded)
        }
        return (summary, problems)
    }

    /// `rendering`, counting the records as their renderings are written (every record has one; not every record
    /// reaches `onRecord`).
    private static func counting(_ rendering: ShardRendering, in records: RecordCount) -> ShardRendering {
        var counted = rendering
        let write = rendering.write
        counted.write = { bytes in
            records.count += 1
            write(bytes)
        }
        return counted
    }

    /// Every packet of every file, in capture order, through `pipeline`, then the end of input; waits for the
    /// record thread and returns the summary. Bounded: each round returns a packet, ends the input, or retires one
    /// file with an error.
    private static func analyse<Pipeline: PacketAnalysing>(
        _ pipeline: consuming Pipeline, source: inout MergedPacketSource, problems: inout Problems,
        recordPipe: RecordPipe?, records: RecordCount
    ) -> RunSummary {
        while true {
            do {
                guard let packet = try source.nextPacket() else { break }
                pipeline.process(packet)
            } catch {
                problems.readErrors.append("\(error)")
            }
        }
        pipeline.finish()
        recordPipe?.finish()
        return pipeline.summary(capture: source.stats, records: records.count)
    }
}

/// What `OfflineAnalysis` drives, on one thread (`PacketPipeline`) or two (`ThreadedPacketPipeline`).
protocol PacketAnalysing {
    mutating func process(_ packet: CapturedPacket)
    /// End of input: every connection closed, every record emitted.
    mutating func finish()
    func summary(capture: CaptureStats, records: Int) -> RunSummary
}

extension PacketPipeline: PacketAnalysing {}
extension ThreadedPacketPipeline: PacketAnalysing {}

/// Renders one record of a call log, appending it to the writer (a shard's, used by that shard's thread alone).
public typealias ShardRenderer = (CallRecord, inout JSONWriter) -> Void

/// Records emitted so far, counted on whichever thread emits them (one at a time; read after it has finished).
private final class RecordCount: @unchecked Sendable {
    var count = 0
}

/// The record thread's body decoder when decoding is deferred (only that thread touches it while the run lasts).
private final class DeferredDecoding {
    var decoder: DeferredBodyDecoder

    init(limits: Limits, plan: DecodePlan) {
        decoder = DeferredBodyDecoder(
            limits: limits, depth: plan.depth, requestAttachmentKeys: plan.requestAttachmentKeys)
    }
}
