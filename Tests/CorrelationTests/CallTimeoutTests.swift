import Correlation
import DubboWire
import Hessian2
import InspectorCore
import Testing

@Suite("Call timeout")
struct CallTimeoutTests {
    static func request(id: Int64, at micros: Int64, timeout: HessianValue?, connection: UInt64 = 1) -> FrameEvent {
        var body = DubboRequestBody()
        body.service = "org.example.Slow"
        body.method = "work"
        if let timeout { body.attachments = HessianMap(entries: [HessianMapEntry(key: .string("timeout"), value: timeout)]) }
        return CorrelatorTests.frame(request: true, id: id, at: micros, connection: connection, body: .request(body))
    }

    @Test("the timeout attachment is read as a decimal string or an int/long; anything else is no timeout")
    func attachmentForms() {
        #expect(CallTimeout.milliseconds(attachment: .string("3000")) == 3000)
        #expect(CallTimeout.milliseconds(attachment: .string(" 250 ")) == 250)
        #expect(CallTimeout.milliseconds(attachment: .int(100)) == 100)
        #expect(CallTimeout.milliseconds(attachment: .long(60_000)) == 60_000)
        #expect(CallTimeout.milliseconds(attachment: .string("0")) == 0)
        #expect(CallTimeout.milliseconds(attachment: nil) == nil)
        #expect(CallTimeout.milliseconds(attachment: .string("")) == nil)
        #expect(CallTimeout.milliseconds(attachment: .string("3s")) == nil)
        #expect(CallTimeout.milliseconds(attachment: .string("-5")) == nil)
        #expect(CallTimeout.milliseconds(attachment: .int(-1)) == nil)
        #expect(CallTimeout.milliseconds(attachment: .string("99999999999999999999")) == nil)
        #expect(CallTimeout.milliseconds(attachment: .long(Int64(Int32.max) + 1)) == nil)
        #expect(CallTimeout.milliseconds(attachment: .double(3000)) == nil)
        #expect(CallTimeout.milliseconds(attachment: .null) == nil)
    }

    @Test("an answer later than the timeout exceeds it, an answer within it does not")
    func answered() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.request(id: 1, at: 0, timeout: .string("100"))) { records.append($0) }
        correlator.frame(Self.request(id: 2, at: 10, timeout: .int(100))) { records.append($0) }
        correlator.frame(Self.request(id: 3, at: 20, timeout: nil)) { records.append($0) }
        correlator.frame(Self.request(id: 4, at: 30, timeout: .string("100"))) { records.append($0) }
        correlator.frame(CorrelatorTests.response(id: 1, at: 100_001)) { records.append($0) }
        correlator.frame(CorrelatorTests.response(id: 2, at: 100_010)) { records.append($0) }
        correlator.frame(CorrelatorTests.response(id: 3, at: 900_000)) { records.append($0) }
        correlator.frame(CorrelatorTests.response(id: 4, at: 500_000, status: 100)) { records.append($0) }
        #expect(records.map(\.timeoutMilliseconds) == [100, 100, nil, 100])
        // 100.001 ms late by one microsecond; exactly 100 ms is in time; an error answer is still an answer.
        #expect(records.map(\.timeoutExceeded) == [true, false, nil, true])
    }

    @Test("an unanswered call exceeds its timeout only when the capture ran past the deadline")
    func unanswered() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.request(id: 1, at: 0, timeout: .string("50"))) { records.append($0) }
        correlator.frame(Self.request(id: 2, at: 0, timeout: .string("5000"))) { records.append($0) }
        correlator.frame(Self.request(id: 3, at: 0, timeout: nil)) { records.append($0) }
        correlator.finish(at: CaptureTime(nanosecondsSinceEpoch: 60_000_000)) { records.append($0) }
        #expect(records.map(\.outcome) == [.noResponse, .noResponse, .noResponse])
        #expect(records.map(\.timeoutExceeded) == [true, nil, nil])
        #expect(records.allSatisfy { $0.unansweredUntil == CaptureTime(nanosecondsSinceEpoch: 60_000_000) })
    }

    @Test("a connection closed after the deadline judges its unanswered calls by the latest time seen")
    func closedConnection() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.request(id: 1, at: 0, timeout: .string("50"), connection: 1)) { records.append($0) }
        correlator.frame(Self.request(id: 2, at: 10, timeout: .string("50"), connection: 2)) { records.append($0) }
        // Traffic on another connection moves capture time past both deadlines.
        correlator.frame(Self.request(id: 3, at: 80_000, timeout: nil, connection: 3)) { records.append($0) }
        correlator.connectionClosed(1) { records.append($0) }
        #expect(records.map(\.requestID) == [1])
        #expect(records[0].timeoutExceeded == true)
        correlator.expire(now: CaptureTime(nanosecondsSinceEpoch: 90_000_000)) { records.append($0) }
        correlator.finish { records.append($0) }
        #expect(records.map(\.requestID) == [1, 2, 3])
        #expect(records[1].unansweredUntil == CaptureTime(nanosecondsSinceEpoch: 90_000_000))
        #expect(records[1].timeoutExceeded == true)
    }

    @Test("a request given up when its connection closes has waited until the latest packet, whatever carried it")
    func clockFromPackets() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        correlator.frame(Self.request(id: 1, at: 0, timeout: .string("50"), connection: 1)) { records.append($0) }
        // No frame anywhere since, but packets (acks, other protocols) show the capture ran on to 80 ms.
        correlator.advanceClock(to: CaptureTime(nanosecondsSinceEpoch: 80_000_000))
        correlator.advanceClock(to: CaptureTime(nanosecondsSinceEpoch: 70_000_000))
        correlator.connectionClosed(1) { records.append($0) }
        #expect(records.map(\.requestID) == [1])
        #expect(records[0].unansweredUntil == CaptureTime(nanosecondsSinceEpoch: 80_000_000))
        #expect(records[0].timeoutExceeded == true)
    }

    @Test("one-way calls are never judged against a timeout")
    func oneway() {
        var correlator = Correlator()
        var records: [CallRecord] = []
        var body = DubboRequestBody()
        body.attachments = HessianMap(entries: [HessianMapEntry(key: .string("timeout"), value: .string("1"))])
        correlator.frame(CorrelatorTests.frame(request: true, twoWay: false, id: 1, at: 0, body: .request(body))) {
            records.append($0)
        }
        correlator.finish(at: CaptureTime(nanosecondsSinceEpoch: 1_000_000_000)) { records.append($0) }
        #expect(records.map(\.outcome) == [.oneway])
        #expect(records[0].timeoutMilliseconds == 1)
        #expect(records[0].timeoutExceeded == nil)
    }
}
