import CByteScan

/// Appends JSON text to a byte buffer without Foundation: strings escaped per RFC 8259, so any
/// bytes from the wire are safe to print; non-finite doubles become `null`.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func rawUTF8(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes that are already JSON text.
    public mutating func appendRaw(_ json: [UInt8]) {
        bytes.append(contentsOf: json)
    }

    /// Appends bytes that are already JSON text.
    public mutating func appendRaw(_ json: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: json)
    }

    public mutating func null() { raw("null") }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func integer<T: BinaryInteger>(_ value: T) {
        if let small = Int64(exactly: value) {
            appendDecimal(small)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Decimal digits written straight into the buffer: numbers are most of a record, and `String(n)` allocates.
    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // The magnitude of Int64.min does not fit in Int64.
            appendDecimal(magnitude: value.magnitude)
        } else {
            appendDecimal(magnitude: UInt64(value))
        }
    }

    private mutating func appendDecimal(magnitude: UInt64) {
        guard magnitude >= 10 else {
            bytes.append(UInt8(truncatingIfNeeded: magnitude) + 0x30)
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes: room for 20 digits
        var count = 0
        var rest = magnitude
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[31 - count] = UInt8(truncatingIfNeeded: rest % 10) + 0x30
                rest /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(32 - count)...]))
        }
    }

    public mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 {
            appendDecimal(Int64(value))
            if value == 0, value.sign == .minus { return }
            raw(".0")
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    /// Epoch seconds with exactly six decimals (microsecond precision), as a JSON number.
    public mutating func timestamp(_ time: CaptureTime) {
        // Floor division, so times before 1970 print like `CaptureTime.description` does.
        let totalMicros = time.nanosecondsSinceEpoch.floorDivided(by: 1_000)
        let seconds = totalMicros.floorDivided(by: 1_000_000)
        let micros = totalMicros - seconds * 1_000_000
        appendDecimal(seconds)
        bytes.append(UInt8(ascii: "."))
        var divisor: Int64 = 100_000
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: micros / divisor % 10) + 0x30)
            divisor /= 10
        }
    }

    /// A JSON string. Works on the UTF-8 bytes: runs that need no escape are copied in bulk.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Bytes { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON string from UTF-8 bytes (ill-formed sequences are passed through, as `string` would never see them).
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Escapes per RFC 8259, plus DEL, the C1 controls and U+2028/U+2029 (which break JavaScript parsers).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress else { return }
        var runStart = 0
        var index = 0
        let count = utf8.count
        while index < count {
            // Straight to the next byte that needs a look: payload text, ASCII or not, is mostly long plain runs.
            index += dubbo_byte_scan_json_plain(base + index, count - index)
            guard index < count else { break }
            let byte = utf8[index]
            var escapedScalar: UInt32?
            var width = 1
            if byte == 0xC2, index + 1 < count, utf8[index + 1] >= 0x80, utf8[index + 1] < 0xA0 {
                escapedScalar = UInt32(utf8[index + 1])  // U+0080…U+009F
                width = 2
            } else if byte == 0xE2, index + 2 < count, utf8[index + 1] == 0x80,
                      utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9 {
                escapedScalar = 0x2000 | UInt32(utf8[index + 2] - 0x80)  // U+2028, U+2029
                width = 3
            } else if byte >= 0x80 {
                index += 1  // another character led by 0xC2 or 0xE2, or an ill-formed byte: passed through
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            switch (escapedScalar, byte) {
            case (nil, 0x22): raw("\\\"")
            case (nil, 0x5C): raw("\\\\")
            case (nil, 0x0A): raw("\\n")
            case (nil, 0x0D): raw("\\r")
            case (nil, 0x09): raw("\\t")
            case (nil, 0x08): raw("\\b")
            case (nil, 0x0C): raw("\\f")
            default: appendUnicodeEscape(escapedScalar ?? UInt32(byte))
            }
            index += width
            runStart = index
        }
        if runStart < count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
    }

    private mutating func appendUnicodeEscape(_ scalar: UInt32) {
        raw("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: (scalar >> UInt32(shift)) & 0xF)
            bytes.append(digit < 10 ? 0x30 + digit : 0x57 + digit)
        }
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    /// Drops everything written after `count` bytes (to replace a value that turned out too long).
    public mutating func truncate(to count: Int) {
        guard count >= 0, count < bytes.count else { return }
        bytes.removeSubrange(count...)
    }

    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    public mutating func beginObject() { bytes.append(UInt8(ascii: "{")) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { bytes.append(UInt8(ascii: "[")) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")) }
}
