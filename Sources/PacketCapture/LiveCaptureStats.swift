/// Counters of a live capture: the kernel's (`pcap_stats`) and what was delivered.
package struct LiveCaptureStats: Sendable, Equatable {
    /// Packets the kernel handed to the capture (`ps_recv`; on Linux, before the filter drops some).
    package var received: UInt64
    /// Packets dropped because the capture buffer was full (`ps_drop`): the reader fell behind.
    package var droppedByKernel: UInt64
    /// Packets the interface or driver dropped (`ps_ifdrop`), where the platform reports it.
    package var droppedByInterface: UInt64
    /// What `nextPacket()` returned so far.
    package var delivered: CaptureStats

    package init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64, delivered: CaptureStats) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
        self.delivered = delivered
    }
}
