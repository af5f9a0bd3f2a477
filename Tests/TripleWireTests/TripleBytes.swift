import InspectorCore
import NIOCore
import NIOHPACK
@testable import TripleWire

/// Builders for HTTP/2 bytes. Header blocks are written by NIOHPACK's encoder, so the decoder is checked against
/// an HPACK implementation written elsewhere.
enum H2 {
    static func frame(_ type: FrameType, flags: UInt8 = 0, stream: UInt32, _ payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type.rawValue, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)]
            + payload
    }

    static func grpcMessage(_ bytes: [UInt8], compressed: Bool = false) -> [UInt8] {
        let length = bytes.count
        return [compressed ? 1 : 0, UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
                UInt8(length & 0xFF)] + bytes
    }

    static let settings = frame(.settings, stream: 0)

    static func time(_ microseconds: Int64) -> CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: 1_700_000_000_000_000_000 + microseconds * 1_000)
    }
}

/// One side's HPACK encoder: blocks come out in order, sharing its dynamic table like a real peer's.
struct BlockEncoder {
    var encoder = HPACKEncoder(allocator: ByteBufferAllocator(), useHuffmanEncoding: true)

    mutating func block(_ fields: [(String, String)]) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try! encoder.encode(headers: HPACKHeaders(fields), to: &buffer)
        return Array(buffer.readableBytesView)
    }
}

/// Protobuf and Hessian bytes for wrapper messages.
enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    static func field(_ number: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    static func field(_ number: UInt64, varint value: UInt64) -> [UInt8] {
        varint(number << 3) + varint(value)
    }

    static func field(_ number: UInt64, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }

    /// Hessian 2 compact string (≤ 31 chars) and int (-16…47), as hessian-lite writes them (PROTOCOL.md §5.1).
    static func hessian(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
    static func hessian(_ value: Int) -> [UInt8] { [UInt8(0x90 + value)] }

    static func requestWrapper(_ arguments: [[UInt8]], types: [String]) -> [UInt8] {
        field(1, "hessian4") + arguments.flatMap { field(2, $0) } + types.flatMap { field(3, $0) }
    }

    static func responseWrapper(_ value: [UInt8], type: String) -> [UInt8] {
        field(1, "hessian4") + field(2, value) + field(3, type)
    }
}

/// Feeds a connection decoder and keeps what it reports.
struct ConnectionHarness {
    var decoder: TripleConnectionDecoder
    var calls: [TripleCall] = []

    init(limits: TripleLimits = TripleLimits(), midstream: Bool = false) {
        decoder = TripleConnectionDecoder(limits: limits, midstream: midstream)
    }

    mutating func send(_ bytes: [UInt8], from side: TripleSide, at time: CaptureTime = H2.time(0)) {
        var reported: [TripleCall] = []
        bytes.withUnsafeBufferPointer { decoder.receive($0.span, from: side, time: time) { reported.append($0.call) } }
        calls += reported
    }

    mutating func gap(_ length: Int, from side: TripleSide, at time: CaptureTime = H2.time(0)) {
        var reported: [TripleCall] = []
        decoder.gap(length: length, from: side, time: time) { reported.append($0.call) }
        calls += reported
    }

    mutating func finish(at time: CaptureTime = H2.time(0)) {
        var reported: [TripleCall] = []
        decoder.finish(time: time) { reported.append($0.call) }
        calls += reported
    }
}
