/// A Hessian list: `0x55`–`0x58`, `0x70`–`0x7F` (PROTOCOL §5.2).
public struct HessianList: Sendable, Equatable {
    /// The Java type written with a typed list (`java.util.LinkedList`, `[string`, …); `nil` for untyped lists.
    public var type: String?
    public var elements: [HessianValue]

    public init(type: String? = nil, elements: [HessianValue] = []) {
        self.type = type
        self.elements = elements
    }
}
