/// What a packet source delivered so far.
public struct CaptureStats: Sendable, Equatable {
    /// Packets handed to the caller (after the BPF filter).
    public var packetsRead: Int = 0
    /// Captured bytes of those packets.
    public var bytesRead: Int = 0
    /// Wire bytes of those packets (`originalLength` summed).
    public var originalBytes: Int = 0
    /// Packets whose capture was cut by the snap length.
    public var packetsCutBySnapLength: Int = 0
    /// Files (or interfaces) that ended with an error instead of a clean end.
    public var sourcesFailed: Int = 0

    public init() {}

    /// Counts one delivered packet.
    mutating func record(_ packet: CapturedPacket) {
        packetsRead += 1
        bytesRead += packet.capturedLength
        originalBytes += packet.originalLength
        if packet.isCutBySnapLength { packetsCutBySnapLength += 1 }
    }

    /// The sum of two sources' statistics.
    public static func + (lhs: CaptureStats, rhs: CaptureStats) -> CaptureStats {
        var sum = lhs
        sum.packetsRead += rhs.packetsRead
        sum.bytesRead += rhs.bytesRead
        sum.originalBytes += rhs.originalBytes
        sum.packetsCutBySnapLength += rhs.packetsCutBySnapLength
        sum.sourcesFailed += rhs.sourcesFailed
        return sum
    }
}
