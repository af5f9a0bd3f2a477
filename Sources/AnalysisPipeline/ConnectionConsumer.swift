import DubboWire
import InspectorCore
import NetworkLayers
import TCPReassembly
import TripleWire

/// Reassembly's consumer for one TCP connection, and the one place where a connection's wire protocol is chosen:
/// by the first bytes its client sends. After that every event goes to that protocol's consumer through a switch
/// over a plain enum, so the Dubbo path pays one predictable branch, no existential and no allocation.
struct ConnectionConsumer: TCPStreamConsumer {
    /// The wire protocols told apart by a connection's first bytes.
    enum WireProtocol: Sendable, Equatable {
        /// No payload yet, or only a prefix of the HTTP/2 client preface.
        case undetermined
        /// `0xdabb` frames, and everything not recognised as another protocol: the Dubbo decoder scans such bytes
        /// for a plausible header and counts what it skips (non-Dubbo bytes), as it always has.
        case dubbo
        /// HTTP/2 (the client preface `PRI * HTTP/2.0…`, or plausible frame headers mid-stream): Dubbo 3's Triple
        /// protocol, decoded by `TripleConnection`.
        case triple
    }

    private(set) var wire: WireProtocol = .undetermined
    /// Stored, not an enum payload, so the hot path mutates it in place (an enum payload would be moved out and
    /// back for every delivery).
    private var dubbo: DubboConnection
    private var triple: TripleConnection?
    /// Triple chosen from frame headers, not from the client preface: the decoder starts looking for frames.
    private var tripleMidstream = false
    private var sniffer = PrefaceSniffer()
    /// A connection picked up mid-stream: its deliveries are held and judged together until one protocol shows.
    private var probe = WireProbe()
    /// The client direction was opened after a SYN: its first byte starts the protocol.
    private var clientStartSeen = false
    /// The TCP initiator is the HTTP/2 client: from the SYN, or for a connection picked up mid-stream from the
    /// port guess unless its header blocks showed otherwise (`WireProbe`).
    private var clientIsInitiator = true

    init(id: UInt64, info: ConnectionInfo, context: AnalysisContext, maxBodyLength: Int) {
        dubbo = DubboConnection(id: id, info: info, context: context, maxBodyLength: maxBodyLength)
    }

    mutating func opened(_ direction: StreamDirection, midstream: Bool, time: CaptureTime) {
        if direction == .initiatorToResponder, !midstream { clientStartSeen = true }
        // Always: until the protocol is known the Dubbo decoders are the default, and they are empty until fed.
        dubbo.opened(direction, midstream: midstream, time: time)
    }

    mutating func received(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        switch wire {
        case .dubbo: dubbo.received(bytes, direction: direction, time: time)
        case .triple: triple?.received(bytes, direction: direction, time: time)
        case .undetermined: detect(bytes, direction: direction, time: time)
        }
    }

    mutating func gap(length: Int, direction: StreamDirection, time: CaptureTime) {
        if wire == .undetermined, !clientStartSeen {
            // Mid-stream: the gap is held in order with the bytes; the protocol is still open.
            guard let verdict = probe.gap(length: length, initiator: direction == .initiatorToResponder, time: time) else { return }
            return choose(verdict.wire == .triple ? .triple : .dubbo)
        }
        if wire == .undetermined { choose(.dubbo) }
        switch wire {
        case .dubbo, .undetermined: dubbo.gap(length: length, direction: direction, time: time)
        case .triple: triple?.gap(length: length, direction: direction, time: time)
        }
    }

    mutating func closed(_ end: StreamEnd, time: CaptureTime) {
        if wire == .undetermined, sniffer.holdsBytes || probe.holdsEvents {
            // Frames chained but no header block said which side is the client: HTTP/2 with the port guess.
            choose(probe.recognisedSoFar == .triple ? .triple : .dubbo)
        }
        switch wire {
        case .dubbo, .undetermined: dubbo.closed(end, time: time)
        case .triple: triple?.closed(end, time: time)
        }
    }

