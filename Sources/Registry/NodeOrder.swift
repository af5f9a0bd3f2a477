/// The order in which a registry's nodes are tried.
///
/// `failover`: as written, main node first (Dubbo 2.7 tries its pools in hash-map order; the written order is
/// what a user expects and can reason about). `replicate`: every node holds the data, so reads start at a random
/// node and fall back to the others in turn, spreading the load.
struct NodeOrder {
    private var generator: SplitMix64

    init(seed: UInt64? = nil) {
        generator = SplitMix64(seed: seed ?? UInt64.random(in: .min ... .max))
    }

    mutating func nodes(for address: RegistryAddress) -> [RedisNode] {
        guard address.cluster == .replicate, address.nodes.count > 1 else { return address.nodes }
        let start = Int(generator.next() % UInt64(address.nodes.count))
        return Array(address.nodes[start...] + address.nodes[..<start])
    }
}

/// A small seedable generator (Steele, Lea, Flood 2014), so tests can fix the replicate order.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
