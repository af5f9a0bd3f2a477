/// Byte scans the decoders share.
package enum ASCIIBytes {
    /// The first index in `start..<limit` holding a non-ASCII byte, or `limit`; checks eight bytes at a time.
    @inlinable
    package static func prefixEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while limit - index >= 8 {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index += 8
            }
        }
        while index < limit, bytes[index] < 0x80 {
            index += 1
        }
        return index
    }

    /// Whether every byte is below 0x80.
    @inlinable
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        prefixEnd(bytes, from: 0, limit: bytes.count) == bytes.count
    }
}
