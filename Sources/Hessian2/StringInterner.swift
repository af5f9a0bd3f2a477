import Glibc

/// Recently decoded ASCII strings, handed out again instead of allocated again.
///
/// Dubbo repeats the same few strings in every body — the Dubbo version, service and method names, parameter
/// descriptors, attachment keys and values — and a Swift String longer than 15 bytes costs a heap allocation.
/// A small direct-mapped table keyed by a hash of the bytes keeps the last string seen in each slot; a hit is a
/// byte comparison and a retain. Fixed size (256 slots of at most `maxLength` bytes), so hostile input can only
/// evict entries, never grow it. Shared by the Hessian2 and fastjson2 (JSONB) decoders.
package struct StringInterner: Sendable {
    /// Shorter strings are stored inline by Swift (no allocation to save); longer ones are rarely repeated.
    package static let minLength = 16
    package static let maxLength = 128
    private static let slotBits = 8

    /// Allocated on first use, so making a decoder stays free.
    private var slots: [String] = []

    /// The string for `bytes` (ASCII, `minLength...maxLength` long, checked by the caller).
    package init() {}

    package mutating func string(for bytes: UnsafeBufferPointer<UInt8>) -> String {
        if slots.isEmpty { slots = [String](repeating: "", count: 1 << Self.slotBits) }
        let slot = Self.slot(for: bytes)
        var hit = false
        slots[slot].utf8.withContiguousStorageIfAvailable { stored in
            guard stored.count == bytes.count, let storedBase = stored.baseAddress, let base = bytes.baseAddress
            else { return }
            hit = memcmp(storedBase, base, bytes.count) == 0
        }
        if hit { return slots[slot] }
        let string = String(decoding: bytes, as: UTF8.self)
        slots[slot] = string
        return string
    }

    /// Mixes the length and the first and last eight bytes (the caller guarantees at least 16).
    private static func slot(for bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawBufferPointer(bytes)
        let head = raw.loadUnaligned(as: UInt64.self)
        let tail = raw.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)
        let mixed = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(bytes.count)
        return Int(truncatingIfNeeded: (mixed &* 0x1656_67B1_9E37_79F9) >> UInt64(64 - slotBits))
    }
}
