/// One key/value pair of a Hessian map; keys may be any value, not only strings.
public struct HessianMapEntry: Sendable, Equatable {
    public var key: HessianValue
    public var value: HessianValue

    public init(key: HessianValue, value: HessianValue) {
        self.key = key
        self.value = value
    }
}
