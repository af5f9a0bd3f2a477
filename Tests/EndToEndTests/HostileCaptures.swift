/// Byte builders for hostile captures: classic pcap files, Ethernet/IPv4/TCP packets, TCP conversations and
/// Dubbo frames, written from scratch so tests say exactly which byte is wrong.
struct HostilePcap {
    private(set) var bytes: [UInt8] = []

    /// A little-endian, microsecond pcap header (magic a1b2c3d4 as written on x86).
    init(linkType: UInt32 = 1, snapLength: UInt32 = 262_144, reserving capacity: Int = 0) {
        bytes.reserveCapacity(capacity + 24)
        append32(0xA1B2_C3D4)
        append16(2)
        append16(4)
        append32(0)  // thiszone
        append32(0)  // sigfigs
        append32(snapLength)
        append32(linkType)
    }

    /// One record; `originalLength` defaults to the captured length.
    mutating func record(microseconds: UInt64, _ data: [UInt8], originalLength: Int? = nil) {
        recordHeader(
            microseconds: microseconds, capturedLength: UInt32(data.count),
            originalLength: UInt32(originalLength ?? data.count))
        bytes += data
    }

    /// A record header alone, with any lengths (for records that lie about their size).
    mutating func recordHeader(microseconds: UInt64, capturedLength: UInt32, originalLength: UInt32) {
        append32(UInt32(truncatingIfNeeded: microseconds / 1_000_000))
        append32(UInt32(truncatingIfNeeded: microseconds % 1_000_000))
        append32(capturedLength)
        append32(originalLength)
    }

    mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}

/// Ethernet + IPv4 + TCP (no options), checksums left zero (the dissector does not check them).
enum HostilePackets {
    struct Flags: OptionSet {
        var rawValue: UInt8
        static let fin = Flags(rawValue: 0x01)
        static let syn = Flags(rawValue: 0x02)
        static let rst = Flags(rawValue: 0x04)
        static let psh = Flags(rawValue: 0x08)
        static let ack = Flags(rawValue: 0x10)
    }

    static func tcp(
        from source: (address: UInt32, port: UInt16), to destination: (address: UInt32, port: UInt16),
        sequence: UInt32, acknowledgment: UInt32, flags: Flags, payload: [UInt8] = []
    ) -> [UInt8] {
        var packet: [UInt8] = []
        packet.reserveCapacity(54 + payload.count)
        packet += [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]  // MACs, EtherType IPv4
        let totalLength = UInt16(20 + 20 + payload.count)
        packet += [0x45, 0x00, UInt8(totalLength >> 8), UInt8(totalLength & 0xFF), 0, 0, 0x40, 0x00, 64, 6, 0, 0]
        packet += bigEndian(source.address) + bigEndian(destination.address)
        packet += bigEndian16(source.port) + bigEndian16(destination.port)
        packet += bigEndian(sequence) + bigEndian(acknowledgment)
        packet += [0x50, flags.rawValue, 0xFF, 0xFF, 0, 0, 0, 0]  // data offset 5, flags, window, checksum, urgent
        packet += payload
        return packet
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func bigEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
}

/// One TCP connection written packet by packet into a pcap, sequence numbers kept.
struct HostileConversation {
    let client: (address: UInt32, port: UInt16)
    let server: (address: UInt32, port: UInt16)
    var clientNext: UInt32 = 1_000
    var serverNext: UInt32 = 9_000
    var microseconds: UInt64

    init(clientPort: UInt16 = 40_000, serverPort: UInt16 = 20_880, clientAddress: UInt32 = 0x0A00_0002,
         startMicroseconds: UInt64 = 1_700_000_000_000_000) {
        client = (clientAddress, clientPort)
        server = (0x0A00_0001, serverPort)
        microseconds = startMicroseconds
    }

    mutating func handshake(into pcap: inout HostilePcap) {
        packet(fromClient: true, flags: .syn, into: &pcap)
        clientNext &+= 1
        packet(fromClient: false, flags: [.syn, .ack], into: &pcap)
        serverNext &+= 1
        packet(fromClient: true, flags: .ack, into: &pcap)
    }

    /// Sends `payload` in segments of at most `segmentSize` bytes.
    mutating func send(_ payload: [UInt8], fromClient: Bool, segmentSize: Int = 1_400, into pcap: inout HostilePcap) {
        var offset = 0
        while offset < payload.count {
            let end = min(payload.count, offset + segmentSize)
            packet(fromClient: fromClient, flags: [.psh, .ack], payload: Array(payload[offset..<end]), into: &pcap)
            if fromClient { clientNext &+= UInt32(end - offset) } else { serverNext &+= UInt32(end - offset) }
            offset = end
        }
    }

    mutating func close(into pcap: inout HostilePcap) {
        packet(fromClient: true, flags: [.fin, .ack], into: &pcap)
        clientNext &+= 1
        packet(fromClient: false, flags: [.fin, .ack], into: &pcap)
        serverNext &+= 1
        packet(fromClient: true, flags: .ack, into: &pcap)
    }

