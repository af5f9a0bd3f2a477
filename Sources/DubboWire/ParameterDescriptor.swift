/// JVM parameter descriptors as Dubbo writes them in field 5 of a request (PROTOCOL.md §3.1):
/// `Ljava/lang/String;I[J` is three parameters. The count decides how many argument values follow.
///
/// Both functions walk the UTF-8 bytes once and are lenient where Java is: a class name may hold any byte but `;`.
public enum ParameterDescriptor {
    /// How many parameters a descriptor names, or `nil` when malformed. Allocates nothing: it runs once per request.
    public static func count(_ descriptor: String) -> Int? {
        var descriptor = descriptor
        return descriptor.withUTF8 { bytes in
            var parameters = 0
            return walk(bytes) { _, _, _ in parameters += 1 } ? parameters : nil
        }
    }

    /// Java type names of every parameter (`["java.lang.String", "int", "long[]"]`), or `nil` when malformed.
    public static func javaNames(_ descriptor: String) -> [String]? {
        var descriptor = descriptor
        return descriptor.withUTF8 { bytes in
            var names: [String] = []
            let wellFormed = walk(bytes) { dimensions, tag, className in
                var name: String
                switch tag {
                case UInt8(ascii: "V"): name = "void"
                case UInt8(ascii: "Z"): name = "boolean"
                case UInt8(ascii: "B"): name = "byte"
                case UInt8(ascii: "C"): name = "char"
                case UInt8(ascii: "D"): name = "double"
                case UInt8(ascii: "F"): name = "float"
                case UInt8(ascii: "I"): name = "int"
                case UInt8(ascii: "J"): name = "long"
                case UInt8(ascii: "S"): name = "short"
                default:
                    // `Ljava/lang/String;`: the class name with `/` turned into `.`.
                    name = String(unsafeUninitializedCapacity: className.count) { buffer in
                        for (offset, byte) in bytes[className].enumerated() {
                            buffer[offset] = byte == UInt8(ascii: "/") ? UInt8(ascii: ".") : byte
                        }
                        return className.count
                    }
                }
                for _ in 0..<dimensions { name += "[]" }
                names.append(name)
            }
            return wellFormed ? names : nil
        }
    }

    /// Calls `parameter(dimensions, tag, classNameRange)` for each parameter; `false` when the descriptor is malformed.
    private static func walk(
        _ bytes: UnsafeBufferPointer<UInt8>, _ parameter: (Int, UInt8, Range<Int>) -> Void
    ) -> Bool {
        var index = 0
        while index < bytes.count {
            var dimensions = 0
            while index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                dimensions += 1
                index += 1
            }
            guard index < bytes.count else { return false }
            let tag = bytes[index]
            switch tag {
            case UInt8(ascii: "V"), UInt8(ascii: "Z"), UInt8(ascii: "B"), UInt8(ascii: "C"), UInt8(ascii: "D"),
                 UInt8(ascii: "F"), UInt8(ascii: "I"), UInt8(ascii: "J"), UInt8(ascii: "S"):
                parameter(dimensions, tag, index..<index)
                index += 1
            case UInt8(ascii: "L"):
                let nameStart = index + 1
                var end = nameStart
                while end < bytes.count, bytes[end] != UInt8(ascii: ";") { end += 1 }
                guard end < bytes.count, end > nameStart else { return false }
                parameter(dimensions, tag, nameStart..<end)
                index = end + 1
            default:
                return false
            }
        }
        return true
    }
}
