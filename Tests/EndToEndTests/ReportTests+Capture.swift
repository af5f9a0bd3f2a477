import TestSupport
import Foundation

/// Writes a realistic capture for the report tests: a few thousand Dubbo calls between three consumers and one
/// provider over five minutes, as Ethernet/IPv4/TCP packets in a nanosecond pcap, with what every call really
/// took, so the report can be checked against the ground truth rather than against the pipeline's own records.
///
/// The shape the report must reveal: `OrderService.placeOrder` turns slow at `slowFrom` seconds (server time
/// 3 ms → 45 ms); `InventoryService.reserve` fails now and then; `CatalogService.search` spends its time on the
/// wire (64 KiB answers over a slow link); `UserService.getProfile` is fast but one call in a hundred gets 1.5 MiB
/// back over a slow path, and the
/// calls queued behind those wait; one call is never answered; one heartbeat is missed; and one service is named
/// `<script>alert(1)</script>`.
struct ReportCapture {
    struct Call {
        var service: String
        var method: String
        var connection: Int
        var id: Int64
        /// Nanoseconds since the capture start: when the client is ready to send, and how long the server works.
        var ready: Int64
        var serverWork: Int64
        var status: UInt8 = 20
        var exception: String?
        var answered = true
        var responseBytes = 0
        /// Nanoseconds per byte on the wire for this response (1 Gbit/s is 8).
        var responseNanosecondsPerByte: Int64 = 8
        // Filled in by the schedule:
        var requestFirst: Int64 = 0
        var requestLast: Int64 = 0
        var responseFirst: Int64 = 0
        var responseLast: Int64 = 0
        var requestLength = 0
        var responseLength = 0

        var label: String { "\(service).\(method)" }
        var latencyMicroseconds: Int64 { (responseFirst - requestFirst) / 1_000 }
        var serverMicroseconds: Int64 { (responseFirst - requestLast) / 1_000 }
    }

    static let start: Int64 = 1_700_000_000 * 1_000_000_000
    static let server: [UInt8] = [10, 1, 0, 10]
    static let serverPort: UInt16 = 20_880
    static let clients: [([UInt8], UInt16)] = [([10, 1, 0, 21], 51_001), ([10, 1, 0, 22], 51_002), ([10, 1, 0, 23], 51_003)]
    static let duration: Int64 = 300_000_000_000

    var calls: [Call] = []
    /// Heartbeats: connection, send time, answered.
    var heartbeats: [(connection: Int, time: Int64, answered: Bool)] = []
    let slowFrom: Int64?

    /// `slowFrom`: seconds after the start from which placeOrder is slow (nil: never).
    init(seed: UInt64, slowFrom: Int64? = 180, scale: Int = 1) {
        self.slowFrom = slowFrom
        var random = SeededRandom(seed: seed)
        var id: Int64 = 1
        func add(_ service: String, _ method: String, count: Int, work: (inout SeededRandom, Int64) -> Int64,
                 configure: (inout Call, inout SeededRandom) -> Void = { _, _ in }) {
            for _ in 0..<(count / scale) {
                let ready = Int64.random(in: 1_000_000_000..<(Self.duration - 2_000_000_000), using: &random)
                var call = Call(service: service, method: method, connection: Int.random(in: 0..<3, using: &random),
                                id: id, ready: ready, serverWork: work(&random, ready))
                call.responseBytes = 180
                configure(&call, &random)
                calls.append(call)
                id += 1
            }
        }
        let slowNanoseconds = slowFrom.map { $0 * 1_000_000_000 } ?? .max
        add("com.shop.OrderService", "placeOrder", count: 1_000) { random, ready in
            random.around(ready >= slowNanoseconds ? 45_000_000 : 3_000_000)
        }
        add("com.shop.InventoryService", "reserve", count: 1_200, work: { random, _ in random.around(1_200_000) }) { call, random in
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 4 { call.status = 70 } else if roll < 5 { call.exception = "com.shop.OutOfStockException" }
        }
        add("com.shop.UserService", "getProfile", count: 1_400, work: { random, _ in random.around(400_000) }) { call, random in
            if Int.random(in: 0..<100, using: &random) == 0 {
                call.responseBytes = 1_536 * 1_024
                call.responseNanosecondsPerByte = 80  // 100 Mbit/s: 126 ms on the wire
            }
        }
        add("com.shop.CatalogService", "search", count: 160, work: { random, _ in random.around(2_000_000) }) { call, _ in
            call.responseBytes = 64 * 1_024
            call.responseNanosecondsPerByte = 800  // 10 Mbit/s: about 52 ms per answer
        }
        add("<script>alert(1)</script>", "probe", count: 3, work: { random, _ in random.around(500_000) })
        if let lost = calls.firstIndex(where: { $0.method == "reserve" && $0.status == 20 && $0.exception == nil }) {
            calls[lost].answered = false
        }
        for connection in 0..<3 {
            for beat in stride(from: Int64(30_000_000_000), to: Self.duration, by: 60_000_000_000) {
                heartbeats.append((connection, beat + Int64(connection) * 1_000_000, !(connection == 2 && beat == 90_000_000_000)))
            }
        }
    }

