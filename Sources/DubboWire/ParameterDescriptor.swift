/// JVM parameter descriptors as Dubbo writes them in field 5 of a request (PROTOCOL.md §3.1):
/// `Ljava/lang/String;I[J` is three parameters. The count decides how many argument values follow.
public enum ParameterDescriptor {
    /// Splits a descriptor into one token per parameter, or `nil` when it is not a well-formed descriptor.
    /// Lenient where Java is: class names may hold any character but `;`.
    public static func split(_ descriptor: String) -> [Substring]? {
        var tokens: [Substring] = []
        var index = descriptor.startIndex
        while index < descriptor.endIndex {
            let start = index
            while index < descriptor.endIndex, descriptor[index] == "[" {
                index = descriptor.index(after: index)
            }
            guard index < descriptor.endIndex else { return nil }
            switch descriptor[index] {
            case "V", "Z", "B", "C", "D", "F", "I", "J", "S":
                index = descriptor.index(after: index)
            case "L":
                guard let end = descriptor[index...].firstIndex(of: ";"),
                      descriptor.distance(from: index, to: end) > 1
                else { return nil }
                index = descriptor.index(after: end)
            default:
                return nil
            }
            tokens.append(descriptor[start..<index])
        }
        return tokens
    }

    /// A descriptor token as a Java type name: `Ljava/lang/String;` → `java.lang.String`, `[I` → `int[]`.
    public static func javaName(_ token: Substring) -> String {
        var dimensions = 0
        var rest = token
        while rest.first == "[" {
            dimensions += 1
            rest = rest.dropFirst()
        }
        let base: String
        switch rest {
        case "V": base = "void"
        case "Z": base = "boolean"
        case "B": base = "byte"
        case "C": base = "char"
        case "D": base = "double"
        case "F": base = "float"
        case "I": base = "int"
        case "J": base = "long"
        case "S": base = "short"
        default:
            base = String(rest.dropFirst().dropLast()).replacingSlashes()
        }
        return base + String(repeating: "[]", count: dimensions)
    }

    /// Java type names of every parameter, or `nil` for a malformed descriptor.
    public static func javaNames(_ descriptor: String) -> [String]? {
        split(descriptor).map { $0.map(javaName) }
    }
}

extension String {
    fileprivate func replacingSlashes() -> String {
        String(map { $0 == "/" ? "." : $0 })
    }
}
