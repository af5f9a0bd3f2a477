import CByteScan

/// Byte scans over UTF-8 text for the record formats, sixteen bytes at a time (CByteScan).
package enum TextScan {
    /// How many leading bytes hold no `,`, `"`, LF or CR: `bytes.count` means a CSV cell needs no quotes.
    package static func csvPlainPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return dubbo_byte_scan_csv_special(base, bytes.count)
    }

    /// How many leading bytes of `text` are printable ASCII (0x20...0x7E).
    package static func printableASCIIPrefix(_ text: String) -> Int {
        text.withUTF8Bytes(printableASCIIPrefix)
    }

    /// How many leading bytes are printable ASCII (0x20...0x7E).
    package static func printableASCIIPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return dubbo_byte_scan_printable_ascii(base, bytes.count)
    }

    /// Whether `text` holds a control character for a terminal: C0, DEL, C1, U+2028/U+2029 or a bidirectional
    /// override (U+202A...U+202E, U+2066...U+2069). Candidates are found sixteen bytes at a time and decided from
    /// their bytes, so text with other characters led by 0xC2 or 0xE2 (©, –, →) stays on the fast path.
    package static func containsTerminalControl(_ text: String) -> Bool {
        text.withUTF8Bytes(containsTerminalControl)
    }

    package static func containsTerminalControl(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        var index = 0
        while index < count {
            index += dubbo_byte_scan_terminal_plain(base + index, count - index)
            guard index < count else { return false }
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return true }
            let second = index + 1 < count ? bytes[index + 1] : 0
            let third = index + 2 < count ? bytes[index + 2] : 0
            if byte == 0xC2, (0x80...0x9F).contains(second) { return true }
            if byte == 0xE2, second == 0x80, (0xA8...0xAE).contains(third) { return true }
            if byte == 0xE2, second == 0x81, (0xA6...0xA9).contains(third) { return true }
            index += 1
        }
        return false
    }
}