    // MARK: Writing

    private struct Segment {
        var time: Int64
        var connection: Int
        var fromClient: Bool
        var flags: UInt8
        var payload: [UInt8]
        var order: Int
    }

    /// Schedules every frame on its connection (one frame at a time per direction, as a TCP stream must), fills
    /// in the calls' real times, and writes the pcap.
    mutating func write(to path: String) throws {
        var segments: [Segment] = []
        var order = 0
        func emit(_ time: Int64, _ connection: Int, _ fromClient: Bool, _ flags: UInt8, _ payload: [UInt8]) {
            segments.append(Segment(time: time, connection: connection, fromClient: fromClient, flags: flags,
                                    payload: payload, order: order))
            order += 1
        }
        for connection in 0..<3 {
            emit(100_000 * Int64(connection), connection, true, 0x02, [])
            emit(100_000 * Int64(connection) + 50_000, connection, false, 0x12, [])
            emit(100_000 * Int64(connection) + 80_000, connection, true, 0x10, [])
        }
        /// Sends `frame` from `ready` on, after whatever the direction is still sending; returns first and last
        /// byte times.
        func send(_ frame: [UInt8], connection: Int, fromClient: Bool, ready: Int64, perByte: Int64,
                  busy: inout Int64) -> (Int64, Int64) {
            let begin = max(ready, busy)
            var offset = 0
            var time = begin
            var first: Int64 = begin
            var last: Int64 = begin
            while offset < frame.count {
                let size = min(1_448, frame.count - offset)
                time = begin + Int64(offset + size) * perByte
                if offset == 0 { first = time }
                emit(time, connection, fromClient, 0x18, Array(frame[offset..<offset + size]))
                last = time
                offset += size
            }
            busy = last + 1_000
            return (first, last)
        }

        // Requests (and heartbeats) go out in the order clients are ready; responses in the order the server
        // finishes them; one frame at a time per connection and direction.
        calls.sort { $0.ready < $1.ready }
        var requestBusy = [Int64](repeating: 0, count: 3)
        var responseBusy = [Int64](repeating: 0, count: 3)
        var heartbeatSent = [Int64](repeating: 0, count: heartbeats.count)
        let requests = calls.indices.map { (calls[$0].ready, $0, false) } + heartbeats.indices.map { (heartbeats[$0].time, $0, true) }
        for (ready, index, isHeartbeat) in requests.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            if isHeartbeat {
                let beat = heartbeats[index]
                let times = send(DubboBytes.heartbeat(id: Int64(1_000_000 + index), request: true), connection: beat.connection,
                                 fromClient: true, ready: ready, perByte: 8, busy: &requestBusy[beat.connection])
                heartbeatSent[index] = times.1
                continue
            }
            let call = calls[index]
            let frame = DubboBytes.request(id: call.id, service: call.service, method: call.method,
                                           argument: "item-\(call.id % 97)")
            let times = send(frame, connection: call.connection, fromClient: true, ready: ready, perByte: 8,
                             busy: &requestBusy[call.connection])
            calls[index].requestFirst = times.0
            calls[index].requestLast = times.1
            calls[index].requestLength = frame.count - 16
        }
        let responses = calls.indices.filter { calls[$0].answered }.map { (calls[$0].requestLast + calls[$0].serverWork, $0, false) }
            + heartbeats.indices.filter { heartbeats[$0].answered }.map { (heartbeatSent[$0] + 150_000, $0, true) }
        for (ready, index, isHeartbeat) in responses.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            if isHeartbeat {
                let connection = heartbeats[index].connection
                _ = send(DubboBytes.heartbeat(id: Int64(1_000_000 + index), request: false), connection: connection,
                         fromClient: false, ready: ready, perByte: 8, busy: &responseBusy[connection])
                continue
            }
            let call = calls[index]
            let frame = DubboBytes.response(id: call.id, status: call.status, exception: call.exception,
                                            valueBytes: call.responseBytes)
            let times = send(frame, connection: call.connection, fromClient: false, ready: ready,
                             perByte: call.responseNanosecondsPerByte, busy: &responseBusy[call.connection])
            calls[index].responseFirst = times.0
            calls[index].responseLast = times.1
            calls[index].responseLength = frame.count - 16
        }
        segments.sort { ($0.time, $0.order) < ($1.time, $1.order) }

        var file = Data()
        file.append(contentsOf: PacketBytes.pcapHeader())
        // Sequence numbers per connection and direction, in time order; ACKs follow what the peer has sent.
        var next = [[UInt32]](repeating: [1_000, 500_000], count: 3)
        for segment in segments {
            let side = segment.fromClient ? 0 : 1
            let client = Self.clients[segment.connection]
            let syn = segment.flags & 0x02 != 0
            let sequence = next[segment.connection][side] &- (syn ? 1 : 0)
            let acknowledgement = segment.flags == 0x02 ? 0 : next[segment.connection][1 - side]
            let packet = PacketBytes.tcp(
                source: segment.fromClient ? client.0 : Self.server, sourcePort: segment.fromClient ? client.1 : Self.serverPort,
                destination: segment.fromClient ? Self.server : client.0,
                destinationPort: segment.fromClient ? Self.serverPort : client.1,
                sequence: sequence, acknowledgement: acknowledgement, flags: segment.flags, payload: segment.payload)
            if syn { next[segment.connection][side] = sequence &+ 1 }
            next[segment.connection][side] &+= UInt32(segment.payload.count)
            file.append(contentsOf: PacketBytes.record(time: Self.start + segment.time, packet: packet))
        }
        try file.write(to: URL(fileURLWithPath: path))
    }
}

