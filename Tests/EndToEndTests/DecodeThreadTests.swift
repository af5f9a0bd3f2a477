import Correlation
import DubboWire
import Foundation
import Glibc
@testable import AnalysisPipeline
import InspectorCore
import TCPReassembly
import Testing
import TestSupport

/// Decoding on a thread of its own, or sharded over several (`ThreadedPacketPipeline`): the same events reach the
/// same decoders in the same order (a shard's, its connections'), so the records, their order and the summary must
/// be those of the single-threaded pipeline.
@Suite("Decoding on its own thread, or on several")
struct DecodeThreadTests {
    /// The records as JSON lines and the summary's text of one run.
    static func run(_ path: String, _ analysis: OfflineAnalysis) -> (lines: [String], summary: RunSummary) {
        final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
        let box = Box()
        let (summary, _) = analysis.run(paths: [path]) { box.records.append($0) }
        return (RecordPipeTests.lines(box.records), summary)
    }

    /// One decoding thread, and 2, 3 and 7 shards, against the single-threaded pipeline.
    static func expectSame(_ path: String, _ analysis: OfflineAnalysis, _ label: String) {
        var direct = analysis
        direct.decodesOnOwnThread = false
        direct.shards = 1
        let expected = run(path, direct)
        var threaded = direct
        threaded.decodesOnOwnThread = true
        var variants = [(threaded, label)]
        for shards in [2, 3, 7] {
            var sharded = direct
            sharded.shards = shards
            variants.append((sharded, "\(label), \(shards) shards"))
        }
        for (variant, name) in variants {
            let result = run(path, variant)
            #expect(result.lines == expected.lines, "\(name)")
            #expect(result.summary.text == expected.summary.text, "\(name)")
            #expect(result.summary.records == expected.summary.records, "\(name)")
        }
    }

    @Test(
        "every fixture and real capture (grpcio Triple, the Python stacks, DeepFlow's): same records, order and summary",
        arguments: [DubboBodyDecoder.Depth.full, .argumentsOnDemand, .metadata])
    func sameAsSingleThread(depth: DubboBodyDecoder.Depth) throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Captures.fixtures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(fixtures.count >= 20)
        var paths = fixtures.map { Captures.fixtures.appendingPathComponent($0).path }
        paths.append(try Captures.required(RepositoryPaths.testScripts.appendingPathComponent("captures/grpcio-http2.pcap")))
        paths.append(try Captures.required(Captures.shared.appendingPathComponent("generated/pyclients-loopback.pcap")))
        let external = Captures.shared.appendingPathComponent("external/deepflow")
        let deepflow = try FileManager.default.contentsOfDirectory(atPath: external.path).filter { $0.hasSuffix(".pcap") }
        #expect(deepflow.count >= 3)
        paths += deepflow.sorted().map { external.appendingPathComponent($0).path }
        for path in paths {
            for secondThread in [true, false] {
                let analysis = OfflineAnalysis(plan: DecodePlan(depth: depth), recordsOnSecondThread: secondThread)
                Self.expectSame(path, analysis, "\(URL(fileURLWithPath: path).lastPathComponent) records thread \(secondThread)")
            }
        }
    }

    /// 600 connections, one after another and overlapping, across 30 s of capture time: connections evicted by the
    /// flow limit, closed by FIN, left idle (closed by housekeeping), requests timing out, responses after a timeout;
    /// slots reused many times over.
    @Test("connections opened, evicted, idled out and closed, with timeouts: same records, order and summary")
    func housekeepingAndEviction() throws {
        var pcap = HostilePcap()
        var time: UInt64 = 1_700_000_000_000_000
        var open: [HostileConversation] = []
        for index in 0..<600 {
            var conversation = HostileConversation(
                clientPort: UInt16(20_000 + index), clientAddress: 0x0A00_0100 + UInt32(index % 7),
                startMicroseconds: time)
            conversation.handshake(into: &pcap)
            let request = HostileDubbo.request(id: Int64(index), body: HostileDubbo.requestBody(arguments: [0x91]))
            conversation.send(request, fromClient: true, into: &pcap)
            if index % 3 != 0 {
                conversation.send(HostileDubbo.okResponse(id: Int64(index)), fromClient: false, into: &pcap)
            }
            if index % 5 == 0 { conversation.close(into: &pcap) } else { open.append(conversation) }
            // Every so often an older connection speaks again: a late response, after its request timed out.
            if index % 11 == 0, var older = open.popLast() {
                older.microseconds = conversation.microseconds
                older.send(HostileDubbo.okResponse(id: Int64(index - 1)), fromClient: false, into: &pcap)
                conversation.microseconds = older.microseconds
            }
            time = conversation.microseconds + 50_000  // 600 connections over 30 s of capture time
        }
        let directory = try HostileDirectory()
        let path = try directory.write("churn.pcap", pcap.bytes)

        var limits = Limits()
        limits.maxFlows = 40
        limits.requestTimeoutSeconds = 2
        limits.flowIdleTimeoutSeconds = 3
        for depth in [DubboBodyDecoder.Depth.full, .argumentsOnDemand] {
            let analysis = OfflineAnalysis(limits: limits, plan: DecodePlan(depth: depth))
            Self.expectSame(path, analysis, "churn \(depth)")
        }
        // The paths this test is about were taken.
        var threaded = OfflineAnalysis(limits: limits, plan: .full)
        threaded.decodesOnOwnThread = true
        let (_, summary) = Self.run(path, threaded)
        #expect(summary.reassembly.flowEvictions > 0)
        #expect(summary.reassembly.connectionsOpened == 600)
        #expect(summary.correlation.timedOut > 0)
        #expect(summary.correlation.peakPending > 10)
        #expect(summary.records >= 600)
    }

    @Test("batches arrive in order on one other thread, and come back emptied to be filled again")
    func batchPipe() {
        struct Numbers: RecyclableBatch {
            var values: [Int] = []
            var isEmpty: Bool { values.isEmpty }
            mutating func recycle() { values.removeAll(keepingCapacity: true) }
        }
        final class Seen: @unchecked Sendable {
            var values: [Int] = []
            var threads = Set<UInt>()
            var capacities: [Int] = []
        }
        let seen = Seen()
        let pipe = BatchPipe<Numbers>(maxBatches: 2) { batch in
            seen.values += batch.values
            seen.threads.insert(UInt(pthread_self()))
            seen.capacities.append(batch.values.capacity)
            if batch.values.first.map({ $0 % 1_000 == 0 }) == true { usleep(1_000) }  // a slow consumer now and then
        }
        var batch = Numbers()
        var reused = 0
        for value in 0..<20_000 {
            batch.values.append(value)
            if batch.values.count == 100 {
                pipe.send(&batch)
                #expect(batch.isEmpty)
                if batch.values.capacity >= 100 { reused += 1 }
            }
        }
        pipe.send(&batch)  // empty: nothing is sent
        pipe.finish()
        #expect(seen.values == Array(0..<20_000))
        #expect(seen.threads.count == 1)
        #expect(!seen.threads.contains(UInt(pthread_self())))
        // Emptied batches came back to be filled again (not a fresh allocation per batch).
        #expect(reused > 100)
    }
}
