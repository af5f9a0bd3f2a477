import Correlation
import InspectorCore
import NetworkLayers
import TCPReassembly
import TripleWire

/// The consumer of a Triple (HTTP/2) connection, chosen by `ConnectionConsumer`: its calls go to the shared context
/// as records. A class, so a `ConnectionConsumer` carries one pointer for it (nothing for a Dubbo connection beyond
/// that) and passing bytes to it copies nothing.
final class TripleConnection {
    let info: ConnectionInfo
    let context: AnalysisContext
    private let clientIsInitiator: Bool
    private var decoder: TripleConnectionDecoder

    /// - Parameters:
    ///   - midstream: the connection was not seen from its client preface on.
    ///   - clientIsInitiator: the TCP initiator is the HTTP/2 client (false when a connection picked up mid-stream
    ///     showed the port guess wrong).
    init(info: ConnectionInfo, context: AnalysisContext, midstream: Bool, clientIsInitiator: Bool) {
        self.info = info
        self.context = context
        self.clientIsInitiator = clientIsInitiator
        var limits = context.tripleLimits
        limits.defersValues = context.defersTripleValues
        self.decoder = TripleConnectionDecoder(
            limits: limits, clientIsInitiator: clientIsInitiator, midstream: midstream, headerMemory: context.headerBlocks)
    }

    func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        // Values are left to the record thread while it keeps up, and decoded here while it is behind, as dubbo
        // bodies are (`AnalysisContext.recordPipe`).
        if context.defersTripleValues {
            let behind = context.recordPipe?.isBehind == true
            decoder.defersValues = !behind
            if behind { context.tripleDeliveriesDecodedForRecordThread += 1 }
        }
        decoder.receive(bytes, from: side(direction), time: time) { Self.emit($0, info: info, context: context) }
    }

    func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        decoder.gap(length: length, from: side(direction), time: time) { Self.emit($0, info: info, context: context) }
    }

    func closed(_ end: StreamEnd, time: CaptureTime) {
        decoder.finish(time: time) { Self.emit($0, info: info, context: context) }
        context.tripleEnded(decoder.stats)
    }

    private func side(_ direction: StreamDirection) -> TripleSide {
        (direction == .initiatorToResponder) == clientIsInitiator ? .client : .server
    }

    private static func emit(_ box: TripleCallBox, info: ConnectionInfo, context: AnalysisContext) {
        let initiatorIsClient = box.call.clientIsInitiator
        let record = CallRecord(
            triple: box, client: initiatorIsClient ? info.initiator : info.responder,
            server: initiatorIsClient ? info.responder : info.initiator,
            deferringBodies: context.defersDecoding || context.defersTripleValues
        )
        context.tripleRecords += 1
        switch record.kind {
        case .heartbeat: context.tripleKinds.heartbeats += 1
        case .orphanResponse: context.tripleKinds.orphanResponses += 1
        case .call where record.outcome == .noResponse: context.tripleKinds.noResponse += 1
        case .call: context.tripleKinds.calls += 1
        case .oneway, .event: break
        }
        context.emit(record)
    }
}
