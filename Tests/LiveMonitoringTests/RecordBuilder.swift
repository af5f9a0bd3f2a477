import Correlation
import DubboWire
import InspectorCore
import NetworkLayers

/// Builds call records as the correlator would emit them, for feeding the live metrics.
enum RecordBuilder {
    static let client = Endpoint(address: IPAddress(127, 0, 0, 1), port: 40_000)
    static let server = Endpoint(address: IPAddress(127, 0, 0, 1), port: 20_880)
    /// 2023-11-14T22:13:20Z, a multiple of the 30 s window.
    static let epoch: Int64 = 1_700_000_010

    static func time(_ seconds: Double) -> CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: epoch * 1_000_000_000 + Int64(seconds * 1e9))
    }

    /// A two-way call at `start` seconds after `epoch`, answered with `status` after `latency` microseconds,
    /// or unanswered when `status` is nil.
    static func call(
        _ service: String, _ method: String, status: UInt8? = 20, latency: Int64 = 1_000, at start: Double = 0,
        id: Int64 = 1, outcome: CallOutcome? = nil, client: Endpoint = client, resync: Bool = false
    ) -> CallRecord {
        let requestTime = time(start)
        var body = DubboRequestBody()
        body.service = service
        body.method = method
        let request = DubboFrameInfo(
            header: DubboFrameHeader(flags: 0xC2, status: 0, requestID: id, bodyLength: 100), streamOffset: 0,
            firstByteTime: requestTime, lastByteTime: requestTime, bodyState: .complete, foundByResync: resync)
        var record = CallRecord(
            kind: .call, client: client, server: server, requestID: id, serialization: Serialization(id: 2),
            requestFrame: request, request: body, outcome: .noResponse)
        if let status {
            let responseTime = requestTime.adding(nanoseconds: latency * 1_000)
            record.responseFrame = DubboFrameInfo(
                header: DubboFrameHeader(flags: 0x02, status: status, requestID: id, bodyLength: 10), streamOffset: 0,
                firstByteTime: responseTime, lastByteTime: responseTime, bodyState: .complete, foundByResync: false)
            record.response = DubboResponseBody()
            record.outcome = outcome ?? (status == 20 ? .ok : .error)
        }
        return record
    }

    /// A two-way heartbeat from `client`, answered after `latency` µs or not at all.
    static func heartbeat(client: Endpoint = client, latency: Int64?, at start: Double = 0, id: Int64 = 99) -> CallRecord {
        let requestTime = time(start)
        let request = DubboFrameInfo(
            header: DubboFrameHeader(flags: 0xE2, status: 0, requestID: id, bodyLength: 1), streamOffset: 0,
            firstByteTime: requestTime, lastByteTime: requestTime, bodyState: .complete, foundByResync: false)
        var record = CallRecord(
            kind: .heartbeat, client: client, server: server, requestID: id, serialization: Serialization(id: 2),
            requestFrame: request, outcome: .noResponse)
        if let latency {
            let responseTime = requestTime.adding(nanoseconds: latency * 1_000)
            record.responseFrame = DubboFrameInfo(
                header: DubboFrameHeader(flags: 0x22, status: 20, requestID: id, bodyLength: 1), streamOffset: 0,
                firstByteTime: responseTime, lastByteTime: responseTime, bodyState: .complete, foundByResync: false)
            record.outcome = .ok
        }
        return record
    }
}

/// The sample lines of an exposition, keyed by `name{labels}`.
func samples(_ text: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let value = String(line[line.index(after: space)...])
        result[String(line[..<space])] = value == "+Inf" ? .infinity : Double(value)
    }
    return result
}
