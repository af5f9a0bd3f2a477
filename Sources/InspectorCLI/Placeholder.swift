public import ArgumentParser

public struct DubboInspect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dubbo-inspect",
        abstract: "Decode Dubbo RPC traffic and report latency."
    )
    public init() {}
}

/// The executable's whole body: parse the command line and run the chosen subcommand.
public func runDubboInspect() async {
    await DubboInspect.main()
}
