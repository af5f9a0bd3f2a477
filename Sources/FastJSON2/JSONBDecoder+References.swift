import Hessian2
import InspectorCore

// MARK: References (`0x93`, fastjson2's ReferenceDetection)

extension JSONBDecoder {
    /// `0x93 <path>`: a value written earlier in this document. A value already complete is that value again (a
    /// copy-on-write copy, counted with its size); a container still being decoded — the path leads to one of the
    /// containers enclosing this point, or is `..`, the one directly around it — is a cycle: `.referencePath`.
    mutating func readReference(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> HessianValue {
        guard offset < bytes.count else { throw .truncated(at: offset) }
        var path = try readString(bytes)
        guard path.utf8.count <= limits.maxJSONBPathLength else { throw .badReferencePath(at: start) }
        if path == "#-1" {
            // The writer's shorthand for "the same path as the previous reference".
            guard let previous = lastReferencePath else { throw .unresolvedReference(path, at: start) }
            path = previous
        }
        lastReferencePath = path
        guard !open.isEmpty else { throw .unresolvedReference(path, at: start) }
        if path == ".." { return .referencePath(path) }
        guard let segments = Self.segments(of: path, maxDepth: limits.maxHessianDepth) else {
            throw .badReferencePath(at: start)
        }
        // Follow the enclosing containers as far as the path goes along them.
        var frame = 0
        var matched = 0
        while frame + 1 < open.count, matched < segments.count, open[frame + 1].segment == segments[matched] {
            frame += 1
            matched += 1
        }
        if matched == segments.count { return .referencePath(path) }
        // The next step names a finished child of that container; the rest walks inside finished values.
        guard let child = finishedChild(of: frame, segments[matched]) else { throw .unresolvedReference(path, at: start) }
        var value = open[frame].child(child)
        try countValues(open[frame].valueCounts[child], at: start)
        for segment in segments[(matched + 1)...] {
            guard let next = Self.child(of: value, segment) else { throw .unresolvedReference(path, at: start) }
            value = next
        }
        return value
    }

    private func finishedChild(of frame: Int, _ segment: PathSegment) -> Int? {
        let container = open[frame]
        switch segment {
        case .index(let index):
            return !container.isObject && index < container.values.count ? index : nil
        case .name(let name):
            guard container.isObject else { return nil }
            return container.entries.firstIndex { $0.key.stringValue == name }
        }
    }

    static func child(of value: HessianValue, _ segment: PathSegment) -> HessianValue? {
        switch (value, segment) {
        case (.list(let list), .index(let index)):
            return index < list.elements.count ? list.elements[index] : nil
        case (.map(let map), .name(let name)):
            return map[name]
        case (.object(let object), .name(let name)):
            return object[field: name]
        default:
            return nil
        }
    }

    /// The steps of a fastjson2 path: `$` then `.name` (special characters escaped with `\`) or `[index]`;
    /// nil when it does not parse or has more than `maxDepth` steps.
    static func segments(of path: String, maxDepth: Int) -> [PathSegment]? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "$") else { return nil }
        var segments: [PathSegment] = []
        var index = 1
        while index < bytes.count {
            guard segments.count < maxDepth else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "."):
                index += 1
                var name: [UInt8] = []
                while index < bytes.count, bytes[index] != UInt8(ascii: "."), bytes[index] != UInt8(ascii: "[") {
                    if bytes[index] == UInt8(ascii: "\\") {
                        index += 1
                        guard index < bytes.count else { return nil }
                    }
                    name.append(bytes[index])
                    index += 1
                }
                guard !name.isEmpty else { return nil }
                segments.append(.name(String(decoding: name, as: UTF8.self)))
            case UInt8(ascii: "["):
                index += 1
                var number = 0
                var digits = 0
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    guard digits < 9 else { return nil }
                    number = number * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
                index += 1
                segments.append(.index(number))
            default:
                return nil
            }
        }
        return segments
    }
}
