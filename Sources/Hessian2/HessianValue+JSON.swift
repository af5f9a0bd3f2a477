public import InspectorCore

// MARK: JSON rendering (docs/RECORDS.md, "Rendering Hessian values")

extension HessianValue {
    /// The text written in place of whatever the budget could not hold: the JSON string `"…"` (U+2026).
    public static let jsonTruncationMarker = "…"

    /// Appends this value as JSON per docs/RECORDS.md: numbers as numbers (NaN/±∞ as `null`), dates as
    /// `{"$date":"…Z"}`, binary as `{"$binary":"<base64>"}`, lists as arrays, maps as objects (a non-string key is
    /// written as the text of its JSON), objects as `{"$class":"<name>","<field>":value,…}` in definition order,
    /// and a cyclic or skipped reference as `{"$ref":<index>}`.
    ///
    /// `budget` caps the bytes this call writes, so a reference bomb (a value that shares storage many times
    /// over) cannot explode the output. Before each value, and before each list element, map entry or object
    /// field, the bytes written so far are compared with the budget; once it is spent nothing more is descended
    /// into: a value about to be written becomes `"…"`, and a container with elements left writes one `"…"`
    /// element (`"…":"…"` in an object) in place of all of them and closes. Enclosing containers do the same, so
    /// the output stays valid JSON. It can exceed the budget by one scalar (a string or binary is written whole)
    /// plus a marker and closing bracket per enclosing level. `budget` is decreased by the bytes written (it may
    /// end negative). Recursion follows the nesting of the value, which the decoder caps at `maxHessianDepth`.
    public func writeJSON(to writer: inout JSONWriter, budget: inout Int) {
        let start = writer.bytes.count
        let end = budget > Int.max - start ? Int.max : start + budget
        render(into: &writer, end: end)
        budget -= writer.bytes.count - start
    }

    /// The JSON text of this value with a 16 MiB budget (see `writeJSON(to:budget:)`).
    public var jsonString: String {
        var writer = JSONWriter()
        var budget = 16 << 20
        writeJSON(to: &writer, budget: &budget)
        return writer.string
    }

    /// Writes the value unless the writer has already reached byte count `end`, in which case it writes the marker.
    private func render(into writer: inout JSONWriter, end: Int) {
        guard writer.bytes.count < end else {
            writer.string(Self.jsonTruncationMarker)
            return
        }
        switch self {
        case .null:
            writer.null()
        case .bool(let value):
            writer.bool(value)
        case .int(let value):
            writer.integer(value)
        case .long(let value):
            writer.integer(value)
        case .double(let value):
            writer.double(value)
        case .date(let milliseconds):
            writer.beginObject()
            writer.key("$date")
            writer.string(DateText.iso8601(millisecondsSinceEpoch: milliseconds))
            writer.endObject()
        case .string(let value):
            writer.string(value)
        case .binary(let bytes):
            writer.beginObject()
            writer.key("$binary")
            writer.string(Base64.encode(bytes))
            writer.endObject()
        case .list(let list):
            writer.beginArray()
            for (index, element) in list.elements.enumerated() {
                if index > 0 { writer.comma() }
                guard writer.bytes.count < end else {
                    writer.string(Self.jsonTruncationMarker)
                    break
                }
                element.render(into: &writer, end: end)
            }
            writer.endArray()
        case .map(let map):
            writer.beginObject()
            for (index, entry) in map.entries.enumerated() {
                if index > 0 { writer.comma() }
                guard writer.bytes.count < end else {
                    Self.writeMarkerMember(&writer)
                    break
                }
                Self.writeKey(entry.key, into: &writer, end: end)
                entry.value.render(into: &writer, end: end)
            }
            writer.endObject()
        case .object(let object):
            writer.beginObject()
            writer.key("$class")
            writer.string(object.className)
            for (name, value) in zip(object.fieldNames, object.fieldValues) {
                writer.comma()
                guard writer.bytes.count < end else {
                    Self.writeMarkerMember(&writer)
                    break
                }
                writer.key(name)
                value.render(into: &writer, end: end)
            }
            writer.endObject()
        case .reference(let index):
            writer.beginObject()
            writer.key("$ref")
            writer.integer(index)
            writer.endObject()
        case .number(let digits):
            writer.rawUTF8(digits)
        case .dateText(let text):
            writer.beginObject()
            writer.key("$date")
            writer.string(text)
            writer.endObject()
        case .referencePath(let path):
            writer.beginObject()
            writer.key("$ref")
            writer.string(path)
            writer.endObject()
        }
    }

    /// A map key: a string as itself, anything else as the text of its JSON (`1` → `"1"`).
    private static func writeKey(_ key: HessianValue, into writer: inout JSONWriter, end: Int) {
        if case .string(let text) = key {
            writer.key(text)
            return
        }
        var keyWriter = JSONWriter()
        let room = max(end - writer.bytes.count, 0)
        key.render(into: &keyWriter, end: room)
        // Escaping a key's text can double it, and keys nest (a map whose key is a map whose key is a map…), so a
        // key text longer than the room left would grow as 2^depth: it becomes the marker instead.
        writer.key(keyWriter.bytes.count <= room ? keyWriter.string : jsonTruncationMarker)
    }

    private static func writeMarkerMember(_ writer: inout JSONWriter) {
        writer.key(jsonTruncationMarker)
        writer.string(jsonTruncationMarker)
    }
}
