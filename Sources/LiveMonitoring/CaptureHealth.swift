/// How well the capture keeps up: the kernel's counters (`pcap_stats`), the bounded queue between the capture
/// thread and the analysis, and what reassembly saw. Every count is cumulative since the capture started.
package struct CaptureHealth: Sendable, Equatable {
    /// Packets that passed the filter and reached the capture buffer (`ps_recv`).
    package var received: UInt64 = 0
    /// Packets the kernel dropped because the capture buffer was full (`ps_drop`): the capture thread fell behind.
    package var droppedByKernel: UInt64 = 0
    /// Packets the interface or its driver dropped (`ps_ifdrop`), where the platform reports it.
    package var droppedByInterface: UInt64 = 0
    /// Packets read from the kernel but dropped because the queue to the analysis was full: the analysis (or the
    /// output it writes to) fell behind.
    package var droppedByQueue: UInt64 = 0
    /// Packets the analysis processed, and their captured bytes.
    package var packetsAnalysed: UInt64 = 0
    package var bytesAnalysed: UInt64 = 0
    /// Packets waiting in the queue right now.
    package var queuedPackets: Int = 0
    /// Holes in TCP streams (bytes that never reached the capture), and their total size.
    package var gaps: UInt64 = 0
    package var gapBytes: UInt64 = 0
    /// TCP connections tracked right now.
    package var connections: Int = 0

    package init() {}

    /// Every packet lost before analysis, whatever the stage.
    package var totalDropped: UInt64 { droppedByKernel &+ droppedByInterface &+ droppedByQueue }
}

/// Turns a 32-bit counter that wraps (libpcap's `ps_recv`, `ps_drop` on Linux) into a 64-bit one that does not.
///
/// Feed every reading in order; a reading smaller than the previous one is taken as one wrap, so the counter
/// must be read at least once per 2^32 increments (once a second is plenty).
package struct WrappingCounter: Sendable, Equatable {
    package private(set) var total: UInt64 = 0
    private var last: UInt32?

    package init() {}

    package mutating func update(_ reading: UInt32) {
        if let last {
            total &+= UInt64(reading &- last)
        } else {
            total = UInt64(reading)
        }
        last = reading
    }
}
