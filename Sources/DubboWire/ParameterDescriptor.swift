public import InspectorCore

/// JVM parameter descriptors as Dubbo writes them in field 5 of a request (PROTOCOL.md §3.1):
/// `Ljava/lang/String;I[J` is three parameters. The count decides how many argument values follow.
///
/// They walk the UTF-8 bytes once and are lenient where Java is: a class name may hold any byte but `;`.
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
        var names: [String] = []
        let wellFormed = forEachJavaName(descriptor) { names.append(String(decoding: $0, as: UTF8.self)) }
        return wellFormed ? names : nil
    }

    /// The Java type names as a JSON array of strings (what `javaNames` gives), or `null` when malformed: written
    /// from the descriptor's bytes, without an array or a String per name.
    public static func writeJavaNames(_ descriptor: String, to writer: inout JSONWriter) {
        guard count(descriptor) != nil else { return writer.null() }
        writer.beginArray()
        var first = true
        _ = forEachJavaName(descriptor) { name in
            if !first { writer.comma() }
            first = false
            // As a String would hold it: ill-formed UTF-8 in a class name is repaired the same way.
            if ASCIIBytes.isASCII(name) { writer.string(utf8: name) } else { writer.string(String(decoding: name, as: UTF8.self)) }
        }
        writer.endArray()
    }

    /// Calls `name` with each parameter's Java type name as UTF-8 bytes (lent until it returns); false when the
    /// descriptor is malformed, after the names before the fault.
    private static func forEachJavaName(_ descriptor: String, _ name: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        var descriptor = descriptor
        return descriptor.withUTF8 { bytes in
            var scratch: [UInt8] = []
            return walk(bytes) { dimensions, tag, className in
                scratch.removeAll(keepingCapacity: true)
                switch tag {
                case UInt8(ascii: "V"): scratch.append(contentsOf: "void".utf8)
                case UInt8(ascii: "Z"): scratch.append(contentsOf: "boolean".utf8)
                case UInt8(ascii: "B"): scratch.append(contentsOf: "byte".utf8)
                case UInt8(ascii: "C"): scratch.append(contentsOf: "char".utf8)
                case UInt8(ascii: "D"): scratch.append(contentsOf: "double".utf8)
                case UInt8(ascii: "F"): scratch.append(contentsOf: "float".utf8)
                case UInt8(ascii: "I"): scratch.append(contentsOf: "int".utf8)
                case UInt8(ascii: "J"): scratch.append(contentsOf: "long".utf8)
                case UInt8(ascii: "S"): scratch.append(contentsOf: "short".utf8)
                default:
                    // `Ljava/lang/String;`: the class name with `/` turned into `.`.
                    for byte in bytes[className] { scratch.append(byte == UInt8(ascii: "/") ? UInt8(ascii: ".") : byte) }
                }
                for _ in 0..<dimensions { scratch.append(contentsOf: "[]".utf8) }
                scratch.withUnsafeBufferPointer(name)
            }
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
