import Correlation
import InspectorCore
import NetworkLayers
import TCPReassembly
import TripleWire

/// The consumer of a Triple (HTTP/2) connection, chosen by `ConnectionConsumer`: its calls go to the shared context
/// as records. The decoder lives in a box, so a `ConnectionConsumer` carries one pointer for it, not its size.
struct TripleConnection {
    final class State {
        var decoder: TripleConnectionDecoder
        init(_ decoder: TripleConnectionDecoder) { self.decoder = decoder }
    }

    let info: ConnectionInfo
    let context: AnalysisContext
    private let clientIsInitiator: Bool
    private let state: State

    /// - Parameters:
    ///   - midstream: the connection was not seen from its client preface on.
    ///   - clientIsInitiator: the TCP initiator is the HTTP/2 client (false when a connection picked up mid-stream
    ///     showed the port guess wrong).
    init(info: ConnectionInfo, context: AnalysisContext, midstream: Bool, clientIsInitiator: Bool) {
        self.info = info
        self.context = context
        self.clientIsInitiator = clientIsInitiator
        self.state = State(TripleConnectionDecoder(limits: context.tripleLimits, clientIsInitiator: clientIsInitiator, midstream: midstream))
    }

    func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        let (info, context) = (self.info, self.context)
        state.decoder.receive(bytes, from: side(direction), time: time) { Self.emit($0, info: info, context: context) }
    }

    func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        let (info, context) = (self.info, self.context)
        state.decoder.gap(length: length, from: side(direction), time: time) { Self.emit($0, info: info, context: context) }
    }

    func closed(_ end: StreamEnd, time: CaptureTime) {
        let (info, context) = (self.info, self.context)
        state.decoder.finish(time: time) { Self.emit($0, info: info, context: context) }
        context.tripleEnded(state.decoder.stats)
    }

    private func side(_ direction: StreamDirection) -> TripleSide {
        (direction == .initiatorToResponder) == clientIsInitiator ? .client : .server
    }

    private static func emit(_ call: consuming TripleCall, info: ConnectionInfo, context: AnalysisContext) {
        let initiatorIsClient = call.clientIsInitiator
        let record = CallRecord(
            triple: call, client: initiatorIsClient ? info.initiator : info.responder,
            server: initiatorIsClient ? info.responder : info.initiator
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
