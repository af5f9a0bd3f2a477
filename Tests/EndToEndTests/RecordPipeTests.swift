import Correlation
import DubboWire
import Foundation
import Glibc
@testable import AnalysisPipeline
import InspectorCore
import NetworkLayers
import LatencyReports
import RecordFormats
import RegistryJoin
import Testing
import TestSupport
import TripleWire

/// The hand-off of records to the output thread: nothing lost, nothing reordered, all done when `finish` returns.
@Suite("Records on a second thread")
struct RecordPipeTests {
    static func record(_ id: Int64) -> CallRecord {
        CallRecord(
            kind: .call, client: Endpoint(address: IPAddress(10, 0, 0, 1), port: 40000),
            server: Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880), requestID: id,
            serialization: .hessian2, outcome: .ok)
    }

    /// Every record as its JSON line, with the full payload.
    static func lines(_ records: [CallRecord]) -> [String] {
        let formatter = JSONLinesFormatter()
        return records.map { record in
            var writer = JSONWriter()
            formatter.write(record, to: &writer)
            return writer.string
        }
    }

    @Test("25 000 records (not a multiple of the batch size) arrive in order, on another thread, before finish returns")
    func orderAndCompleteness() {
        final class Seen: @unchecked Sendable {
            var ids: [Int64] = []
            var threads = Set<UInt>()
        }
        let seen = Seen()
        let pipe = RecordPipe { record in
            seen.ids.append(record.requestID)
            seen.threads.insert(UInt(pthread_self()))
            // A slow consumer: the producer must wait, not pile records up or drop them.
            if record.requestID % 5_000 == 0 { usleep(2_000) }
        }
        for id in 1...25_000 { pipe.send(Self.record(Int64(id))) }
        pipe.finish()
        #expect(seen.ids == Array(1...25_000))
        #expect(seen.threads.count == 1)
        #expect(!seen.threads.contains(UInt(pthread_self())))
    }

    /// A record whose complete bodies are 1 MiB each way.
    static func largeRecord(_ id: Int64) -> CallRecord {
        var record = record(id)
        let time = CaptureTime(nanosecondsSinceEpoch: id * 1_000)
        for isRequest in [true, false] {
            let info = DubboFrameInfo(
                header: DubboFrameHeader(flags: isRequest ? 0xC2 : 0x02, status: 20, requestID: id, bodyLength: 1 << 20),
                streamOffset: 0, firstByteTime: time, lastByteTime: time, bodyState: .complete, foundByResync: false)
            if isRequest { record.requestFrame = info } else { record.responseFrame = info }
        }
        return record
    }

    @Test("records with large bodies travel in smaller batches: what a stalled consumer holds stays near 64 MiB")
    func batchesBoundedByBodyBytes() {
        final class Gate: @unchecked Sendable {
            let open = DispatchSemaphore(value: 0)
            let sent = WaitableState(0)
        }
        let gate = Gate()
        let pipe = RecordPipe { _ in
            gate.open.wait()
            gate.open.signal()
        }
        // Records whose complete bodies are 1 MiB each way: two to a batch.
        #expect(Self.largeRecord(1).bodyFootprint == 2 << 20)
        let producer = PosixThread {
            for id in 1...1_000 {
                pipe.send(Self.largeRecord(Int64(id)))
                gate.sent.update { $0 = id }
            }
            pipe.finish()
        }
        // The consumer holds its first record: the producer stops once `maxBatches` batches wait, besides those the
        // consumer took at once (every batch waiting when it woke: up to `maxBatches` more).
        var stalledAt = 0
        for _ in 0..<200 {
            usleep(10_000)
            let now = gate.sent.read { $0 }
            if now == stalledAt, now > 0 { break }
            stalledAt = now
        }
        let perBatch = RecordPipe.maxBatchBodyBytes / (2 << 20)
        #expect(stalledAt > 0 && stalledAt <= (2 * RecordPipe.maxBatches + 1) * perBatch, "\(stalledAt)")
        gate.open.signal()
        producer.join()
        #expect(gate.sent.read { $0 } == 1_000)
    }

    @Test("a pipe with no records finishes at once")
    func empty() {
        let pipe = RecordPipe { _ in Issue.record("no record was sent") }
        pipe.finish()
    }

    @Test(
        "every fixture: the same records, order and summary with and without the record thread (which decodes at report depth)",
        arguments: [DubboBodyDecoder.Depth.full, .argumentsOnDemand, .metadata])
    func sameRecordsEitherWay(depth: DubboBodyDecoder.Depth) throws {
        let names = ["basic", "reorder", "segmentation", "gaps", "midstream", "ipv6", "events", "hessian-types",
                     "non-dubbo", "truncated-end", "snaplen"]
        // And a real grpcio Triple capture: its records' Dubbo-shaped bodies are filled on the record thread then.
        let triple = try Captures.required(RepositoryPaths.testScripts.appendingPathComponent("captures/grpcio-http2.pcap"))
        let paths = names.map { Captures.fixtures.appendingPathComponent("\($0).pcap").path } + [triple]
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            var direct: [CallRecord] = []
            let (directSummary, _) = OfflineAnalysis(plan: DecodePlan(depth: depth), recordsOnSecondThread: false).run(paths: [path]) {
                direct.append($0)
            }
            final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
            let box = Box()
            let (pipedSummary, _) = OfflineAnalysis(plan: DecodePlan(depth: depth), recordsOnSecondThread: true).run(paths: [path]) {
                box.records.append($0)
            }
            // Compared as rendered lines: `==` on records is false for equal NaN arguments (hessian-types has one).
            #expect(Self.lines(box.records) == Self.lines(direct), "\(name)")
            #expect(box.records.allSatisfy { $0.deferredRequestBody == nil && $0.deferredResponseBody == nil })
            #expect(pipedSummary.undecodedBodies == directSummary.undecodedBodies, "\(name)")
            #expect(pipedSummary.undecodedReasons == directSummary.undecodedReasons, "\(name)")
            #expect(pipedSummary.records == directSummary.records, "\(name)")
            if path == triple {
                #expect(box.records.filter { $0.kind == .call && $0.request?.service == "org.apache.dubbo.Demo" }.count == 3)
            }
        }
    }

    @Test("bodies that break (request, response) are flagged and counted the same when decoded on the record thread")
    func deferredDecodeErrors() throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        // A request whose service string claims more bytes than the body has; a response with result flag 9.
        let brokenRequest: [UInt8] = [0x05] + Array("2.0.2".utf8) + [0x30, 0xFF] + Array("short".utf8)
        conversation.send(HostileDubbo.frame(flags: 0xC2, id: 7, body: brokenRequest), fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.frame(flags: 0x02, status: 20, id: 7, body: [0x99]), fromClient: false, into: &pcap)
        // A clean exception response, whose outcome depends on the decoded result flag.
        let request: [UInt8] = [0x05] + Array("2.0.2".utf8) + [0x03] + Array("Svc".utf8) + [0x00, 0x01] + Array("m".utf8)
            + [0x00, 0x48, 0x5A]
        conversation.send(HostileDubbo.frame(flags: 0xC2, id: 8, body: request), fromClient: true, into: &pcap)
        let exception: [UInt8] = [0x90, 0x04] + Array("boom".utf8)
        conversation.send(HostileDubbo.frame(flags: 0x02, status: 20, id: 8, body: exception), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        let directory = try HostileDirectory()
        let path = try directory.write("broken.pcap", pcap.bytes)

        var direct: [CallRecord] = []
        let (directSummary, _) = OfflineAnalysis(plan: DecodePlan(depth: .argumentsOnDemand), recordsOnSecondThread: false)
            .run(paths: [path]) { direct.append($0) }
        final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
        let box = Box()
        let (summary, _) = OfflineAnalysis(plan: DecodePlan(depth: .argumentsOnDemand)).run(paths: [path]) { box.records.append($0) }

        #expect(directSummary.undecodedBodies == 2)
        #expect(summary.undecodedBodies == 2)
        // Counted by reason on whichever thread decoded them, numbers taken out, type bytes kept.
        for counted in [directSummary, summary] {
            #expect(counted.undecodedReasons.counts == [
                "hessian: truncated value": 1, "unknown result flag N": 1,
            ], "\(counted.undecodedReasons.counts)")
            #expect(counted.text.contains("decode errors by reason: hessian: truncated value 1; unknown result flag N 1"))
        }
        #expect(Self.lines(box.records) == Self.lines(direct))
        #expect(box.records.map(\.requestID) == [7, 8])
        #expect(box.records.first?.quality.contains(.requestUndecoded) == true)
        #expect(box.records.first?.quality.contains(.responseUndecoded) == true)
        #expect(box.records.last?.outcome == .exception)
        #expect(box.records.last?.request?.method == "m")
    }

    /// A record thread slower than the analysis thread: once batches wait for it, the analysis thread decodes the
    /// bodies it would have left as bytes. Which thread decoded a body must change nothing: the records, and the
    /// undecoded bodies counted by reason even past the cap on distinct reasons (which keeps the first it meets).
    @Test(
        "record thread behind: bodies decoded on the analysis thread instead, records and reason counts unchanged",
        arguments: [DubboBodyDecoder.Depth.full, .argumentsOnDemand, .metadata])
    func recordThreadBehind(depth: DubboBodyDecoder.Depth) throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        func request(descriptor: String) -> [UInt8] {
            [0x05] + Array("2.0.2".utf8) + [0x03] + Array("Svc".utf8) + [0x00, 0x01] + Array("m".utf8)
                + [UInt8(descriptor.utf8.count)] + Array(descriptor.utf8) + [0x48, 0x5A]
        }
        let callCount = 3_000
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var broken = 0
        for id in 0..<callCount {
            // Every 40th request has a malformed descriptor of its own: 75 distinct reasons, over the cap of 32.
            let descriptor = id % 40 == 0 ? "Q\(letters[id / 40 % 26])\(letters[id / 40 / 26])" : ""
            if !descriptor.isEmpty { broken += 1 }
            conversation.send(
                HostileDubbo.frame(flags: 0xC2, id: Int64(id), body: request(descriptor: descriptor)),
                fromClient: true, into: &pcap)
            conversation.send(
                HostileDubbo.frame(flags: 0x02, status: 20, id: Int64(id), body: [0x91, 0x91]),
                fromClient: false, into: &pcap)
        }
        conversation.close(into: &pcap)
        let directory = try HostileDirectory()
        let path = try directory.write("behind.pcap", pcap.bytes)

        var direct: [CallRecord] = []
        let (directSummary, _) = OfflineAnalysis(plan: DecodePlan(depth: depth), recordsOnSecondThread: false)
            .run(paths: [path]) { direct.append($0) }
        final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
        let box = Box()
        let (summary, _) = OfflineAnalysis(plan: DecodePlan(depth: depth)).run(paths: [path]) {
            // Held at the first record long enough for batches to pile up however slow the build (a sanitizer's
            // too), then slower than the analysis thread by far.
            usleep(box.records.isEmpty ? 2_000_000 : 100)
            box.records.append($0)
        }
        #expect(direct.count == callCount)
        // How many depends on the threads' pace (the first batches always go as bytes); some must have been decoded
        // each way.
        #expect(summary.bodiesDecodedForRecordThread > 0, "\(summary.bodiesDecodedForRecordThread)")
        #expect(summary.bodiesDecodedForRecordThread < callCount, "\(summary.bodiesDecodedForRecordThread)")
        #expect(directSummary.bodiesDecodedForRecordThread == 0)
        #expect(Self.lines(box.records) == Self.lines(direct))
        #expect(directSummary.undecodedBodies == broken)
        #expect(summary.undecodedBodies == broken)
        #expect(summary.undecodedReasons == directSummary.undecodedReasons)
        // The first 32 reasons met, in request order, and the other 43 together.
        #expect(summary.undecodedReasons.counts.count == UndecodedReasons.maxReasons + 1)
        #expect(summary.undecodedReasons.counts[UndecodedReasons.otherReason] == broken - UndecodedReasons.maxReasons)
        #expect(summary.undecodedReasons.counts["malformed parameter descriptor \"Qfb\""] == 1)
        #expect(summary.undecodedReasons.counts["malformed parameter descriptor \"Qgb\""] == nil)
        #expect(summary.text == directSummary.text)
        #expect(box.records.filter { $0.quality.contains(.requestUndecoded) }.count == broken)
    }

    /// The same for Triple: message values left as bytes while the record thread keeps up, decoded on the analysis
    /// thread while it is behind; a stream can end up with some of each (they are then all decoded at once).
    @Test("record thread behind on Triple traffic: values decoded on the analysis thread instead, records unchanged")
    func recordThreadBehindTriple() throws {
        let directory = try HostileDirectory()
        let path = directory.url.appendingPathComponent("triple.pcap").path
        let script = Captures.repositoryRoot.appendingPathComponent("Benchmarks/make_capture.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, path, "--calls", "3000", "--connections", "4", "--seed", "13",
                             "--protocol", "triple"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "make_capture.py --protocol triple failed")

        var direct: [CallRecord] = []
        let (directSummary, _) = OfflineAnalysis(plan: .full, recordsOnSecondThread: false).run(paths: [path]) {
            direct.append($0)
        }
        final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
        let box = Box()
        final class Pace: @unchecked Sendable { var slow = true }
        let pace = Pace()
        let (summary, _) = OfflineAnalysis(plan: .full).run(paths: [path]) {
            // Held at the first record so batches pile up, then slow for the first half, then quick: the analysis
            // thread decodes values while behind and leaves them again once the record thread catches up.
            usleep(box.records.isEmpty ? 2_000_000 : pace.slow ? 100 : 0)
            if box.records.count == 1_500 { pace.slow = false }
            box.records.append($0)
        }
        #expect(direct.count > 3_000)
        #expect(summary.tripleDeliveriesDecodedForRecordThread > 0)
        #expect(directSummary.tripleDeliveriesDecodedForRecordThread == 0)
        #expect(Self.lines(box.records) == Self.lines(direct))
        #expect(summary.text == directSummary.text)
        #expect(summary.triple.messagesUndecoded == directSummary.triple.messagesUndecoded)
        #expect(box.records.filter { $0.isTriple && $0.request?.arguments.isEmpty == false }.count > 2_500)
    }
}
