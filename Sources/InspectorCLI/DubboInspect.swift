public import ArgumentParser

/// The `dubbo-inspect` command: a root with one subcommand per job.
public struct DubboInspect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dubbo-inspect",
        abstract: "Decode Apache Dubbo 2 RPC traffic from captures: every call, its arguments, result and latency.",
        version: BuildVersion.text,
        subcommands: [Read.self, Live.self, Report.self, RegistryCommand.self]
    )

    public init() {}
}

/// The executable's whole body: parse the command line and run the chosen subcommand.
public func runDubboInspect() async {
    await DubboInspect.main()
}
