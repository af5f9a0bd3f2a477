/// A `'C'` class definition: registered in order of appearance, used by every later instance in the body.
struct HessianClassDefinition: Sendable {
    var className: String
    var fieldNames: [String]
}
