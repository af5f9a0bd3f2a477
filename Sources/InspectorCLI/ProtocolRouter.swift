import Correlation
import InspectorCore
import NetworkLayers
import TCPReassembly
import TripleWire

/// Per-connection protocol detection from the first bytes (client preface → Triple, `0xdabb` → dubbo, anything
/// else → the dubbo decoder, which counts non-Dubbo bytes), and the Triple decoder once it said HTTP/2.
///
/// The dubbo path pays one comparison per delivery once decided: detection looks only at a connection's first bytes.
struct ProtocolRouter {
    enum Decision: Equatable { case undecided, dubbo, triple }

    private(set) var decision = Decision.undecided
    private var triple: TripleConnectionDecoder?
    private var midstream: [StreamDirection: Bool] = [:]
    let limits: TripleLimits

    init(limits: TripleLimits) {
        self.limits = limits
    }

    mutating func opened(_ direction: StreamDirection, midstream: Bool) {
        self.midstream[direction] = midstream
    }

    /// Routes a delivery; returns `true` when it went to Triple (the dubbo decoder must not see it).
    mutating func received(
        _ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime, connection: ConnectionEndpoints
    ) -> Bool {
        if decision == .undecided {
            let fromStart = midstream[direction] == false
            switch WireDetection.judge(bytes, fromStart: fromStart, initiator: direction == .initiatorToResponder) {
            case .triple?:
                decision = .triple
                let bothFromStart = midstream[.initiatorToResponder] == false && fromStart
                triple = TripleConnectionDecoder(limits: limits, midstream: !bothFromStart)
            case .dubbo?, .other?: decision = .dubbo
            case nil: return false  // too few bytes: the dubbo decoder keeps them, as before detection existed
            }
        }
        guard decision == .triple, var decoder = triple.take() else { return false }
        decoder.receive(bytes, from: Self.side(direction), time: time) { call in connection.emit(call) }
        triple = decoder
        return true
    }

    /// A gap; `true` when the connection is Triple's.
    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime, connection: ConnectionEndpoints) -> Bool {
        guard decision == .triple, var decoder = triple.take() else { return false }
        decoder.gap(length: length, from: Self.side(direction), time: time) { call in connection.emit(call) }
        triple = decoder
        return true
    }

    /// The connection ended: the Triple decoder's open streams are reported; returns its counters when it was Triple.
    mutating func closed(time: CaptureTime, connection: ConnectionEndpoints) -> TripleConnectionStats? {
        guard var decoder = triple.take() else { return nil }
        decoder.finish(time: time) { call in connection.emit(call) }
        return decoder.stats
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
