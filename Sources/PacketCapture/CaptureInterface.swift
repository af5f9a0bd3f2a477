/// An interface libpcap can capture on, as `pcap_findalldevs` lists it.
public struct CaptureInterface: Sendable, Equatable {
    /// The name to pass to `LiveCapture` (`eth0`, `lo`, `any`).
    public var name: String
    /// libpcap's human description, when it has one.
    public var description: String?
    public var isLoopback: Bool
    public var isUp: Bool
    public var isRunning: Bool

    public init(name: String, description: String?, isLoopback: Bool, isUp: Bool, isRunning: Bool) {
        self.name = name
        self.description = description
        self.isLoopback = isLoopback
        self.isUp = isUp
        self.isRunning = isRunning
    }
}
