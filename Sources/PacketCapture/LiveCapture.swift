import InspectorCore
import Synchronization

/// Captures packets from a network interface (`pcap_create` + `pcap_activate`).
///
/// `nextPacket()` blocks until a packet arrives and returns `nil` only after `breakLoop()`.
/// `breakLoop()` may be called from any thread or task (a signal handler's task, say); every other
/// member belongs to the one capturing thread. Timestamps are nanoseconds when the device gives them.
package final class LiveCapture: PacketSource, @unchecked Sendable {
    /// The interface name as given.
    package let interface: String
    /// The interface's `DLT_*` link type (1 Ethernet; `any` gives 113 Linux SLL).
    package let linkType: Int32
    /// The snap length in force.
    package let snapLength: Int
    /// libpcap's warning from activation (promiscuous mode unsupported, ...), if any.
    package let activationWarning: String?

    // `@unchecked Sendable`: only `breakLoop()` crosses threads, and it touches just this atomic
    // flag and `pcap_breakloop`, which libpcap documents as callable from another thread.
    private let handle: PcapHandle
    private let stopRequested = Atomic<Bool>(false)
    private var delivered = CaptureStats()

    /// Opens and activates a live capture.
    ///
    /// - Parameters:
    ///   - snapLength: bytes kept per packet; Dubbo bodies can be large, so the default keeps whole packets.
    ///   - bufferSizeMiB: kernel buffer; bigger absorbs bursts while the analysis catches up.
    ///   - filter: BPF expression compiled for the interface's link type.
    ///   - immediate: deliver each packet at once, instead of in blocks (a block when full or after `timeoutMs`):
    ///     lower latency, far more wake-ups.
    ///   - timeoutMs: how long one read waits before checking for `breakLoop()` again.
    ///   - promiscuous: also see traffic not addressed to this host (mirror ports).
    /// Throws `.interfaceNotFound` (listing the interfaces), `.missingPrivileges`, `.interfaceNotUp`,
    /// `.badFilter`, or `.liveCaptureFailed`.
    /// Snap lengths libpcap accepts (MAXIMUM_SNAPLEN is 262144).
    package static let snapLengths = 1...262_144
    /// Kernel buffer sizes asked for, in MiB: past 1 GiB the packet ring rarely fits, and `<< 20` must fit an Int32.
    package static let bufferSizesMiB = 1...1_024

    package init(
        interface: String,
        snapLength: Int = 262_144,
        bufferSizeMiB: Int = 32,
        filter: String? = nil,
        immediate: Bool = false,
        timeoutMs: Int = 100,
        promiscuous: Bool = true
    ) throws(CaptureError) {
        guard Self.snapLengths.contains(snapLength) else {
            throw .liveCaptureFailed(
                interface: interface,
                message: "snap length \(snapLength) is outside \(Self.snapLengths.lowerBound)...\(Self.snapLengths.upperBound) bytes")
        }
        guard Self.bufferSizesMiB.contains(bufferSizeMiB) else {
            throw .liveCaptureFailed(
                interface: interface,
                message: "buffer size \(bufferSizeMiB) MiB is outside \(Self.bufferSizesMiB.lowerBound)...\(Self.bufferSizesMiB.upperBound) MiB")
        }
        var handle: PcapHandle
        do {
            handle = try PcapHandle.create(interface: interface)
        } catch {
            throw .liveCaptureFailed(interface: interface, message: error.message)
        }
        if let refused = handle.configure(
            snapLength: Int32(snapLength),
            bufferSizeBytes: Int32(bufferSizeMiB << 20),
            promiscuous: promiscuous,
            immediate: immediate,
            timeoutMs: Int32(clamping: max(timeoutMs, 1))
        ) {
            throw .liveCaptureFailed(interface: interface, message: refused)
        }
        let status = handle.activate()
        if status < 0 {
            // The kernel refuses a buffer it cannot allocate here (the packet ring): say which settings were asked.
            let message = "\(handle.lastError) (snap length \(snapLength) bytes, buffer size \(bufferSizeMiB) MiB)"
            throw Self.activationError(status: status, message: message, interface: interface)
        }
        self.activationWarning = status > 0 ? handle.lastError : nil
        if let filter {
            do {
                try handle.setFilter(filter)
            } catch {
                throw .badFilter(filter: filter, message: error.message)
            }
        }
        self.interface = interface
        self.linkType = handle.linkType
        self.snapLength = Int(handle.snapLength)
        self.handle = handle
    }

    /// Same as `init(interface:...)`.
    package static func open(
        interface: String,
        snapLength: Int = 262_144,
        bufferSizeMiB: Int = 32,
        filter: String? = nil,
        immediate: Bool = false,
        timeoutMs: Int = 100
    ) throws(CaptureError) -> LiveCapture {
        try LiveCapture(
            interface: interface, snapLength: snapLength, bufferSizeMiB: bufferSizeMiB,
            filter: filter, immediate: immediate, timeoutMs: timeoutMs
        )
    }

    /// Every interface libpcap can capture on. Throws `.interfaceListFailed`.
    package static func availableInterfaces() throws(CaptureError) -> [CaptureInterface] {
        do {
            return try PcapHandle.allInterfaces()
        } catch {
            throw .interfaceListFailed(message: error.message)
        }
    }

    /// The next packet; blocks until one arrives. `nil` only once `breakLoop()` was called.
    /// Throws `.liveReadFailed` when the interface goes away or the read fails.
    package func nextPacket() throws(CaptureError) -> CapturedPacket? {
        // Each pass waits at most the read timeout, so the loop ends within one timeout of breakLoop().
        while !stopRequested.load(ordering: .acquiring) {
            switch handle.next() {
            case .packet(let record):
                let packet = CapturedPacket(
                    time: CaptureTime(nanosecondsSinceEpoch: record.nanosecondsSinceEpoch),
                    linkType: linkType,
                    capturedLength: record.capturedLength,
                    originalLength: record.originalLength,
                    bytes: record.bytes,
                    sourceIndex: 0
                )
                delivered.record(packet)
                return packet
            case .timeout:
                continue
            case .end:
                return nil
            case .failed(let message):
                throw .liveReadFailed(interface: interface, message: message)
            }
        }
        return nil
    }

    /// Makes `nextPacket()` return `nil` (now if it is waiting, else on its next call). Any thread.
    package func breakLoop() {
        stopRequested.store(true, ordering: .releasing)
        handle.breakLoop()
    }

    /// Kernel counters (`pcap_stats`) plus what was delivered. Call from the capturing thread.
    package func stats() throws(CaptureError) -> LiveCaptureStats {
        do {
            let counters = try handle.statistics()
            return LiveCaptureStats(
                received: UInt64(counters.received),
                droppedByKernel: UInt64(counters.dropped),
                droppedByInterface: UInt64(counters.interfaceDropped),
                delivered: delivered
            )
        } catch {
            throw .liveReadFailed(interface: interface, message: error.message)
        }
    }

    /// Maps a negative `pcap_activate` status to the error a user can act on.
    private static func activationError(status: Int32, message: String, interface: String) -> CaptureError {
        let interfaces = (try? PcapHandle.allInterfaces())?.map(\.name)
        switch status {
        case PcapStatus.noSuchDevice:
            return .interfaceNotFound(interface: interface, available: interfaces ?? [])
        case PcapStatus.permissionDenied, PcapStatus.promiscuousPermissionDenied:
            // Without privileges Linux fails before it looks the name up, so check the name ourselves.
            if let interfaces, !interfaces.contains(interface) {
                return .interfaceNotFound(interface: interface, available: interfaces)
            }
            return .missingPrivileges(interface: interface, message: message)
        case PcapStatus.interfaceNotUp:
            return .interfaceNotUp(interface: interface)
        default:
            return .liveCaptureFailed(interface: interface, message: message)
        }
    }
}
