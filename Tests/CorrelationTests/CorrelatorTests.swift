import Correlation
import DubboWire
import InspectorCore
import NetworkLayers
import Testing

@Suite("Correlator")
struct CorrelatorTests {
    static let client = Endpoint(address: .v4(0x0A00_0001), port: 40000)
    static let server = Endpoint(address: .v4(0x0A00_0002), port: 20880)

    static func frame(
        request: Bool, twoWay: Bool = true, event: Bool = false, status: UInt8 = 0, id: Int64, at micros: Int64,
        connection: UInt64 = 1, from source: Endpoint = client, to destination: Endpoint = server,
        body: DubboBody = .missing
    ) -> FrameEvent {
        var flags: UInt8 = 0x02
        if request { flags |= 0x80 }
        if twoWay && request { flags |= 0x40 }
        if event { flags |= 0x20 }
        let time = CaptureTime(nanosecondsSinceEpoch: micros * 1_000)
        let info = DubboFrameInfo(
            header: DubboFrameHeader(flags: flags, status: status, requestID: id, bodyLength: 10),
            streamOffset: 0, firstByteTime: time, lastByteTime: time.adding(nanoseconds: 5_000),
            bodyState: .complete, foundByResync: false)
        return FrameEvent(connection: connection, source: source, destination: destination, info: info, body: body)
    }

    static func response(id: Int64, at micros: Int64, status: UInt8 = 20, connection: UInt64 = 1,
                         from source: Endpoint = server, to destination: Endpoint = client,
                         flag: ResultFlag = .value) -> FrameEvent {
        var body = DubboResponseBody()
        body.resultFlag = status == 20 ? flag : nil
        return frame(request: false, status: status, id: id, at: micros, connection: connection,
                     from: source, to: destination, body: .response(body))
    }

