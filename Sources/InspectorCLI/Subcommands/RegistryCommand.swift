import InspectorCore
import ArgumentParser
import Registry

/// `dubbo-inspect registry …`: look at a Dubbo Redis registry.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Look at a Dubbo Redis or ZooKeeper registry (read commands only).",
        subcommands: [Dump.self]
    )

    /// `dubbo-inspect registry dump ADDRESS [--format text|json] [-o FILE]`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every provider, consumer and problem in the registry.",
            discussion: """
                --format json writes a snapshot that `read --registry-snapshot FILE` uses offline. Secrets (the \
                registry password, provider tokens) are redacted. Exit code 2 when no node could be read.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        @Argument(help: "The registry: redis://[:password@]host:port[?…] or zookeeper://host:port[,host2:port2][?…].")
        var address: String

        @Option(help: "text or json.")
        var format: Format = .text

        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
        var output: String?

        func validate() throws {
            do {
                _ = try RegistryLocation(parsing: address)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() async throws {
            let errors = OutputFile.standardError()
            let result: RegistryLocation.ReadResult
            do {
                result = try RegistryLocation(parsing: address).read()
            } catch {
                errors.write("dubbo-inspect: \(error)\n")
                errors.flush()
                throw ExitCode(2)
            }
            for failure in result.failures {
                errors.write("dubbo-inspect: \(failure); read \(result.server) instead\n")
            }
            let out: OutputFile
            if let output {
                switch OutputFile.create(path: output) {
                case .success(let file): out = file
                case .failure(let error): throw ValidationError(error.message)
                }
            } else {
                out = .standardOutput()
            }
            let now = SystemClock.wallMilliseconds
            switch format {
            case .json: out.write(RegistrySnapshot.json(result.directory, nowMilliseconds: now))
            case .text: out.write(result.directory.textListing(nowMilliseconds: now))
            }
            out.flush()
            errors.flush()
        }
    }
}