    /// A packet with explicit sequence number (for out-of-order and gap tricks); numbers are not advanced.
    mutating func packet(
        fromClient: Bool, flags: HostilePackets.Flags, payload: [UInt8] = [], sequence: UInt32? = nil,
        into pcap: inout HostilePcap
    ) {
        microseconds += 100
        let data = HostilePackets.tcp(
            from: fromClient ? client : server, to: fromClient ? server : client,
            sequence: sequence ?? (fromClient ? clientNext : serverNext),
            acknowledgment: fromClient ? serverNext : clientNext, flags: flags, payload: payload)
        pcap.record(microseconds: microseconds, data)
    }
}

/// Dubbo frames with Hessian2 bodies.
enum HostileDubbo {
    /// Header (magic, flags, status, id, length) followed by `body`; `length` overrides the body's length.
    static func frame(flags: UInt8, status: UInt8 = 0, id: Int64, body: [UInt8], length: Int32? = nil) -> [UInt8] {
        let bodyLength = UInt32(bitPattern: length ?? Int32(body.count))
        let idBits = UInt64(bitPattern: id)
        var bytes: [UInt8] = [0xDA, 0xBB, flags, status]
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((idBits >> UInt64(shift)) & 0xFF)) }
        bytes += HostilePackets.bigEndian(bodyLength)
        return bytes + body
    }

    /// The Hessian string of ASCII `text` (short forms, fewer than 1024 characters).
    static func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        precondition(utf8.count < 1024)
        if utf8.count < 32 { return [UInt8(utf8.count)] + utf8 }
        return [0x30 + UInt8(utf8.count >> 8), UInt8(utf8.count & 0xFF)] + utf8
    }

    /// A two-way hessian2 request body: version, service, version, method, descriptor, `arguments` (already encoded
    /// Hessian), then an empty attachment map.
    static func requestBody(
        service: String = "demo.Hostile", method: String = "call", descriptor: String = "Ljava/lang/Object;",
        arguments: [UInt8]
    ) -> [UInt8] {
        string("2.0.2") + string(service) + string("1.0") + string(method) + string(descriptor) + arguments
            + [0x48, 0x5A]
    }

    /// A two-way hessian2 request frame.
    static func request(id: Int64, body: [UInt8], length: Int32? = nil) -> [UInt8] {
        frame(flags: 0xC2, id: id, body: body, length: length)
    }

    /// An OK response frame returning the int `value`.
    static func okResponse(id: Int64, value: UInt8 = 0x91) -> [UInt8] {
        frame(flags: 0x02, status: 20, id: id, body: [0x91, value])
    }
}

/// A little-endian pcapng file: section header, one interface, then blocks (enhanced packets or anything else).
struct HostilePcapng {
    private(set) var bytes: [UInt8] = []

    init(linkType: UInt16 = 1, snapLength: UInt32 = 262_144) {
        // Section header block: byte-order magic, version 1.0, section length unknown (-1).
        block(type: 0x0A0D_0D0A, body: le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
        // Interface description block: link type, reserved, snap length (microsecond timestamps by default).
        block(type: 1, body: [UInt8(linkType & 0xFF), UInt8(linkType >> 8), 0, 0] + le32(snapLength))
    }

    /// An enhanced packet block on interface 0.
    mutating func packet(microseconds: UInt64, _ data: [UInt8]) {
        var body = le32(0) + le32(UInt32(microseconds >> 32)) + le32(UInt32(microseconds & 0xFFFF_FFFF))
        body += le32(UInt32(data.count)) + le32(UInt32(data.count)) + data
        body += [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
        block(type: 6, body: body)
    }

    /// A block of any type with its total length written before and after the body (a multiple of 4 bytes).
    mutating func block(type: UInt32, body: [UInt8]) {
        let total = UInt32(12 + body.count)
        bytes += le32(type) + le32(total) + body + le32(total)
    }

    /// Raw bytes, for blocks whose lengths lie.
    mutating func raw(_ data: [UInt8]) { bytes += data }

    func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}

/// Packets of one small, complete Dubbo call (handshake, request, OK response, close), for corrupt-file tests
/// that need something readable before the damage.
enum HostileCall {
    static func packets(id: Int64 = 7, start: UInt64 = 1_700_000_000_000_000) -> [(UInt64, [UInt8])] {
        var pcap = HostilePcap()
        var conversation = HostileConversation(startMicroseconds: start)
        conversation.handshake(into: &pcap)
        let body = HostileDubbo.requestBody(arguments: [0x91])
        conversation.send(HostileDubbo.request(id: id, body: body), fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.okResponse(id: id), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        return HostilePcapReader.records(pcap.bytes)
    }
}

/// Splits the bytes of a `HostilePcap` back into (timestamp, data) records.
enum HostilePcapReader {
    static func records(_ bytes: [UInt8]) -> [(UInt64, [UInt8])] {
        func le32(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
        }
        var records: [(UInt64, [UInt8])] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let time = UInt64(le32(offset)) * 1_000_000 + UInt64(le32(offset + 4))
            let length = Int(le32(offset + 8))
            records.append((time, Array(bytes[(offset + 16)..<(offset + 16 + length)])))
            offset += 16 + length
        }
        return records
    }
}

