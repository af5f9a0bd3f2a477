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
            if ASCIIBytes.isASCII(name) {
                writer.string(utf8: name)
            } else {
                writer.string(String(decoding: name, as: UTF8.self))
            }
        }
        writer.endArray()
    }

    /// Calls `name` with each parameter's Java type name as UTF-8 bytes (lent until it returns); false when the
    /// descriptor is malformed, after the names before the fault. A name is built on the stack; one too long for
    /// it (a class name of hundreds of bytes, or arrays of many dimensions) in an array.
    private static func forEachJavaName(_ descriptor: String, _ name: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        var descriptor = descriptor
        return descriptor.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { stack in
                walk(bytes) { dimensions, tag, className in
                    let primitive: StaticString? = switch tag {
                    case UInt8(ascii: "V"): "void"
                    case UInt8(ascii: "Z"): "boolean"
                    case UInt8(ascii: "B"): "byte"
                    case UInt8(ascii: "C"): "char"
                    case UInt8(ascii: "D"): "double"
                    case UInt8(ascii: "F"): "float"
                    case UInt8(ascii: "I"): "int"
                    case UInt8(ascii: "J"): "long"
                    case UInt8(ascii: "S"): "short"
                    default: nil
                    }
                    let baseLength = primitive?.utf8CodeUnitCount ?? className.count
                    let length = baseLength + 2 * dimensions
                    func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
                        if let primitive {
                            primitive.withUTF8Buffer { _ = buffer.initialize(fromContentsOf: $0) }
                        } else {
                            // `Ljava/lang/String;`: the class name with `/` turned into `.`.
                            for (offset, byte) in bytes[className].enumerated() {
                                buffer[offset] = byte == UInt8(ascii: "/") ? UInt8(ascii: ".") : byte
                            }
                        }
                        for dimension in 0..<dimensions {
                            buffer[baseLength + 2 * dimension] = UInt8(ascii: "[")
                            buffer[baseLength + 2 * dimension + 1] = UInt8(ascii: "]")
                        }
                    }
                    if length <= stack.count {
                        let slice = UnsafeMutableBufferPointer(rebasing: stack[0..<length])
                        fill(slice)
                        name(UnsafeBufferPointer(slice))
                    } else {
                        let heap = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                            fill(buffer)
                            count = length
                        }
                        heap.withUnsafeBufferPointer(name)
                    }
                }
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
