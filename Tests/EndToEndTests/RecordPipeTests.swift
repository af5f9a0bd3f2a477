import Correlation
import DubboWire
import Foundation
import Glibc
@testable import InspectorCLI
import InspectorCore
import NetworkLayers
import Testing

/// The hand-off of records to the output thread: nothing lost, nothing reordered, all done when `finish` returns.
@Suite("Records on a second thread")
struct RecordPipeTests {
    static func record(_ id: Int64) -> CallRecord {
        CallRecord(
            kind: .call, client: Endpoint(address: IPAddress(10, 0, 0, 1), port: 40000),
            server: Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880), requestID: id,
            serialization: .hessian2, outcome: .ok)
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

    @Test("a pipe with no records finishes at once")
    func empty() {
        let pipe = RecordPipe { _ in Issue.record("no record was sent") }
        pipe.finish()
    }

    @Test("every fixture gives the same records in the same order with and without the second thread")
    func sameRecordsEitherWay() throws {
        for name in ["basic", "reorder", "segmentation", "gaps", "midstream", "ipv6", "events"] {
            let path = Captures.fixtures.appendingPathComponent("\(name).pcap").path
            var direct: [CallRecord] = []
            var piped: [CallRecord] = []
            _ = OfflineAnalysis(recordsOnSecondThread: false).run(paths: [path]) { direct.append($0) }
            final class Box: @unchecked Sendable { var records: [CallRecord] = [] }
            let box = Box()
            _ = OfflineAnalysis(recordsOnSecondThread: true).run(paths: [path]) { box.records.append($0) }
            piped = box.records
            #expect(!direct.isEmpty, "\(name)")
            #expect(piped == direct, "\(name)")
        }
    }
}
