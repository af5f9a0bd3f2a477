/// A Redis reply, copied out of hiredis's reply tree so no C memory outlives the call that read it.
enum RedisReply: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    /// A short text for error messages.
    var summary: String {
        switch self {
        case .string(let text): return "string \(text.prefix(60))"
        case .integer(let value): return "integer \(value)"
        case .array(let items): return "array of \(items.count)"
        case .null: return "nil"
        case .status(let text): return "status \(text.prefix(60))"
        case .error(let text): return "error \(text.prefix(120))"
        }
    }

    /// The error text of an error reply, else `summary`: what to show a person.
    var message: String {
        if case .error(let text) = self { return String(text.prefix(300)) }
        return summary
    }

    var text: String? {
        switch self {
        case .string(let text), .status(let text): return text
        default: return nil
        }
    }
}
