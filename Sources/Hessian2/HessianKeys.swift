/// Map keys to keep (`HessianDecoder.decodeMap(in:keepingKeys:)`), with their bytes, so a key on the wire is matched
/// before it is built.
public struct HessianKeys: Sendable, Equatable {
    public let strings: [String]
    /// The ASCII keys' bytes (a Hessian short string of ASCII is its bytes); nil for a key that is not ASCII, which
    /// is only ever matched once built.
    private let asciiBytes: [[UInt8]?]

    public init(_ strings: [String]) {
        self.strings = strings
        asciiBytes = strings.map { key in key.utf8.allSatisfy { $0 < 0x80 } ? Array(key.utf8) : nil }
    }

    /// The index of the key whose bytes are `body[from..<from + count]`, if any.
    func index(ofASCII body: Span<UInt8>, from start: Int, count: Int) -> Int? {
        guard count <= body.count - start else { return nil }
        outer: for (index, key) in asciiBytes.enumerated() {
            guard let key, key.count == count else { continue }
            for offset in 0..<count where body[start + offset] != key[offset] { continue outer }
            return index
        }
        return nil
    }
}

extension HessianKeys: ExpressibleByArrayLiteral {
    public init(arrayLiteral keys: String...) {
        self.init(keys)
    }
}
