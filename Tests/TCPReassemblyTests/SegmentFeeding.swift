import InspectorCore
import NetworkLayers
import TCPReassembly

/// Endpoints used throughout: a client on an ephemeral port talking to a Dubbo server on 20880.
enum Peers {
    static let client = Endpoint(address: IPAddress(10, 0, 0, 1), port: 40_000)
    static let server = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20_880)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension TCPReassembler {
    /// Feeds one synthetic segment. `ack` sets the ACK flag; `wireLength` (default: the payload's length)
    /// larger than the payload simulates a snap-length cut.
    mutating func feed(
        _ source: Endpoint, _ destination: Endpoint, seq: UInt32, ack: UInt32? = nil, flags: TCPFlags = [],
        _ payload: [UInt8] = [], wireLength: Int? = nil, at seconds: Int64
    ) {
        var allFlags = flags
        if ack != nil { allFlags.insert(.ack) }
        let segment = TCPSegment(
            source: source, destination: destination, sequence: seq, acknowledgment: ack ?? 0, flags: allFlags,
            window: 65_535, payloadOffset: 54, capturedPayloadLength: payload.count,
            payloadLength: wireLength ?? payload.count)
        process(segment, payload: payload.span, time: .at(seconds))
    }

    /// Client SYN (ISN `client`), server SYN+ACK (ISN `server`) at seconds 1 and 2; data then starts at
    /// `client + 1` and `server + 1`.
    mutating func handshake(
        _ client: Endpoint = Peers.client, _ server: Endpoint = Peers.server, clientISN: UInt32 = 100,
        serverISN: UInt32 = 5_000
    ) {
        feed(client, server, seq: clientISN, flags: .syn, at: 1)
        feed(server, client, seq: serverISN, ack: clientISN &+ 1, flags: .syn, at: 2)
    }
}
