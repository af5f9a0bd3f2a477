/// Which way bytes travel on a connection, named by role rather than by address.
public enum StreamDirection: Sendable, Hashable, CaseIterable {
    /// From the side that opened the connection (the client) to the side that accepted it (the server).
    case initiatorToResponder
    /// From the server back to the client.
    case responderToInitiator
}
