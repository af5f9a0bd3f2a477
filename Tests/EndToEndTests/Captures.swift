import Correlation
import DubboWire
import Foundation
import Glibc
import AnalysisPipeline
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin
import Testing

/// Runs captures through the whole pipeline and returns the JSON-lines records, parsed.
enum Captures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures")
    static let fixtures = repositoryRoot.appendingPathComponent("Fixtures")

    /// A file that must exist for the test to mean anything: a missing one fails loudly, never skips.
    static func required(_ url: URL) throws -> String {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw MissingFile(path: url.path)
        }
        return url.path
    }

    struct MissingFile: Error, CustomStringConvertible {
        var path: String
        var description: String { "required test input is missing: \(path)" }
    }

    struct Result {
        var records: [[String: Any]]
        var lines: [String]
        var summary: RunSummary
        var problems: OfflineAnalysis.Problems
    }

    static func analyze(
        _ paths: [String], limits: Limits = .default, options: RecordRenderOptions = RecordRenderOptions()
    ) throws -> Result {
        let formatter = JSONLinesFormatter(options: options)
        var lines: [String] = []
        let analysis = OfflineAnalysis(limits: limits, plan: DecodePlan(depth: options.includePayload ? .full : .metadata))
        let (summary, problems) = analysis.run(paths: paths) { record in
            var writer = JSONWriter()
            formatter.write(record, to: &writer)
            lines.append(writer.string)
        }
        let records = try lines.map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let dictionary = object as? [String: Any] else { throw NotAnObject(line: line) }
            return dictionary
        }
        return Result(records: records, lines: lines, summary: summary, problems: problems)
    }

    struct NotAnObject: Error { var line: String }
}

/// Loose JSON equality: numbers by value, and the reference decoder's shortenings (`…[N chars]`, `<self>`) honoured.
func jsonMatches(_ actual: Any?, _ expected: Any?) -> Bool {
    switch (actual, expected) {
    case (nil, nil), (is NSNull, nil), (nil, is NSNull), (is NSNull, is NSNull):
        return true
    case (let a as String, let e as String):
        if let range = e.range(of: #"\.\.\.\[(\d+) chars\]$"#, options: .regularExpression) {
            let prefix = String(e[..<range.lowerBound])
            let count = Int(e[range].dropFirst(4).dropLast(7)) ?? -1
            return a.hasPrefix(prefix) && a.unicodeScalars.count == count
        }
        return a == e
    case (let a as [String: Any], "<self>" as String):
        return a["$ref"] != nil
    case (let a as NSNumber, let e as NSNumber):
        let isBool = { (n: NSNumber) in String(cString: n.objCType) == "c" }
        return a.doubleValue == e.doubleValue && isBool(a) == isBool(e)
    case (let a as [Any], let e as [Any]):
        return a.count == e.count && zip(a, e).allSatisfy { jsonMatches($0, $1) }
    case (let a as [String: Any], let e as [String: Any]):
        return Set(a.keys) == Set(e.keys) && e.allSatisfy { jsonMatches(a[$0.key], $0.value) }
    default:
        return false
    }
}

/// Where the `dubbo-inspect` built with the tests is (`swift build --build-tests` puts both in one folder).
enum BuiltTool {
    /// The path when the file is there and executable, nil otherwise. The test bundle's own path comes from
    /// readlink(2) on /proc/self/exe (Foundation's symlink resolution of that path was seen to return
    /// "/proc/self" once), then from argv[0].
    static var dubboInspect: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var bundles: [URL] = []
        if length > 0 {
            bundles.append(URL(fileURLWithPath: String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        if let first = CommandLine.arguments.first {
            bundles.append(URL(fileURLWithPath: first).standardizedFileURL)
        }
        for bundle in bundles {
            let candidate = bundle.deletingLastPathComponent().appendingPathComponent("dubbo-inspect").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What the failure says when the tool is missing.
    static let missing = "dubbo-inspect is not built next to the tests (build them with swift build --build-tests)"
}
