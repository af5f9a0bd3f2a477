import Glibc
import InspectorCore

/// Writes packets to a pcapng file with nanosecond timestamps: one section, one interface.
///
/// The blocks are written by hand (pcapng, draft-ietf-opsawg-pcapng): a Section Header Block, an
/// Interface Description Block with `if_tsresol` = 9 (timestamps in nanoseconds), then an Enhanced
/// Packet Block per packet. Every field is little-endian; the SHB's byte-order magic says so.
/// Not thread-safe. Output is buffered by stdio; `flush()` pushes it out, the file is closed when the
/// writer goes away. A write error is remembered and reported by `flush()` (the capture goes on).
package final class PcapngWriter {
    /// The output path.
    package let path: String
    /// The link type of the one interface.
    package let linkType: Int32
    /// Packets written so far.
    package private(set) var packetsWritten = 0
    /// Bytes written so far, block framing included.
    package private(set) var bytesWritten = 0

    private let file: UnsafeMutablePointer<FILE>
    private var block: [UInt8] = []
    private var failed = false

    // MARK: Block and option codes (pcapng §4, §11)

    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    static let interfaceDescriptionType: UInt32 = 0x0000_0001
    static let enhancedPacketType: UInt32 = 0x0000_0006
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    static let optionEnd: UInt16 = 0
    static let optionComment: UInt16 = 1
    static let shbUserApplication: UInt16 = 4
    static let ifName: UInt16 = 2
    static let ifTimestampResolution: UInt16 = 9

    /// Creates (truncating) `path` and writes the section and interface headers.
    ///
    /// - Parameters:
    ///   - linkType: the `LINKTYPE_*` of every packet (1 Ethernet, 113 Linux SLL, ...).
    ///   - snapLength: recorded in the IDB; 0 means unlimited.
    ///   - interfaceName: recorded as `if_name` when given.
    ///   - application: recorded as `shb_userappl` when given.
    /// Throws `.writeFailed` with the system's reason.
    package init(
        path: String, linkType: Int32, snapLength: Int = 262_144, interfaceName: String? = nil,
        application: String? = "dubbo-inspect"
    ) throws(CaptureError) {
        guard let file = fopen(path, "wb") else {
            throw .writeFailed(path: path, message: String(cString: strerror(errno)))
        }
        self.file = file
        self.path = path
        self.linkType = linkType
        block.reserveCapacity(1 << 16)
        writeSectionHeader(application: application)
        writeInterfaceDescription(snapLength: snapLength, interfaceName: interfaceName)
        if failed {
            throw .writeFailed(path: path, message: String(cString: strerror(errno)))
        }
    }

    deinit {
        fclose(file)
    }

    /// Appends one Enhanced Packet Block: `packet`'s time (ns), lengths and captured bytes.
    package func write(_ packet: CapturedPacket) {
        write(
            nanosecondsSinceEpoch: packet.time.nanosecondsSinceEpoch, originalLength: packet.originalLength,
            bytes: packet.bytes)
    }

    /// Appends one Enhanced Packet Block from its parts.
    package func write(nanosecondsSinceEpoch: Int64, originalLength: Int, bytes: UnsafeRawBufferPointer) {
        let captured = UInt32(clamping: bytes.count)
        let padded = Self.padded(Int(captured))
        // type, total length, interface id, ts high, ts low, captured length, original length, data, total length
        let total = UInt32(clamping: 28 + padded + 4)
        block.removeAll(keepingCapacity: true)
        append32(Self.enhancedPacketType)
        append32(total)
        append32(0)
        let stamp = UInt64(bitPattern: max(0, nanosecondsSinceEpoch))
        append32(UInt32(truncatingIfNeeded: stamp >> 32))
        append32(UInt32(truncatingIfNeeded: stamp))
        append32(captured)
        append32(UInt32(clamping: max(originalLength, bytes.count)))
        block.append(contentsOf: bytes.prefix(Int(captured)))
        block.append(contentsOf: repeatElement(0, count: padded - Int(captured)))
        append32(total)
        emitBlock()
        packetsWritten += 1
    }

    /// Pushes buffered blocks to disk. Throws `.writeFailed` when a write failed since the file was opened.
    package func flush() throws(CaptureError) {
        if fflush(file) != 0 { failed = true }
        if failed { throw .writeFailed(path: path, message: "write failed (disk full?)") }
    }

    // MARK: Headers

    private func writeSectionHeader(application: String?) {
        block.removeAll(keepingCapacity: true)
        append32(Self.sectionHeaderType)
        append32(0)  // total length, patched below
        append32(Self.byteOrderMagic)
        append16(1)  // major version
        append16(0)  // minor version
        append32(0xFFFF_FFFF)  // section length unknown (-1 as a 64-bit value)
        append32(0xFFFF_FFFF)
        if let application { appendOption(Self.shbUserApplication, Array(application.utf8)) }
        appendEndOfOptions()
        finishBlock()
    }

    private func writeInterfaceDescription(snapLength: Int, interfaceName: String?) {
        block.removeAll(keepingCapacity: true)
        append32(Self.interfaceDescriptionType)
        append32(0)
        append16(UInt16(truncatingIfNeeded: linkType))
        append16(0)  // reserved
        append32(UInt32(clamping: max(0, snapLength)))
        if let interfaceName { appendOption(Self.ifName, Array(interfaceName.utf8)) }
        // if_tsresol: high bit clear, value 9 → 10^-9 s per unit.
        appendOption(Self.ifTimestampResolution, [9])
        appendEndOfOptions()
        finishBlock()
    }

    // MARK: Encoding

    /// Rounds up to the 32-bit boundary every block body and option value is padded to.
    static func padded(_ length: Int) -> Int { (length + 3) & ~3 }

    private func append16(_ value: UInt16) {
        block.append(UInt8(truncatingIfNeeded: value))
        block.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { block.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private func appendOption(_ code: UInt16, _ value: [UInt8]) {
        let length = min(value.count, Int(UInt16.max) - 3)
        append16(code)
        append16(UInt16(length))
        block.append(contentsOf: value.prefix(length))
        block.append(contentsOf: repeatElement(0, count: Self.padded(length) - length))
    }

    private func appendEndOfOptions() {
        append16(Self.optionEnd)
        append16(0)
    }

    /// Writes the trailing length and patches the leading one (bytes 4-7) of a header block.
    private func finishBlock() {
        let total = UInt32(block.count + 4)
        append32(total)
        for index in 0..<4 { block[4 + index] = UInt8(truncatingIfNeeded: total >> UInt32(8 * index)) }
        emitBlock()
    }

    private func emitBlock() {
        let written = block.withUnsafeBytes { raw in fwrite(raw.baseAddress, 1, raw.count, file) }
        if written != block.count { failed = true }
        bytesWritten += written
    }
}
