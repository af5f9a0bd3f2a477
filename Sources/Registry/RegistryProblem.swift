/// Something in the registry that could not be used: a malformed URL, an expiry that is not a number, a key of
/// the wrong type or shape. Counted and reported with its key, never fatal.
public struct RegistryProblem: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    /// The offending hash field (URL text), redacted and shortened; nil when the problem is the key itself.
    public var field: String?
    public var reason: String

    public init(key: String, field: String?, reason: String) {
        self.key = key
        self.field = field.map { Redaction.shortened(Redaction.redactURL($0, secretKeys: DubboURL.secretParameters)) }
        self.reason = reason
    }

    public var description: String {
        guard let field else { return "\(key): \(reason)" }
        return "\(key): \(reason): \(field)"
    }
}
