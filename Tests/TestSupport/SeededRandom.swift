/// A seeded generator (SplitMix64), so every run draws the same values.
package struct SeededRandom: RandomNumberGenerator {
    package var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Roughly log-normal: most values near `median`, a long tail up to ~`median` × 2^spread.
    package mutating func skewed(median: Double, spread: Double) -> Int64 {
        let u = Double.random(in: -1...1, using: &self) + Double.random(in: -1...1, using: &self)
        return Int64(max(0, median * pow2(u * spread / 2)))
    }

    private func pow2(_ x: Double) -> Double {
        var result = 1.0
        var exponent = x
        // exp2 without Foundation: split into integer and fraction (fraction by its series).
        let whole = exponent.rounded(.down)
        exponent -= whole
        let ln2 = 0.693_147_180_559_945_3
        var term = 1.0
        var sum = 1.0
        for n in 1...20 {
            term *= exponent * ln2 / Double(n)
            sum += term
        }
        result = sum
        if whole >= 0 { for _ in 0..<Int(whole) { result *= 2 } } else { for _ in 0..<Int(-whole) { result /= 2 } }
        return result
    }
}
