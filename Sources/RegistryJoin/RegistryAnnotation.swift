/// What the registry says about one call record: the values of the registry keys of docs/RECORDS.md.
public struct RegistryAnnotation: Sendable, Equatable {
    /// `application` of the provider registered at the server endpoint.
    public var providerApplication: String?
    /// `application` of the consumer registered from the client's host for this interface.
    public var consumerApplication: String?
    /// The provider URL the call was matched with, secrets redacted.
    public var providerURL: String?
    public var status: RegistryStatus
    /// The interface taken from the registry for a response whose request was not captured, when its endpoint
    /// serves exactly one interface.
    public var inferredService: String?
    /// The matched provider's accepted serializations (`DubboURL.registeredSerializations`); nil without a match.
    public var registeredSerializations: [String]?

    public init(
        providerApplication: String? = nil, consumerApplication: String? = nil, providerURL: String? = nil,
        status: RegistryStatus, inferredService: String? = nil
    ) {
        self.providerApplication = providerApplication
        self.consumerApplication = consumerApplication
        self.providerURL = providerURL
        self.status = status
        self.inferredService = inferredService
    }

    /// The `service_inferred` key.
    public var serviceInferred: Bool { inferredService != nil }

    /// Whether the provider names the serializations it accepts and `serialization` is not among them (a consumer
    /// configured for fastjson2 talking Hessian2 to a provider that prefers fastjson2 is fine: both are listed).
    public func doesNotList(_ serialization: String) -> Bool {
        guard let registeredSerializations else { return false }
        return !registeredSerializations.contains(serialization)
    }

    /// Every record's annotation when no registry was given or it could not be read.
    public static let noRegistry = RegistryAnnotation(status: .noRegistry)
}
