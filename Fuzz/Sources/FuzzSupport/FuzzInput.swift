/// Reads a fuzzer's input as a little program: control bytes first, data after. Every read past the end gives a
/// fixed default, so any input, however short, is a valid program.
public struct FuzzInput {
    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = UnsafeBufferPointer(start: size > 0 ? data : nil, count: max(0, size))
    }

    public var remaining: Int { bytes.count - position }
    public var isEmpty: Bool { remaining == 0 }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next two bytes, big-endian.
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) << 8 | UInt16(byte())
    }

    /// The next four bytes, big-endian.
    public mutating func uint32() -> UInt32 {
        UInt32(uint16()) << 16 | UInt32(uint16())
    }

    /// Up to `count` bytes (fewer at the end), copied.
    public mutating func take(_ count: Int) -> [UInt8] {
        let length = max(0, min(count, remaining))
        defer { position += length }
        return Array(bytes[position..<(position + length)])
    }

    /// Everything not read yet, copied.
    public mutating func rest() -> [UInt8] { take(remaining) }
}

/// Stops the fuzzer with a message when an invariant does not hold: libFuzzer records the input as a crash.
@inline(never)
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fatalError("invariant violated: \(message())")
    }
}
