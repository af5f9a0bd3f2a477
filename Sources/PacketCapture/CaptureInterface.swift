/// An interface libpcap can capture on, as `pcap_findalldevs` lists it.
package struct CaptureInterface: Sendable, Equatable {
    /// The name to pass to `LiveCapture` (`eth0`, `lo`, `any`).
    package var name: String
    /// libpcap's human description, when it has one.
    package var description: String?
    package var isLoopback: Bool
    package var isUp: Bool
    package var isRunning: Bool

    package init(name: String, description: String?, isLoopback: Bool, isUp: Bool, isRunning: Bool) {
        self.name = name
        self.description = description
        self.isLoopback = isLoopback
        self.isUp = isUp
        self.isRunning = isRunning
    }
}