    /// First payload of the connection: the client's first bytes after a seen SYN must be the preface; a server
    /// speaking first after a seen SYN must open with SETTINGS (`WireDetection`); a connection picked up mid-stream
    /// is judged over several deliveries (`WireProbe`). Anything else stays with the Dubbo decoder.
    private mutating func detect(_ bytes: Span<UInt8>, direction: StreamDirection, time: CaptureTime) {
        guard clientStartSeen else {
            guard let verdict = probe.judge(bytes, initiator: direction == .initiatorToResponder, time: time) else { return }
            tripleMidstream = true
            clientIsInitiator = verdict.clientIsInitiator ?? true
            choose(verdict.wire == .triple ? .triple : .dubbo)
            switch wire {
            case .triple: triple?.received(bytes, direction: direction, time: time)
            case .dubbo, .undetermined: dubbo.received(bytes, direction: direction, time: time)
            }
            return
        }
        guard direction == .initiatorToResponder else {
            if WireDetection.judge(bytes, fromStart: true, initiator: false) == .triple {
                choose(.triple)
                triple?.received(bytes, direction: direction, time: time)
                return
            }
            choose(.dubbo)
            dubbo.received(bytes, direction: direction, time: time)
            return
        }
        switch sniffer.match(bytes, time: time) {
        case .http2Preface:
            choose(.triple)
            triple?.received(bytes, direction: direction, time: time)
        case .notAPreface:
            choose(.dubbo)
            dubbo.received(bytes, direction: direction, time: time)
        case .needMore:
            break
        }
    }

    /// Settles the protocol and hands over any bytes held while it was undetermined, with their own time.
    private mutating func choose(_ chosen: WireProtocol) {
        wire = chosen
        if chosen == .triple {
            triple = TripleConnection(
                info: dubbo.info, context: dubbo.context, midstream: tripleMidstream, clientIsInitiator: clientIsInitiator)
        }
        if probe.holdsEvents { replayProbe() }
        guard let held = sniffer.takeHeld() else { return }
        held.bytes.withUnsafeBufferPointer { buffer in
            switch chosen {
            case .triple: triple?.received(buffer.span, direction: .initiatorToResponder, time: held.time)
            case .dubbo, .undetermined: dubbo.received(buffer.span, direction: .initiatorToResponder, time: held.time)
            }
        }
    }
}

extension ConnectionConsumer {
    /// Hands the mid-stream deliveries and gaps held by the probe to the chosen decoder, in their order.
    private mutating func replayProbe() {
        var probe = self.probe
        self.probe = WireProbe()
        probe.replay(
            bytes: { bytes, initiator, time in
                let direction: StreamDirection = initiator ? .initiatorToResponder : .responderToInitiator
                switch wire {
                case .triple: triple?.received(bytes, direction: direction, time: time)
                case .dubbo, .undetermined: dubbo.received(bytes, direction: direction, time: time)
                }
            },
            gap: { length, initiator, time in
                let direction: StreamDirection = initiator ? .initiatorToResponder : .responderToInitiator
                switch wire {
                case .triple: triple?.gap(length: length, direction: direction, time: time)
                case .dubbo, .undetermined: dubbo.gap(length: length, direction: direction, time: time)
                }
            }
        )
    }
}

/// Compares a client's first bytes with the HTTP/2 client preface (RFC 9113 §3.4), holding a prefix of it that
/// arrived split over several segments (at most 23 bytes, once per connection).
struct PrefaceSniffer {
    static let http2Preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum Verdict: Equatable {
        /// The held bytes and `bytes` start with the whole preface; nothing is held any more.
        case http2Preface
        /// They differ from the preface; the held bytes (if any) must be replayed before `bytes`.
        case notAPreface
        /// All so far match a prefix of the preface; `bytes` are now held.
        case needMore
    }

    private var held: [UInt8] = []
    private var heldTime: CaptureTime = .zero

    var holdsBytes: Bool { !held.isEmpty }

    mutating func match(_ bytes: Span<UInt8>, time: CaptureTime) -> Verdict {
        let preface = Self.http2Preface
        let compared = min(bytes.count, preface.count - held.count)
        for index in 0..<compared where bytes[index] != preface[held.count + index] {
            return .notAPreface
        }
        if held.count + compared == preface.count {
            return .http2Preface
        }
        if held.isEmpty { heldTime = time }
        bytes.withUnsafeBufferPointer { held.append(contentsOf: $0) }
        return .needMore
    }

    /// The bytes held so far with the time of the first of them, or nil; the sniffer holds nothing afterwards.
    mutating func takeHeld() -> (bytes: [UInt8], time: CaptureTime)? {
        guard !held.isEmpty else { return nil }
        defer { held = [] }
        return (held, heldTime)
    }
}

/// Makes one `ConnectionConsumer` per TCP connection, numbering them for correlation.
struct ConnectionConsumerFactory: TCPStreamConsumerFactory {
    let context: AnalysisContext
    let maxBodyLength: Int
    private(set) var connectionsMade: UInt64 = 0

    init(context: AnalysisContext, maxBodyLength: Int) {
        self.context = context
        self.maxBodyLength = maxBodyLength
    }

    mutating func makeConsumer(for connection: ConnectionInfo) -> ConnectionConsumer {
        connectionsMade += 1
        return ConnectionConsumer(id: connectionsMade, info: connection, context: context, maxBodyLength: maxBodyLength)
    }
}