/// A seeded generator (SeededRandom) with a skewed draw for service times.
extension SeededRandom {

    /// Around `median`: from half to twice it, with a long tail to eight times for one draw in fifty.
    mutating func around(_ median: Int64) -> Int64 {
        let factor = Double.random(in: 0.5...2.0, using: &self) * (Int.random(in: 0..<50, using: &self) == 0 ? 4 : 1)
        return Int64(Double(median) * factor)
    }
}

/// Dubbo frames with Hessian2 bodies (PROTOCOL.md §1, §3, §5), just what the report capture needs.
enum DubboBytes {
    static func header(flags: UInt8, status: UInt8, id: Int64, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0xDA, 0xBB, flags, status]
        bytes += withUnsafeBytes(of: UInt64(bitPattern: id).bigEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init)
        return bytes + body
    }

    static func request(id: Int64, service: String, method: String, argument: String) -> [UInt8] {
        var body = Hessian.string("2.0.2") + Hessian.string(service) + Hessian.string("1.0.0") + Hessian.string(method)
        body += Hessian.string("Ljava/lang/String;I") + Hessian.string(argument) + Hessian.int(Int32(id % 5 + 1))
        body += [0x48] + Hessian.string("path") + Hessian.string(service) + Hessian.string("interface")
            + Hessian.string(service) + Hessian.string("version") + Hessian.string("1.0.0") + [0x5A]
        // flags: request, two-way, serialization 2 (hessian2).
        return header(flags: 0xC2, status: 0, id: id, body: body)
    }

    static func response(id: Int64, status: UInt8, exception: String?, valueBytes: Int) -> [UInt8] {
        var body: [UInt8]
        if status != 20 {
            body = Hessian.string("stock service unavailable")
        } else if let exception {
            // Result flag 0, then a class definition and an object with its detailMessage.
            body = Hessian.int(0) + [0x43] + Hessian.string(exception) + Hessian.int(1) + Hessian.string("detailMessage")
                + [0x60] + Hessian.string("no stock left")
        } else {
            body = Hessian.int(1) + Hessian.string(String(repeating: "x", count: max(1, valueBytes - 8)))
        }
        return header(flags: 0x02, status: status, id: id, body: body)
    }

    static func heartbeat(id: Int64, request: Bool) -> [UInt8] {
        header(flags: request ? 0xE2 : 0x22, status: request ? 0 : 20, id: id, body: [0x4E])
    }
}

