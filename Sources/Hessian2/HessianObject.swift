/// A Hessian object instance (`'O'` or `0x60`–`0x6F`) with the field names of its class definition (`'C'`).
public struct HessianObject: Sendable, Equatable {
    public var className: String
    /// Field names in definition order; shared (copy-on-write) by every instance of the same definition.
    public var fieldNames: [String]
    /// One value per field name, same order.
    public var fieldValues: [HessianValue]

    public init(className: String, fieldNames: [String], fieldValues: [HessianValue]) {
        self.className = className
        self.fieldNames = fieldNames
        self.fieldValues = fieldValues
    }

    /// The value of the first field called `name`, or `nil` when the class has no such field.
    public subscript(field name: String) -> HessianValue? {
        guard let index = fieldNames.firstIndex(of: name), index < fieldValues.count else { return nil }
        return fieldValues[index]
    }
}
