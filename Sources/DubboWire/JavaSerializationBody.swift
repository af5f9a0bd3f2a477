import Hessian2
import InspectorCore

/// JDK serialization bodies — java (3), compactedjava (4), nativejava (7) — read as far as their block data goes
/// (PROTOCOL.md §3.7): the request's five strings, a response's result flag and the class of its exception. Java
/// objects (arguments, attachments, values) would need the classes' serialized layouts; they stay undecoded.
enum JavaSerializationBody {
    /// `AC ED 00 05`, the stream header every `ObjectOutputStream` writes first.
    static let streamHeader: [UInt8] = [0xAC, 0xED, 0x00, 0x05]

    static func decodeRequest(_ body: Span<UInt8>, serialization: Serialization, partial: Bool) -> DubboRequestBody {
        var request = DubboRequestBody()
        request.isPartial = partial
        guard var blocks = BlockData(body) else {
            request.decodeError = "not a Java serialization stream"
            return request
        }
        // java and compactedjava write an int (the UTF-16 length, or −1 for null) before `writeUTF`; nativejava not.
        let lengthPrefixed = serialization.id != 7
        var fields: [String?] = []
        while fields.count < 5, let field = blocks.readUTF(lengthPrefixed: lengthPrefixed) {
            fields.append(field)
        }
        if fields.count > 0 { request.dubboVersion = fields[0] }
        if fields.count > 1 { request.service = fields[1] }
        if fields.count > 2 { request.version = fields[2] ?? "" }
        if fields.count > 3 { request.method = fields[3] }
        if fields.count > 4 { request.parameterDescriptor = fields[4] ?? "" }
        if fields.count == 5 {
            // Arguments and attachments are Java objects.
            request.decodeError = "java serialization arguments are not decoded"
        } else if !(partial && blocks.reachedEnd) {
            request.decodeError = "java serialization body does not start with five strings"
        }
        return request
    }

    static func decodeResponse(_ header: DubboFrameHeader, _ body: Span<UInt8>, serialization: Serialization, partial: Bool) -> DubboResponseBody {
        var response = DubboResponseBody()
        response.isPartial = partial
        guard var blocks = BlockData(body) else {
            response.decodeError = "not a Java serialization stream"
            return response
        }
        guard header.status == StatusCode.ok.rawValue else {
            if let message = blocks.readUTF(lengthPrefixed: serialization.id != 7) {
                response.errorMessage = message
            } else if !partial {
                response.decodeError = "java serialization error message not decoded"
            }
            return response
        }
        guard let rawFlag = blocks.readByte() else {
            if !partial { response.decodeError = "no result flag" }
            return response
        }
        guard let flag = ResultFlag(rawValue: Int64(rawFlag)) else {
            response.decodeError = "unknown result flag \(rawFlag)"
            return response
        }
        response.resultFlag = flag
        if flag == .exception || flag == .exceptionWithAttachments {
            // java/compactedjava write a 1 (not null) byte before the object; then TC_OBJECT, TC_CLASSDESC, the name.
            if serialization.id != 7 { _ = blocks.readByte() }
            if let name = blocks.objectClassName() {
                response.exception = .object(HessianObject(className: name, fieldNames: [], fieldValues: []))
            }
        }
        if flag != .nullValue { response.decodeError = "java serialization values are not decoded" }
        return response
    }

    /// The block-data records that open the stream (`77 <u8 length>` or `7A <u32 length>`), read as one byte
    /// string, which is where `writeUTF`, `writeInt` and `writeByte` put their bytes.
    struct BlockData {
        private var data: [UInt8] = []
        private var position = 0
        /// Where the block data ended in the body: the tag of the first object (or the end).
        private(set) var objectOffset: Int
        private let objectTag: UInt8?
        private let className: String?
        /// The body ended inside or right after the block data (nothing follows it in what was captured).
        private(set) var reachedEnd = false

