import AnalysisPipeline
import ArgumentParser
import InspectorCore
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin

/// `--registry`, `--registry-snapshot`, `--registry-required`: where service and application names come from.
/// Shared by `read` and `live` (docs/REGISTRY.md).
struct RegistryOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Name applications from this Dubbo Redis or ZooKeeper registry (may be given more than once).",
            discussion: """
                redis://[:password@]host:port[?backup=h2:p2&cluster=failover|replicate&group=dubbo&db.index=N\
                &timeout=MS] or host:port,host2:port2; zookeeper://host:port[,h2:p2][?backup=h2:p2&group=dubbo\
                &rootPath=/services&timeout=MS&session=MS]. Only read commands are sent. The password is never \
                printed.
                """,
            valueName: "address"
        )
    )
    var registry: [String] = []

    @Option(
        help: ArgumentHelp(
            "Name applications from a directory saved by `registry dump --format json`.", valueName: "file"))
    var registrySnapshot: String?

    @Flag(help: "Stop with an error when the registry cannot be read (default: warn and go on without names).")
    var registryRequired = false

    func validate() throws {
        if !registry.isEmpty, registrySnapshot != nil {
            throw ValidationError("--registry and --registry-snapshot cannot be used together")
        }
        if registryRequired, registry.isEmpty, registrySnapshot == nil {
            throw ValidationError("--registry-required needs --registry or --registry-snapshot")
        }
        do {
            _ = try locations()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The join for an offline run: one full read of the registry (or the snapshot), reported through `warn`.
    /// nil when no registry was asked for. When it cannot be read: `RegistryJoin.unavailable` (records say
    /// `no_registry`) after a warning, or an error when `--registry-required` is set or the failure is a wrong
    /// password or database (a configuration mistake that names the node).
    func makeJoin(warn: (String) -> Void) throws -> RegistryJoin? {
        if let registrySnapshot {
            do {
                let directory = try RegistrySnapshot.load(path: registrySnapshot)
                report(directory, warn: warn)
                return RegistryJoin(directory: directory)
            } catch {
                return try unavailable(error, warn: warn)
            }
        }
        guard !registry.isEmpty else { return nil }
        // Each registry read and reported on its own; the names of all that could be read are merged.
        var merged: ServiceDirectory?
        var lastError: RegistryError?
        for location in try locations() {
            do {
                let result = try location.read()
                for failure in result.failures {
                    warn("\(failure); read \(result.server) instead")
                }
                report(result.directory, warn: warn)
                merged = merged.map { $0.merging(result.directory) } ?? result.directory
            } catch {
                if registry.count > 1, !registryRequired, !Self.isConfigurationError(error) {
                    warn("\(error); going on with the other registries")
                }
                lastError = error
            }
        }
        if let lastError, merged == nil || registryRequired || Self.isConfigurationError(lastError) {
            return try unavailable(lastError, warn: warn)
        }
        return merged.map(RegistryJoin.init(directory:))
    }

    /// Every `--registry`, parsed.
    func locations() throws(RegistryError) -> [RegistryLocation] {
        try registry.map { (text) throws(RegistryError) in try RegistryLocation(parsing: text) }
    }

    private func unavailable(_ error: RegistryError, warn: (String) -> Void) throws -> RegistryJoin {
        if registryRequired || Self.isConfigurationError(error) {
            throw RegistryFailure(message: error.description)
        }
        warn(
            "\(error); going on without registry names "
                + "(records say no_registry; --registry-required makes this an error)"
        )
        return .unavailable
    }

    /// A wrong password or database on every node: telling the user beats silently analysing without names.
    static func isConfigurationError(_ error: RegistryError) -> Bool {
        switch error {
        case .authenticationFailed, .databaseSelectFailed:
            return true
        case .allNodesFailed(let failures):
            return !failures.isEmpty && failures.allSatisfy(isConfigurationError)
        default:
            return false
        }
    }

    /// One line on what was read, and the first problems found in it.
    private func report(_ directory: ServiceDirectory, warn: (String) -> Void) {
        let problems = directory.problems
        warn(
            "registry \(directory.source): \(directory.keys.count) keys, \(directory.summary)"
                + (problems.isEmpty ? "" : ", \(problems.count) malformed or unusable entries")
        )
        for problem in problems.prefix(5) { warn("registry: \(TerminalText.sanitize(problem.description))") }
        if problems.count > 5 { warn("registry: … and \(problems.count - 5) more (`registry dump` lists them all)") }
    }
}

/// A registry problem that ends the run (exit code 2).
struct RegistryFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `--name-earlier-calls` (`read`, `report`): names from the capture for the calls before the answer that gives them.
struct CaptureNameOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Read the captures twice: a first look learns provider applications from getMetadataInfo answers, so the calls before an answer are named too.",
            discussion: """
                Without it, a MetadataService.getMetadataInfo answer names the calls that follow it (read only). \
                The first look decodes every body, so it costs about one more read of the captures. A registry \
                still wins.
                """))
    var nameEarlierCalls = false

    /// The first look: every getMetadataInfo answer in `files`, decoded in full whatever the run's own depth, is
    /// learnt into `names`. Nothing when the flag is off.
    func firstLook(files: [String], limits: Limits, filter: String?, into names: CaptureApplicationNames) {
        guard nameEarlierCalls else { return }
        _ = OfflineAnalysis(limits: limits, plan: .full, filter: filter).run(paths: files) { names.learn(from: $0) }
    }
}
