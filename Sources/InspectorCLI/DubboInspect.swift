package import ArgumentParser

/// The `dubbo-inspect` command: a root with one subcommand per job.
package struct DubboInspect: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "dubbo-inspect",
        abstract: "Decode Apache Dubbo 2 RPC traffic from captures: every call, its arguments, result and latency.",
        version: BuildVersion.text,
        subcommands: [Read.self, Live.self, Report.self, RegistryCommand.self]
    )

    package init() {}
}

/// The executable's whole body: parse the command line and run the chosen subcommand.
package func runDubboInspect() async {
    await DubboInspect.main()
}
