/// Everything that can go wrong talking to a registry or loading a saved directory.
///
/// Every case names the node (`host:port`) or file it concerns. No case ever carries a password: addresses are
/// described redacted, and text from Redis passes through `RedisConnection`'s scrubbing before it lands here.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The address text could not be understood; `address` is already redacted.
    case invalidAddress(String, reason: String)
    /// TCP connect failed or timed out.
    case connectionFailed(node: String, reason: String)
    /// `AUTH` was refused (wrong password or user), or the server wants a password we do not have.
    case authenticationFailed(node: String, reply: String)
    /// `SELECT` was refused (database index out of range).
    case databaseSelectFailed(node: String, database: Int, reply: String)
    /// The server answered a command with an error reply.
    case commandFailed(node: String, command: String, reply: String)
    /// No reply within the configured timeout.
    case timedOut(node: String, command: String)
    /// The connection broke while sending or reading.
    case connectionLost(node: String, reason: String)
    /// A reply of a shape the command never produces.
    case unexpectedReply(node: String, command: String, reply: String)
    /// A command outside the read-only allow-list was about to be sent (a bug; nothing was sent).
    case commandNotAllowed(String)
    /// The registry holds more than a limit allows (keys, fields, bytes).
    case limitExceeded(node: String, what: String, limit: Int)
    /// Every node was tried; each one's failure, in the order tried.
    case allNodesFailed([RegistryError])
    /// A saved directory (`--registry-snapshot`) could not be read.
    case snapshot(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let address, let reason):
            return "invalid registry address \(address): \(reason)"
        case .connectionFailed(let node, let reason):
            return "registry node \(node): cannot connect (\(reason))"
        case .authenticationFailed(let node, let reply):
            return "registry node \(node): authentication failed (\(reply))"
        case .databaseSelectFailed(let node, let database, let reply):
            return "registry node \(node): cannot select database \(database) (\(reply))"
        case .commandFailed(let node, let command, let reply):
            return "registry node \(node): \(command) failed (\(reply))"
        case .timedOut(let node, let command):
            return "registry node \(node): no reply to \(command) in time"
        case .connectionLost(let node, let reason):
            return "registry node \(node): connection lost (\(reason))"
        case .unexpectedReply(let node, let command, let reply):
            return "registry node \(node): unexpected reply to \(command): \(reply)"
        case .commandNotAllowed(let name):
            return "refused to send \(name): only read commands are sent to a registry"
        case .limitExceeded(let node, let what, let limit):
            return "registry node \(node): more than \(limit) \(what)"
        case .allNodesFailed(let failures):
            guard !failures.isEmpty else { return "registry unavailable: no node to try" }
            return "registry unavailable: " + failures.map(\.description).joined(separator: "; ")
        case .snapshot(let path, let reason):
            return "registry snapshot \(path): \(reason)"
        }
    }

    /// The node this error is about, when it is about one.
    public var node: String? {
        switch self {
        case .connectionFailed(let node, _), .authenticationFailed(let node, _), .databaseSelectFailed(let node, _, _),
            .commandFailed(let node, _, _), .timedOut(let node, _), .connectionLost(let node, _),
            .unexpectedReply(let node, _, _), .limitExceeded(let node, _, _):
            return node
        case .invalidAddress, .commandNotAllowed, .allNodesFailed, .snapshot:
            return nil
        }
    }
}
