public import InspectorCore
public import NetworkLayers

/// What the reassembler knows about a connection when it starts tracking it.
public struct ConnectionInfo: Sendable, Hashable {
    /// The client: sender of the SYN, receiver of the SYN+ACK, or (no handshake seen) the guessed client.
    public var initiator: Endpoint
    /// The server.
    public var responder: Endpoint
    /// `true` when a SYN or SYN+ACK decided the roles; `false` when they were guessed from port numbers.
    public var handshakeSeen: Bool
    /// Capture time of the first packet of the connection.
    public var firstSeen: CaptureTime

    public init(initiator: Endpoint, responder: Endpoint, handshakeSeen: Bool, firstSeen: CaptureTime) {
        self.initiator = initiator
        self.responder = responder
        self.handshakeSeen = handshakeSeen
        self.firstSeen = firstSeen
    }
}
