/// A TCP sequence number, ordered with RFC 1982 serial-number arithmetic so comparisons survive the 2^32 wrap.
///
/// Two numbers are ordered only when they are less than 2^31 apart. The reassembler never compares numbers
/// further apart than a TCP window (at most 2^30 bytes, RFC 7323 §2.3), so every comparison it makes is sound.
/// There is deliberately no `Comparable` conformance: serial order is not a total order, and raw `UInt32`
/// comparison is exactly the bug this type exists to prevent.
public struct TCPSequence: Hashable, Sendable, CustomStringConvertible {
    /// The number as carried in the TCP header.
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Signed distance from `self` to `other`: positive when `other` comes later, in `-2^31 ..< 2^31`.
    @inlinable
    public func distance(to other: TCPSequence) -> Int {
        Int(Int32(bitPattern: other.rawValue &- rawValue))
    }

    /// The number `count` positions later (earlier when negative), wrapping modulo 2^32.
    @inlinable
    public func advanced(by count: Int) -> TCPSequence {
        TCPSequence(rawValue &+ UInt32(truncatingIfNeeded: count))
    }

    /// `true` when `self` comes strictly before `other` in serial order.
    @inlinable
    public func precedes(_ other: TCPSequence) -> Bool {
        distance(to: other) > 0
    }

    public var description: String { String(rawValue) }
}
