/// What a packet source delivered so far.
package struct CaptureStats: Sendable, Equatable {
    /// Packets handed to the caller (after the BPF filter).
    package var packetsRead: Int = 0
    /// Captured bytes of those packets.
    package var bytesRead: Int = 0
    /// Wire bytes of those packets (`originalLength` summed).
    package var originalBytes: Int = 0
    /// Packets whose capture was cut by the snap length.
    package var packetsCutBySnapLength: Int = 0
    /// Files (or interfaces) that ended with an error instead of a clean end.
    package var sourcesFailed: Int = 0

    package init() {}

    /// Counts one delivered packet.
    mutating func record(_ packet: CapturedPacket) {
        packetsRead += 1
        bytesRead += packet.capturedLength
        originalBytes += packet.originalLength
        if packet.isCutBySnapLength { packetsCutBySnapLength += 1 }
    }

    /// The sum of two sources' statistics.
    package static func + (lhs: CaptureStats, rhs: CaptureStats) -> CaptureStats {
        var sum = lhs
        sum.packetsRead += rhs.packetsRead
        sum.bytesRead += rhs.bytesRead
        sum.originalBytes += rhs.originalBytes
        sum.packetsCutBySnapLength += rhs.packetsCutBySnapLength
        sum.sourcesFailed += rhs.sourcesFailed
        return sum
    }
}
