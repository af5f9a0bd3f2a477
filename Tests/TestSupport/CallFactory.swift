package import Correlation
import DubboWire
package import Hessian2
package import InspectorCore
package import NetworkLayers

/// Builds call records the way the correlator emits them, with every time given in microseconds after `epoch`.
package enum CallFactory {
    /// 2023-11-14T22:13:20Z.
    package static let epoch: Int64 = 1_700_000_000_000_000
    package static let client = Endpoint(address: IPAddress(10, 0, 0, 5), port: 40_000)
    package static let server = Endpoint(address: IPAddress(10, 0, 0, 9), port: 20_880)

    package static func time(_ microseconds: Int64) -> CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: (epoch + microseconds) * 1_000)
    }

    package struct Call {
        package var service = "com.example.OrderService"
        package var method = "place"
        package var start: Int64 = 0
        /// Request first → last byte.
        package var requestTransfer: Int64 = 0
        /// Request last byte → response first byte; nil: no response.
        package var server: Int64? = 1_000
        /// Response first → last byte.
        package var responseTransfer: Int64 = 0
        package var status: UInt8 = 20
        package var exceptionClass: String?
        package var errorMessage: String?
        package var requestBytes: Int32 = 120
        package var responseBytes: Int32 = 40
        package var client = CallFactory.client
        package var serverEndpoint = CallFactory.server
        package var id: Int64 = 1
        package var arguments: [HessianValue] = [.string("item-1"), .int(3)]
        package var oneway = false
        package var quality: CallQuality = []

        package init() {}
    }

    package static func record(_ call: Call) -> CallRecord {
        var body = DubboRequestBody()
        body.dubboVersion = "2.0.2"
        body.service = call.service
        body.method = call.method
        body.version = ""
        body.parameterDescriptor = "Ljava/lang/String;I"
        body.arguments = call.arguments
        body.argumentsDecoded = true
        let requestStart = time(call.start)
        let request = DubboFrameInfo(
            header: DubboFrameHeader(flags: call.oneway ? 0x82 : 0xC2, status: 0, requestID: call.id,
                                     bodyLength: call.requestBytes),
            streamOffset: 0, firstByteTime: requestStart, lastByteTime: time(call.start + call.requestTransfer),
            bodyState: .complete, foundByResync: false)
        var record = CallRecord(
            kind: call.oneway ? .oneway : .call, client: call.client, server: call.serverEndpoint, requestID: call.id,
            serialization: .hessian2, requestFrame: request, request: body,
            outcome: call.oneway ? .oneway : .noResponse, quality: call.quality)
        guard !call.oneway, let server = call.server else { return record }
        let responseStart = call.start + call.requestTransfer + server
        record.responseFrame = DubboFrameInfo(
            header: DubboFrameHeader(flags: 0x02, status: call.status, requestID: call.id, bodyLength: call.responseBytes),
            streamOffset: 0, firstByteTime: time(responseStart), lastByteTime: time(responseStart + call.responseTransfer),
            bodyState: .complete, foundByResync: false)
        var response = DubboResponseBody()
        if call.status != 20 {
            response.errorMessage = call.errorMessage ?? "failed"
            record.outcome = .error
        } else if let exceptionClass = call.exceptionClass {
            response.resultFlag = .exception
            response.exception = .object(HessianObject(
                className: exceptionClass, fieldNames: ["detailMessage"], fieldValues: [.string("boom")]))
            record.outcome = .exception
        } else {
            response.resultFlag = .value
            response.value = .string("done")
            record.outcome = .ok
        }
        record.response = response
        return record
    }

    package static func heartbeat(start: Int64, rtt: Int64?, client: Endpoint = client, id: Int64 = 1_000_000) -> CallRecord {
        let request = DubboFrameInfo(
            header: DubboFrameHeader(flags: 0xE2, status: 0, requestID: id, bodyLength: 1), streamOffset: 0,
            firstByteTime: time(start), lastByteTime: time(start), bodyState: .complete, foundByResync: false)
        var record = CallRecord(
            kind: .heartbeat, client: client, server: server, requestID: id, serialization: .hessian2,
            requestFrame: request, outcome: .noResponse)
        if let rtt {
            record.responseFrame = DubboFrameInfo(
                header: DubboFrameHeader(flags: 0x22, status: 20, requestID: id, bodyLength: 1), streamOffset: 0,
                firstByteTime: time(start + rtt), lastByteTime: time(start + rtt), bodyState: .complete,
                foundByResync: false)
            record.outcome = .ok
        }
        return record
    }
}

/// Percentiles the exact way: nearest rank on the sorted values (the rule HdrHistogram approximates).
package enum Exact {
    /// `permille`: 500 for p50, 999 for p99.9.
    package static func percentile(_ sorted: [Int64], permille: Int) -> Int64 {
        precondition(!sorted.isEmpty)
        let rank = max(1, (permille * sorted.count + 999) / 1000)
        return sorted[rank - 1]
    }

    /// The report's promise: never below the exact value, at most 1/128 above (exact below 256).
    package static func withinPrecision(_ reported: Int64?, exact: Int64) -> Bool {
        guard let reported else { return false }
        if exact < 256 { return reported == exact }
        return reported >= exact && Double(reported - exact) <= Double(exact) / 128
    }
}
