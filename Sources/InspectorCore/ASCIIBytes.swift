import CByteScan

/// Byte scans the decoders share.
package enum ASCIIBytes {
    /// The first index in `start..<limit` holding a non-ASCII byte, or `limit`; sixteen bytes at a time (CByteScan).
    package static func prefixEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Int {
        guard let base = bytes.baseAddress, start < limit else { return max(start, limit) }
        return start + dubbo_byte_scan_ascii(base + start, limit - start)
    }

    /// Whether every byte is below 0x80.
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        prefixEnd(bytes, from: 0, limit: bytes.count) == bytes.count
    }
}