    @Test("responses answered out of order pair by id, emitted as they complete")
    func outOfOrder() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        for id in 1...3 { correlator.frame(Self.frame(request: true, id: Int64(id), at: Int64(id) * 10)) { records.append($0) } }
        correlator.frame(Self.response(id: 3, at: 100)) { records.append($0) }
        correlator.frame(Self.response(id: 1, at: 200)) { records.append($0) }
        correlator.frame(Self.response(id: 2, at: 300)) { records.append($0) }
        #expect(records.map(\.requestID) == [3, 1, 2])
        #expect(records.map(\.latencyMicroseconds) == [70, 190, 280])
        #expect(records.allSatisfy { $0.outcome == .ok && $0.kind == .call })
        #expect(correlator.pendingCount == 0)
    }

    @Test("the same id from both ends of one connection is two different calls")
    func bothDirections() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, id: 7, at: 0)) { records.append($0) }
        correlator.frame(Self.frame(request: true, id: 7, at: 5, from: Self.server, to: Self.client)) { records.append($0) }
        correlator.frame(Self.response(id: 7, at: 50, from: Self.client, to: Self.server)) { records.append($0) }
        correlator.frame(Self.response(id: 7, at: 90)) { records.append($0) }
        #expect(records.count == 2)
        #expect(records[0].client == Self.server && records[0].latencyMicroseconds == 45)
        #expect(records[1].client == Self.client && records[1].latencyMicroseconds == 90)
    }

    @Test("the full 64-bit id is the key: ids equal in their low 32 bits do not pair")
    func fullWidthIDs() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        let wideID: Int64 = 1 << 32 | 5
        correlator.frame(Self.frame(request: true, id: wideID, at: 0)) { records.append($0) }
        correlator.frame(Self.response(id: 5, at: 10)) { records.append($0) }
        #expect(records.map(\.kind) == [.orphanResponse])
        correlator.finish { records.append($0) }
        #expect(records.last?.outcome == .noResponse)
        #expect(records.last?.requestID == wideID)
    }

    @Test("one-way requests are emitted at once; status and result flag decide the outcome")
    func outcomes() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, twoWay: false, id: 1, at: 0)) { records.append($0) }
        #expect(records.last?.outcome == .oneway && records.last?.kind == .oneway)
        correlator.frame(Self.frame(request: true, id: 2, at: 0)) { records.append($0) }
        correlator.frame(Self.response(id: 2, at: 10, status: 70)) { records.append($0) }
        #expect(records.last?.outcome == .error)
        correlator.frame(Self.frame(request: true, id: 3, at: 0)) { records.append($0) }
        correlator.frame(Self.response(id: 3, at: 10, flag: .exceptionWithAttachments)) { records.append($0) }
        #expect(records.last?.outcome == .exception)
    }

    @Test("closing a connection reports its pending requests; other connections keep theirs")
    func connectionClose() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, id: 1, at: 0, connection: 1)) { records.append($0) }
        correlator.frame(Self.frame(request: true, id: 1, at: 0, connection: 2)) { records.append($0) }
        correlator.connectionClosed(1) { records.append($0) }
        #expect(records.count == 1 && records[0].outcome == .noResponse)
        #expect(correlator.pendingCount == 1)
    }

    @Test("the timeout expires old requests by capture time only")
    func timeout() {
        var limits = Limits()
        limits.requestTimeoutSeconds = 1
        var correlator = Correlator(limits: limits)
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, id: 1, at: 0)) { records.append($0) }
        correlator.frame(Self.frame(request: true, id: 2, at: 900_000)) { records.append($0) }
        correlator.expire(now: CaptureTime(nanosecondsSinceEpoch: 1_500_000_000)) { records.append($0) }
        #expect(records.map(\.requestID) == [1])
        #expect(correlator.stats.timedOut == 1)
        correlator.frame(Self.response(id: 2, at: 1_600_000)) { records.append($0) }
        #expect(records.last?.outcome == .ok)
    }

    @Test("the timeout gives up every request past the deadline, also one behind a later request still in time")
    func timeoutBehindLaterRequest() {
        var limits = Limits()
        limits.requestTimeoutSeconds = 1
        var correlator = Correlator(limits: limits)
        var records: [CallRecord] = []
        // Request 2 started first but its frame completed second (a slow upload): it waits behind request 1.
        correlator.frame(Self.frame(request: true, id: 1, at: 900_000)) { records.append($0) }
        correlator.frame(Self.frame(request: true, id: 2, at: 0)) { records.append($0) }
        correlator.expire(now: CaptureTime(nanosecondsSinceEpoch: 1_500_000_000)) { records.append($0) }
        #expect(records.map(\.requestID) == [2])
        #expect(correlator.pendingCount == 1)
        correlator.expire(now: CaptureTime(nanosecondsSinceEpoch: 2_000_000_000)) { records.append($0) }
        #expect(records.map(\.requestID) == [2, 1])
        #expect(correlator.stats.timedOut == 2)
        #expect(correlator.pendingCount == 0)
    }

    @Test("requests are numbered in request order, from where advanceSequence puts the count (never back)")
    func requestOrder() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, id: 1, at: 0)) { records.append($0) }
        correlator.advanceSequence(to: 100)
        correlator.frame(Self.frame(request: true, id: 2, at: 1)) { records.append($0) }
        correlator.advanceSequence(to: 50)
        correlator.frame(Self.frame(request: true, id: 3, at: 2)) { records.append($0) }
        correlator.finish { records.append($0) }
        #expect(records.map(\.requestID) == [1, 2, 3])
        #expect(records.map(\.requestOrder) == [0, 100, 101])
    }

    @Test("pending requests are capped: the oldest is evicted, marked, and counted")
    func pendingCap() {
        var limits = Limits()
        limits.maxPendingRequests = 100
        var correlator = Correlator(limits: limits)
        var records: [CallRecord] = []
        for id in 0..<1000 { correlator.frame(Self.frame(request: true, id: Int64(id), at: Int64(id))) { records.append($0) } }
        #expect(correlator.pendingCount == 100)
        #expect(records.count == 900)
        #expect(records.first?.requestID == 0)
        #expect(records.allSatisfy { $0.quality.contains(.evicted) && $0.outcome == .noResponse })
        #expect(correlator.stats.evictedPending == 900)
    }

    @Test("at the cap, a reused id replaces its own request and evicts nothing else")
    func duplicateAtCap() {
        var limits = Limits()
        limits.maxPendingRequests = 3
        var correlator = Correlator(limits: limits)
        var records: [CallRecord] = []
        for id in 1...3 { correlator.frame(Self.frame(request: true, id: Int64(id), at: Int64(id))) { records.append($0) } }
        correlator.frame(Self.frame(request: true, id: 2, at: 10)) { records.append($0) }
        #expect(records.map(\.requestID) == [2])
        #expect(records.first?.quality.contains(.evicted) == false)
        #expect(correlator.pendingCount == 3)
        // The next new id is over the cap: the oldest other request (1) goes, not the replaced one.
        correlator.frame(Self.frame(request: true, id: 4, at: 11)) { records.append($0) }
        #expect(records.map(\.requestID) == [2, 1])
        #expect(records.last?.quality.contains(.evicted) == true)
        for id: Int64 in [2, 3, 4] { correlator.frame(Self.response(id: id, at: 20)) { records.append($0) } }
        #expect(records.dropFirst(2).map(\.outcome) == [.ok, .ok, .ok])
        #expect(records.dropFirst(2).map(\.requestOrder) == [3, 2, 4])
        #expect(correlator.stats.duplicateRequestIDs == 1)
        #expect(correlator.stats.evictedPending == 1)
        #expect(correlator.pendingCount == 0)
    }

    @Test("a reused id while the first is pending reports the first as unanswered")
    func duplicateID() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, id: 1, at: 0)) { records.append($0) }
        correlator.frame(Self.frame(request: true, id: 1, at: 10)) { records.append($0) }
        correlator.frame(Self.response(id: 1, at: 30)) { records.append($0) }
        #expect(records.map(\.outcome) == [.noResponse, .ok])
        #expect(records.last?.latencyMicroseconds == 20)
        #expect(correlator.stats.duplicateRequestIDs == 1)
    }

    @Test("heartbeats are timed like calls")
    func heartbeats() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.frame(request: true, event: true, id: 9, at: 0, body: .heartbeat)) { records.append($0) }
        correlator.frame(Self.frame(request: false, event: true, status: 20, id: 9, at: 140, from: Self.server, to: Self.client, body: .heartbeat)) { records.append($0) }
        #expect(records.map(\.kind) == [.heartbeat])
        #expect(records.first?.latencyMicroseconds == 140)
        #expect(correlator.stats.heartbeats == 1)
    }

    @Test("memory follows what is pending: 200 000 answered calls leave nothing behind")
    func noGrowth() {
        var correlator = Correlator()
        var count = 0
        for id in 0..<200_000 {
            correlator.frame(Self.frame(request: true, id: Int64(id), at: Int64(id))) { _ in count += 1 }
            correlator.frame(Self.response(id: Int64(id), at: Int64(id) + 1)) { _ in count += 1 }
        }
        #expect(count == 200_000)
        #expect(correlator.pendingCount == 0)
    }
}