        init?(_ body: Span<UInt8>) {
            guard body.count >= 4 else { return nil }
            for index in 0..<4 where body[index] != JavaSerializationBody.streamHeader[index] { return nil }
            var offset = 4
            while offset < body.count {
                let tag = body[offset]
                let length: Int
                let headerSize: Int
                if tag == 0x77, offset + 1 < body.count {
                    length = Int(body[offset + 1])
                    headerSize = 2
                } else if tag == 0x7A, let long = body.bigEndian(at: offset + 1, as: UInt32.self) {
                    length = Int(Int32(bitPattern: long))
                    headerSize = 5
                } else {
                    break
                }
                guard length >= 0 else { break }
                let start = offset + headerSize
                let end = min(start + length, body.count)
                for index in start..<end { data.append(body[index]) }
                // A lying length only ends the data early: no more is copied than the body holds.
                offset = start + length
            }
            objectOffset = min(offset, body.count)
            reachedEnd = offset >= body.count
            objectTag = objectOffset < body.count ? body[objectOffset] : nil
            // TC_OBJECT (0x73), TC_CLASSDESC (0x72), u16 length, the class name in modified UTF-8.
            if objectOffset + 4 < body.count, body[objectOffset] == 0x73, body[objectOffset + 1] == 0x72,
               let nameLength = body.bigEndian(at: objectOffset + 2, as: UInt16.self),
               objectOffset + 4 + Int(nameLength) <= body.count {
                var bytes: [UInt8] = []
                for index in (objectOffset + 4)..<(objectOffset + 4 + Int(nameLength)) { bytes.append(body[index]) }
                className = JavaSerializationBody.modifiedUTF8(bytes)
            } else {
                className = nil
            }
        }

        mutating func readByte() -> UInt8? {
            guard position < data.count else { return nil }
            defer { position += 1 }
            return data[position]
        }

        /// One `writeUTF` string; `.some(nil)` for the null that java/compactedjava mark with length −1; nil when
        /// the block data ends first.
        mutating func readUTF(lengthPrefixed: Bool) -> String?? {
            let start = position
            if lengthPrefixed {
                guard let characters = readInt32() else { return nil }
                if characters == -1 { return .some(nil) }
            }
            guard position + 2 <= data.count else {
                position = start
                return nil
            }
            let length = Int(data[position]) << 8 | Int(data[position + 1])
            guard position + 2 + length <= data.count else {
                position = start
                return nil
            }
            let text = JavaSerializationBody.modifiedUTF8(Array(data[(position + 2)..<(position + 2 + length)]))
            position += 2 + length
            return .some(text)
        }

        private mutating func readInt32() -> Int32? {
            guard position + 4 <= data.count else { return nil }
            var value: UInt32 = 0
            for index in position..<(position + 4) { value = value << 8 | UInt32(data[index]) }
            position += 4
            return Int32(bitPattern: value)
        }

        /// The class name of the object right after the block data, when the bytes hold it.
        func objectClassName() -> String? {
            position == data.count && objectTag == 0x73 ? className : nil
        }
    }

    /// Java's modified UTF-8 (`DataOutput.writeUTF`): UTF-16 units in one to three bytes, NUL as `C0 80`;
    /// a malformed sequence becomes U+FFFD.
    static func modifiedUTF8(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            if first < 0x80 {
                units.append(UInt16(first))
                index += 1
            } else if first & 0xE0 == 0xC0, index + 1 < bytes.count, bytes[index + 1] & 0xC0 == 0x80 {
                units.append(UInt16(first & 0x1F) << 6 | UInt16(bytes[index + 1] & 0x3F))
                index += 2
            } else if first & 0xF0 == 0xE0, index + 2 < bytes.count, bytes[index + 1] & 0xC0 == 0x80,
                      bytes[index + 2] & 0xC0 == 0x80 {
                units.append(UInt16(first & 0x0F) << 12 | UInt16(bytes[index + 1] & 0x3F) << 6 | UInt16(bytes[index + 2] & 0x3F))
                index += 3
            } else {
                units.append(0xFFFD)
                index += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }
}
