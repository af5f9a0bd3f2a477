import Glibc
import InspectorCore
import NetworkLayers

/// A directory saved as JSON (`registry dump --format json`) and read back (`--registry-snapshot`), so a
/// capture can be analysed with names when the registry is out of reach.
///
/// The file holds the raw hashes (`keys`: key, when it was read, URL → expiry), which is all that loading uses,
/// plus `providers`, `consumers` and `problems` as derived, read-only views for people and `jq`. Secrets are
/// redacted before anything is written (`DubboURL.description`), so a snapshot is safe to share.
public enum RegistrySnapshot {
    public static let format = "dubbo-inspect-registry-snapshot"
    public static let version = 1
    /// Largest snapshot file read.
    public static let maxFileBytes = 256 << 20

    // MARK: Writing

    /// The snapshot document, ending in a newline. `nowMilliseconds` decides the `stale` flags of the views.
    public static func json(_ directory: ServiceDirectory, nowMilliseconds: Int64) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 1 << 16)
        writer.beginObject()
        writer.key("format"); writer.string(format)
        writer.comma(); writer.key("version"); writer.integer(version)
        writer.comma(); writer.key("source"); writer.string(directory.source)
        writer.comma(); writer.key("root"); writer.string(directory.root)
        writer.comma(); writer.key("written_at_ms"); writer.integer(nowMilliseconds)
        writer.comma(); writer.raw("\n"); writer.key("keys"); writer.beginArray()
        for (index, key) in directory.keys.keys.sorted().enumerated() {
            guard let contents = directory.keys[key] else { continue }
            writer.raw(index == 0 ? "\n" : ",\n")
            writer.beginObject()
            writer.key("key"); writer.string(key)
            writer.comma(); writer.key("observed_at_ms"); writer.integer(contents.observedAtMilliseconds)
            writer.comma(); writer.key("fields"); writer.beginObject()
            for (fieldIndex, field) in savedFields(contents).enumerated() {
                if fieldIndex > 0 { writer.comma() }
                writer.key(field.0); writer.string(field.1)
            }
            writer.endObject()
            writer.endObject()
        }
        writer.raw("\n]")
        writer.comma(); writer.raw("\n"); writer.key("providers"); writer.beginArray()
        let entries = directory.entries
        var first = true
        for entry in entries where entry.category == .providers {
            writer.raw(first ? "\n" : ",\n")
            first = false
            writeEntry(entry, nowMilliseconds: nowMilliseconds, to: &writer)
        }
        writer.raw("\n]")
        writer.comma(); writer.raw("\n"); writer.key("consumers"); writer.beginArray()
        first = true
        for entry in entries where entry.category == .consumers {
            writer.raw(first ? "\n" : ",\n")
            first = false
            writeEntry(entry, nowMilliseconds: nowMilliseconds, to: &writer)
        }
        writer.raw("\n]")
        writeApplicationLevel(directory, to: &writer)
        writer.comma(); writer.raw("\n"); writer.key("problems"); writer.beginArray()
        for (index, problem) in directory.problems.enumerated() {
            writer.raw(index == 0 ? "\n" : ",\n")
            writer.beginObject()
            writer.key("key"); writer.string(problem.key)
            writer.comma(); writer.key("field"); writer.optionalString(problem.field)
            writer.comma(); writer.key("reason"); writer.string(problem.reason)
            writer.endObject()
        }
        writer.raw("\n]\n}\n")
        return writer.bytes
    }

    /// URL → expiry as saved: parsed URLs in their redacted canonical form, unparsable ones redacted as text.
    private static func savedFields(_ contents: RegistryKeyContents) -> [(String, String)] {
        var saved: [String: String] = [:]
        for (field, expiry) in contents.fields {
            let text =
                (try? DubboURL(parsing: field)).map(\.description)
                ?? Redaction.redactURL(field, secretKeys: DubboURL.secretParameters)
            saved[text] = expiry
        }
        return saved.sorted { $0.key < $1.key }
    }

    private static func writeEntry(_ entry: RegistryEntry, nowMilliseconds: Int64, to writer: inout JSONWriter) {
        let url = entry.url
        writer.beginObject()
        writer.key("key"); writer.string(entry.key)
        if entry.category == .providers {
            writer.comma(); writer.key("endpoint")
            writer.optionalString(url.port.map { url.endpoint?.description ?? "\(url.host):\($0)" })
        } else {
            writer.comma(); writer.key("host"); writer.string(url.address?.description ?? url.host)
        }
        writer.comma(); writer.key("application"); writer.optionalString(url.application)
        writer.comma(); writer.key("interface"); writer.string(entry.interface)
        writer.comma(); writer.key("version"); writer.optionalString(url.version)
        writer.comma(); writer.key("group"); writer.optionalString(url.group)
        writer.comma(); writer.key("methods"); writer.beginArray()
        for (index, method) in url.methods.sorted().enumerated() {
            if index > 0 { writer.comma() }
            writer.string(method)
        }
        writer.endArray()
        writer.comma(); writer.key("expires_at_ms")
        if let expiry = entry.expiresAtMilliseconds { writer.integer(expiry) } else { writer.null() }
        writer.comma(); writer.key("dynamic"); writer.bool(url.isDynamic)
        writer.comma(); writer.key("stale"); writer.bool(entry.isStale(atMilliseconds: nowMilliseconds))
        writer.comma(); writer.key("url"); writer.string(url.description)
        writer.endObject()
    }

    // MARK: Reading

    /// Loads a snapshot file written by `json(_:nowMilliseconds:)`.
    public static func load(path: String, limits: RegistryLimits = .default) throws(RegistryError) -> ServiceDirectory {
        let bytes = try readFile(path)
        return try parse(bytes, path: path, limits: limits)
    }

    /// Parses snapshot bytes; `path` only names the source in errors and in the directory.
    public static func parse(
        _ bytes: [UInt8], path: String, limits: RegistryLimits = .default
    ) throws(RegistryError) -> ServiceDirectory {
        let document: SnapshotJSON
        do {
            document = try SnapshotJSON.parse(bytes)
        } catch {
            throw .snapshot(path: path, reason: "not JSON (\(error.reason) at byte \(error.offset))")
        }
        guard document["format"]?.string == format else {
            throw .snapshot(path: path, reason: "not a registry snapshot (no \"format\": \"\(format)\")")
        }
        guard let fileVersion = document["version"]?.int64, fileVersion == Int64(version) else {
            throw .snapshot(path: path, reason: "unsupported snapshot version (this tool reads version \(version))")
        }
        guard let root = document["root"]?.string, root.hasPrefix("/"), root.hasSuffix("/") else {
            throw .snapshot(path: path, reason: "\"root\" must be a key root such as \"/dubbo/\"")
        }
        guard case .array(let keyList)? = document["keys"] else {
            throw .snapshot(path: path, reason: "\"keys\" must be an array")
        }
        guard keyList.count <= limits.maxKeys else {
            throw .snapshot(path: path, reason: "more than \(limits.maxKeys) keys")
        }
        var contents: [RegistryKeyContents] = []
        for (index, item) in keyList.enumerated() {
            guard let key = item["key"]?.string, case .object(let members)? = item["fields"] else {
                throw .snapshot(path: path, reason: "keys[\(index)] needs \"key\" and \"fields\"")
            }
            guard members.count <= limits.maxFieldsPerKey else {
                throw .snapshot(path: path, reason: "keys[\(index)] has more than \(limits.maxFieldsPerKey) fields")
            }
            var fields: [String: String] = [:]
            for (field, value) in members {
                switch value {
                case .string(let text), .number(let text): fields[field] = text
                default: throw .snapshot(path: path, reason: "keys[\(index)] field values must be expiry strings")
                }
            }
            let observed = item["observed_at_ms"]?.int64 ?? document["written_at_ms"]?.int64 ?? 0
            contents.append(
                RegistryKeyContents(
                    key: key, root: root, fields: fields, observedAtMilliseconds: observed, limits: limits)
            )
        }
        let directory = ServiceDirectory(root: root, source: path, keys: contents)
        return try loadApplicationLevel(document, into: directory, path: path, limits: limits)
    }

    private static func readFile(_ path: String) throws(RegistryError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw .snapshot(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        // Bounded by maxFileBytes.
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            guard bytes.count <= maxFileBytes else {
                throw .snapshot(path: path, reason: "larger than \(maxFileBytes) bytes")
            }
            if count < chunk.count {
                if ferror(file) != 0 { throw .snapshot(path: path, reason: "read error") }
                return bytes
            }
        }
    }
}
