import Correlation
import InspectorCore
import NetworkLayers
import TCPReassembly
import TripleWire

/// Per-connection protocol detection from the first bytes (client preface → Triple, `0xdabb` → dubbo, anything
/// else → the dubbo decoder, which counts non-Dubbo bytes), and the Triple decoder once it said HTTP/2.
///
/// The dubbo path pays one comparison per delivery once decided, and three bytes and a pointer per connection: the
/// Triple decoder lives in a box made only for Triple connections.
struct ProtocolRouter {
    enum Decision: UInt8, Equatable { case undecided, dubbo, triple }

    /// The decoder of a Triple connection, boxed so a dubbo connection does not carry its size.
    final class TripleBox {
        var decoder: TripleConnectionDecoder
        init(_ decoder: TripleConnectionDecoder) { self.decoder = decoder }
    }

    private(set) var decision = Decision.undecided
    /// Whether each direction was seen from its start (nil: not opened yet).
    private var initiatorFromStart: Bool?
    private var responderFromStart: Bool?
    private var triple: TripleBox?

    mutating func opened(_ direction: StreamDirection, midstream: Bool) {
        if direction == .initiatorToResponder { initiatorFromStart = !midstream } else { responderFromStart = !midstream }
    }

    /// Routes a delivery; returns `true` when it went to Triple (the dubbo decoder must not see it).
    mutating func received(
        _ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime, connection: ConnectionEndpoints
    ) -> Bool {
        if decision == .undecided {
            let initiator = direction == .initiatorToResponder
            let fromStart = (initiator ? initiatorFromStart : responderFromStart) == true
            switch WireDetection.judge(bytes, fromStart: fromStart, initiator: initiator) {
            case .triple?:
                decision = .triple
                let bothFromStart = initiatorFromStart == true && fromStart
                triple = TripleBox(TripleConnectionDecoder(limits: connection.context.tripleLimits, midstream: !bothFromStart))
            case .dubbo?, .other?: decision = .dubbo
            case nil: return false  // too few bytes: the dubbo decoder keeps them, as before detection existed
            }
        }
        guard decision == .triple, let box = triple else { return false }
        box.decoder.receive(bytes, from: Self.side(direction), time: time) { call in connection.emit(call) }
        return true
    }

    /// A gap; `true` when the connection is Triple's.
    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime, connection: ConnectionEndpoints) -> Bool {
        guard decision == .triple, let box = triple else { return false }
        box.decoder.gap(length: length, from: Self.side(direction), time: time) { call in connection.emit(call) }
        return true
    }

    /// The connection ended: the Triple decoder's open streams are reported; returns its counters when it was Triple.
    mutating func closed(time: CaptureTime, connection: ConnectionEndpoints) -> TripleConnectionStats? {
        guard let box = triple.take() else { return nil }
        box.decoder.finish(time: time) { call in connection.emit(call) }
        return box.decoder.stats
    }

    private static func side(_ direction: StreamDirection) -> TripleSide {
        direction == .initiatorToResponder ? .client : .server
    }
}

/// Where a Triple connection's calls go: records with the connection's endpoints, to the shared context.
struct ConnectionEndpoints {
    let info: ConnectionInfo
    let context: AnalysisContext

    func emit(_ call: consuming TripleCall) {
        let initiatorIsClient = call.clientIsInitiator
        let record = CallRecord(
            triple: call, client: initiatorIsClient ? info.initiator : info.responder,
            server: initiatorIsClient ? info.responder : info.initiator
        )
        context.tripleRecords += 1
        context.emit(record)
    }
}
