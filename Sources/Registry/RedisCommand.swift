/// A command this tool may send to a registry. The public factories below are the whole vocabulary, all read
/// commands; whatever is built, `RedisConnection` checks `readOnlyNames` before a byte leaves (`checkAllowed`),
/// the one place the rule is enforced. A passive inspector must never change the registry it looks at.
public struct RedisCommand: Sendable, Equatable, CustomStringConvertible {
    /// The command word, upper case.
    public let name: String
    /// Arguments after the command word.
    let arguments: [String]

    /// Everything this tool ever sends: discovery (`SCAN`, `HGETALL`), following changes (`PSUBSCRIBE`),
    /// session set-up (`AUTH`, `SELECT`) and liveness (`PING`).
    public static let readOnlyNames: Set<String> = ["SCAN", "HGETALL", "PSUBSCRIBE", "AUTH", "SELECT", "PING"]

    /// Internal so the allow-list can be tested with a command it must refuse; use the factories.
    init(_ name: String, _ arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }

    /// `SCAN cursor MATCH pattern COUNT n` (never `KEYS`, which blocks the server on a large keyspace).
    public static func scan(cursor: String, match pattern: String, count: Int) -> RedisCommand {
        RedisCommand("SCAN", [cursor, "MATCH", pattern, "COUNT", String(count)])
    }

    public static func hgetall(_ key: String) -> RedisCommand { RedisCommand("HGETALL", [key]) }

    public static func psubscribe(_ pattern: String) -> RedisCommand { RedisCommand("PSUBSCRIBE", [pattern]) }

    /// `AUTH password`, or `AUTH username password` for a Redis 6 ACL user.
    public static func auth(username: String?, password: String) -> RedisCommand {
        RedisCommand("AUTH", username.map { [$0, password] } ?? [password])
    }

    public static func select(_ database: Int) -> RedisCommand { RedisCommand("SELECT", [String(database)]) }

    public static let ping = RedisCommand("PING", [])

    /// The words sent, command first.
    var words: [String] { [name] + arguments }

    /// The command as it could be logged: `AUTH` arguments are replaced by `***`, long arguments shortened.
    public var description: String {
        if name == "AUTH" { return "AUTH ***" }
        let shown = arguments.map { $0.count > 80 ? String($0.prefix(77)) + "..." : $0 }
        return ([name] + shown).joined(separator: " ")
    }

    /// The allow-list check every outgoing command passes through, in `RedisConnection`.
    static func checkAllowed(_ command: RedisCommand) throws(RegistryError) {
        guard readOnlyNames.contains(command.name) else { throw .commandNotAllowed(command.name) }
    }
}
