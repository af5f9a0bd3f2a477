/// A fixed, unseeded 64-bit hash (FNV-1a over the bytes, then the SplitMix64 finaliser), so ids derived from a
/// call are the same in every run and on every machine. Swift's `Hasher` is seeded per process and cannot be used.
/// Not cryptographic: it only has to spread the call identities evenly.
struct StableHash {
    private var state: UInt64

    /// `domain` separates the uses (trace id halves, span id) so they never collide by construction.
    init(domain: UInt64) {
        state = 0xcbf2_9ce4_8422_2325 ^ (domain &* 0x9E37_79B9_7F4A_7C15)
    }

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01B3
        }
    }

    mutating func combine(_ value: UInt64) {
        combine(value.bigEndianBytes)
    }

    mutating func combine(_ text: String) {
        combine(UInt64(text.utf8.count))
        combine(text.utf8)
    }

    /// The hash; never zero (zero is the invalid id in W3C trace context).
    func finalize() -> UInt64 {
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return mixed == 0 ? 1 : mixed
    }
}
