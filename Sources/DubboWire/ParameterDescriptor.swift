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

    /// How many parameters a descriptor names, or `nil` when malformed. Works on the UTF-8 bytes and allocates
    /// nothing: it runs once per request on the hot path.
    public static func count(_ descriptor: String) -> Int? {
        var descriptor = descriptor
        return descriptor.withUTF8 { bytes -> Int? in
            var parameters = 0
            var index = 0
            while index < bytes.count {
                while index < bytes.count, bytes[index] == UInt8(ascii: "[") { index += 1 }
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: "V"), UInt8(ascii: "Z"), UInt8(ascii: "B"), UInt8(ascii: "C"), UInt8(ascii: "D"),
                     UInt8(ascii: "F"), UInt8(ascii: "I"), UInt8(ascii: "J"), UInt8(ascii: "S"):
                    index += 1
                case UInt8(ascii: "L"):
                    let nameStart = index + 1
                    index = nameStart
                    while index < bytes.count, bytes[index] != UInt8(ascii: ";") { index += 1 }
                    guard index < bytes.count, index > nameStart else { return nil }
                    index += 1
                default:
                    return nil
                }
                parameters += 1
            }
            return parameters
        }
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
