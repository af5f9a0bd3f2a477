public import DubboWire
public import NetworkLayers

/// One decoded frame, with where it travelled. The correlator's only input besides connection ends and time.
public struct FrameEvent: Sendable {
    /// Identifies the TCP connection (assigned by the pipeline; unique for the whole run, port reuse included).
    public var connection: UInt64
    public var source: Endpoint
    public var destination: Endpoint
    public var info: DubboFrameInfo
    public var body: DubboBody

    public init(connection: UInt64, source: Endpoint, destination: Endpoint, info: DubboFrameInfo, body: DubboBody) {
        self.connection = connection
        self.source = source
        self.destination = destination
        self.info = info
        self.body = body
    }

    /// Moves the body out (leaving `.missing`), so it goes into a record without a copy of its strings.
    mutating func takeBody() -> DubboBody {
        var taken = DubboBody.missing
        swap(&taken, &body)
        return taken
    }
}