enum Hessian {
    /// Strings of ASCII text: compact up to 31, two-byte length up to 1023, then 32 KiB chunks (`R`) and a
    /// final `S` chunk.
    static func string(_ text: String) -> [UInt8] {
        let units = Array(text.utf8)
        precondition(units.count == text.unicodeScalars.count || units.count < 32_768, "ASCII only for long strings")
        let length = text.unicodeScalars.count
        if length < 32 { return [UInt8(length)] + units }
        if length < 1_024 { return [0x30 + UInt8(length >> 8), UInt8(length & 0xFF)] + units }
        var bytes: [UInt8] = []
        var offset = 0
        while units.count - offset > 32_768 {
            bytes += [0x52, 0x80, 0x00] + units[offset..<offset + 32_768]
            offset += 32_768
        }
        let rest = units.count - offset
        return bytes + [0x53, UInt8(rest >> 8), UInt8(rest & 0xFF)] + units[offset...]
    }

    static func int(_ value: Int32) -> [UInt8] {
        if (-16...47).contains(value) { return [UInt8(0x90 + Int(value))] }
        return [0x49] + withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}

/// Ethernet II / IPv4 / TCP packets and nanosecond pcap records.
enum PacketBytes {
    static func pcapHeader() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += withUnsafeBytes(of: UInt32(0xA1B2_3C4D).littleEndian, Array.init)  // nanosecond pcap
        bytes += withUnsafeBytes(of: UInt16(2).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt16(4).littleEndian, Array.init)
        bytes += [UInt8](repeating: 0, count: 8)
        bytes += withUnsafeBytes(of: UInt32(262_144).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(1).littleEndian, Array.init)  // Ethernet
        return bytes
    }

    static func record(time: Int64, packet: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += withUnsafeBytes(of: UInt32(time / 1_000_000_000).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(time % 1_000_000_000).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(packet.count).littleEndian, Array.init)
        bytes += withUnsafeBytes(of: UInt32(packet.count).littleEndian, Array.init)
        return bytes + packet
    }

    static func tcp(source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16,
                    sequence: UInt32, acknowledgement: UInt32, flags: UInt8, payload: [UInt8]) -> [UInt8] {
        var tcp: [UInt8] = []
        tcp += withUnsafeBytes(of: sourcePort.bigEndian, Array.init)
        tcp += withUnsafeBytes(of: destinationPort.bigEndian, Array.init)
        tcp += withUnsafeBytes(of: sequence.bigEndian, Array.init)
        tcp += withUnsafeBytes(of: acknowledgement.bigEndian, Array.init)
        tcp += [0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]
        tcp += payload
        var pseudo = source + destination + [0, 6]
        pseudo += withUnsafeBytes(of: UInt16(tcp.count).bigEndian, Array.init)
        let tcpChecksum = checksum(pseudo + tcp)
        tcp[16] = UInt8(tcpChecksum >> 8)
        tcp[17] = UInt8(tcpChecksum & 0xFF)

        var ip: [UInt8] = [0x45, 0]
        ip += withUnsafeBytes(of: UInt16(20 + tcp.count).bigEndian, Array.init)
        ip += [0, 0, 0x40, 0, 64, 6, 0, 0] + source + destination
        let ipChecksum = checksum(ip)
        ip[10] = UInt8(ipChecksum >> 8)
        ip[11] = UInt8(ipChecksum & 0xFF)
        let ethernet: [UInt8] = [0x02, 0, 0, 0, 0, destination[3], 0x02, 0, 0, 0, 0, source[3], 0x08, 0x00]
        return ethernet + ip + tcp
    }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
