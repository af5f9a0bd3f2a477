import Correlation
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers
@testable import TelemetryExport

/// Records and calls for the tests, with the fixtures' addresses (client 10.0.0.1:54228, server 10.0.0.2:20880).
enum CallBuilders {
    static let client = Endpoint(address: IPAddress(10, 0, 0, 1), port: 54_228)
    static let server = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20_880)
    static let base = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)

    static func frame(request: Bool, id: Int64, status: UInt8 = 0, at micros: Int64, twoWay: Bool = true)
        -> DubboFrameInfo
    {
        var flags: UInt8 = 2  // hessian2
        if request { flags |= 0x80 }
        if request && twoWay { flags |= 0x40 }
        let time = base.adding(nanoseconds: micros * 1_000)
        return DubboFrameInfo(
            header: DubboFrameHeader(flags: flags, status: status, requestID: id, bodyLength: 10),
            streamOffset: 0, firstByteTime: time, lastByteTime: time, bodyState: .complete, foundByResync: false)
    }

    /// A two-way call of `service.method` answered `status` `latency` µs after a request sent at `start` µs.
    static func record(
        id: Int64 = 3, service: String = "org.apache.dubbo.demo.DemoService", method: String = "sayHello",
        status: UInt8? = 20, start: Int64 = 363, latency: Int64 = 1_489, attachments: [(String, HessianValue)] = [],
        exception: HessianValue? = nil, errorMessage: String? = nil
    ) -> CallRecord {
        var request = DubboRequestBody()
        request.dubboVersion = "2.0.2"
        request.service = service
        request.version = "0.0.0"
        request.method = method
        request.attachments = HessianMap(entries: attachments.map { HessianMapEntry(key: .string($0.0), value: $0.1) })
        var response: DubboResponseBody?
        var outcome = CallOutcome.noResponse
        if let status {
            var body = DubboResponseBody()
            if status == 20 {
                body.resultFlag = exception == nil ? .value : .exception
                body.exception = exception
                outcome = exception == nil ? .ok : .exception
            } else {
                body.errorMessage = errorMessage
                outcome = .error
            }
            response = body
        }
        return CallRecord(
            kind: .call, client: client, server: server, requestID: id, serialization: .hessian2,
            requestFrame: frame(request: true, id: id, at: start), request: request,
            responseFrame: status.map { frame(request: false, id: id, status: $0, at: start + latency) },
            response: response, outcome: outcome)
    }

    static func call(
        id: Int64, method: String = "sayHello", status: UInt8? = 20, start: Int64, latency: Int64 = 1_000
    ) -> ExportedCall {
        ExportedCall(record(id: id, method: method, status: status, start: start, latency: latency), includeAttachments: false)!
    }
}
