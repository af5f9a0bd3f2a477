public import ArgumentParser

public struct DubboInspect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dubbo-inspect",
        abstract: "Decode Dubbo RPC traffic and report latency."
    )
    public init() {}
}
