#!/usr/bin/env python3
"""Writes a large, realistic Dubbo capture for the benchmark (standard library only, deterministic from --seed).

Traffic: --connections client connections to two providers, --calls Hessian2 calls spread over them in time,
several in flight per connection and answered out of order; requests 100 B - 1 KB, responses 100 B - 20 KB
(75 % under 1 KB, 22 % 1-8 KB, 3 % 8-20 KB); segmented at MSS 1448; pure ACKs; about 2 % of data segments
retransmitted later and 1 % swapped with their successor. Heartbeats every few hundred calls per connection.

--protocol triple writes the same shape as Dubbo 3's Triple (HTTP/2, PROTOCOL.md §7.2): each connection opens with
the client preface and SETTINGS; a call is a stream (request HEADERS with Triple's headers + one DATA frame holding
a TripleRequestWrapper with the same Hessian2 arguments; response HEADERS, a DATA frame with a
TripleResponseWrapper, trailers with grpc-status 0); heartbeats are PINGs. Header blocks use literal fields without
indexing or Huffman (a valid, if plain, HPACK encoding).
"""
import argparse
import random
import struct

MSS = 1448
SERVICES = [f"com.example.bench.Service{i}" for i in range(12)]
METHODS = ["get", "list", "query", "update", "create", "search", "load", "save"]


def hstr(text: str) -> bytes:
    data = text.encode("utf-8")
    units = len(text.encode("utf-16-le")) // 2
    if units < 32:
        return bytes([units]) + data
    if units < 1024:
        return bytes([0x30 + (units >> 8), units & 0xFF]) + data
    out = b""
    # Chunk like Java: 'R' 0x8000 chunks, then a final 'S'.
    chars = text
    while len(chars) > 0x8000:
        out += b"R\x80\x00" + chars[:0x8000].encode("utf-8")
        chars = chars[0x8000:]
    return out + b"S" + struct.pack(">H", len(chars)) + chars.encode("utf-8")


def hint(value: int) -> bytes:
    if -16 <= value <= 47:
        return bytes([0x90 + value])
    if -2048 <= value <= 2047:
        return bytes([0xC8 + (value >> 8), value & 0xFF])
    if -262144 <= value <= 262143:
        return bytes([0xD4 + (value >> 16), (value >> 8) & 0xFF, value & 0xFF])
    return b"I" + struct.pack(">i", value)


def hmap(items) -> bytes:
    return b"H" + b"".join(hstr(k) + hstr(v) for k, v in items) + b"Z"


def frame(flags: int, status: int, rid: int, body: bytes) -> bytes:
    return struct.pack(">HBBqi", 0xDABB, flags, status, rid, len(body)) + body


def request_body(rng: random.Random, service: str, method: str, size: int) -> bytes:
    payload = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(16)) * (size // 16 + 1)
    body = hstr("2.0.2") + hstr(service) + hstr("1.0.0") + hstr(method)
    body += hstr("Ljava/lang/String;IJ") + hstr(payload[:size]) + hint(rng.randrange(1 << 20))
    body += bytes([0xE0 + rng.randrange(16)])  # a long in its one-byte form
    body += hmap([("path", service), ("interface", service), ("version", "1.0.0"),
                  ("remote.application", "bench-consumer"), ("timeout", "3000")])
    return body


def response_body(rng: random.Random, size: int) -> bytes:
    text = ("result-" + "x" * 57) * (size // 64 + 1)
    return b"\x94" + hstr(text[:size]) + hmap([("dubbo", "2.0.2")])


# --- Triple (HTTP/2) -------------------------------------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack_length(value: int) -> bytes:
    # 7-bit prefix integer (RFC 7541 §5.1), Huffman bit clear
    if value < 127:
        return bytes([value])
    out, value = bytearray([127]), value - 127
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_block(fields) -> bytes:
    # literal header field without indexing, new name (RFC 7541 §6.2.2)
    return b"".join(b"\x00" + hpack_length(len(n)) + n.encode() + hpack_length(len(v)) + v.encode() for n, v in fields)


def pb_field(number: int, data: bytes) -> bytes:
    key, length, out = number << 3 | 2, len(data), bytearray()
    for value in (key, length):
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out) + data


def grpc_message(data: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(data)) + data


def triple_request(rng: random.Random, stream: int, service: str, method: str, size: int) -> bytes:
    payload = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(16)) * (size // 16 + 1)
    args = [hstr(payload[:size]), hint(rng.randrange(1 << 20)), bytes([0xE0 + rng.randrange(16)])]
    wrapper = pb_field(1, b"hessian4") + b"".join(pb_field(2, a) for a in args)
    wrapper += b"".join(pb_field(3, t.encode()) for t in ("java.lang.String", "int", "long"))
    headers = hpack_block([(":method", "POST"), (":scheme", "http"), (":path", f"/{service}/{method}"),
                           (":authority", "10.2.0.1:50051"), ("content-type", "application/grpc+proto"),
                           ("te", "trailers"), ("grpc-timeout", "3000m"), ("tri-service-version", "1.0.0"),
                           ("tri-consumer-appname", "bench-consumer")])
    return h2frame(1, 0x4, stream, headers) + h2frame(0, 0x1, stream, grpc_message(wrapper))


def triple_response(rng: random.Random, stream: int, size: int) -> bytes:
    text = ("result-" + "x" * 57) * (size // 64 + 1)
    wrapper = pb_field(1, b"hessian4") + pb_field(2, hstr(text[:size])) + pb_field(3, b"java.lang.String")
    return (h2frame(1, 0x4, stream, hpack_block([(":status", "200"), ("content-type", "application/grpc+proto")]))
            + h2frame(0, 0x0, stream, grpc_message(wrapper))
            + h2frame(1, 0x5, stream, hpack_block([("grpc-status", "0")])))


def response_size(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.75:
        return rng.randrange(100, 1024)
    if draw < 0.97:
        return rng.randrange(1024, 8192)
    return rng.randrange(8192, 20480)


class Writer:
    def __init__(self, path: str):
        self.file = open(path, "wb", buffering=1 << 22)
        self.file.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.packets = 0

    def packet(self, t_us: int, data: bytes):
        self.file.write(struct.pack("<IIII", t_us // 1_000_000, t_us % 1_000_000, len(data), len(data)))
        self.file.write(data)
        self.packets += 1

    def close(self):
        self.file.close()


class Conn:
    def __init__(self, index: int, rng: random.Random):
        self.client = bytes([10, 1, index // 250, index % 250 + 1])
        self.server = bytes([10, 2, 0, 1 + index % 2])
        self.cport = 30000 + index
        self.sport = 20880
        self.cseq = rng.randrange(1 << 32)
        self.sseq = rng.randrange(1 << 32)
        self.next_id = rng.randrange(1 << 40)
        self.pending = []

    def tcp(self, from_client: bool, flags: int, payload: bytes = b"") -> bytes:
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seq, ack = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        ether = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
        return ether + ip + tcp + payload


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--memory-probe", action="store_true",
                        help="instead of calls: --connections open connections, --idle-connections more that carry "
                             "nothing, --unanswered requests never answered (memory per idle flow / pending request)")
    parser.add_argument("--idle-connections", type=int, default=0)
    parser.add_argument("--unanswered", type=int, default=0)
    parser.add_argument("--protocol", choices=["dubbo", "triple"], default="dubbo")
    args = parser.parse_args()
    triple = args.protocol == "triple"
    rng = random.Random(args.seed)
    out = Writer(args.output)
    t = 1_700_000_000_000_000
    if args.memory_probe:
        write_memory_probe(out, rng, args, t)
        return
    conns = [Conn(i, rng) for i in range(args.connections)]
    for conn in conns:
        conn.sport = 50051 if triple else conn.sport
    for conn in conns:
        out.packet(t, conn.tcp(True, 0x02)); conn.cseq += 1; t += 20
        out.packet(t, conn.tcp(False, 0x12)); conn.sseq += 1; t += 20
        out.packet(t, conn.tcp(True, 0x10)); t += 20

    delayed = []  # (time, packet) retransmissions to emit later

    def send(conn: Conn, from_client: bool, data: bytes):
        nonlocal t
        segments = []
        for start in range(0, len(data), MSS):
            chunk = data[start:start + MSS]
            segments.append(conn.tcp(from_client, 0x18, chunk))
            if from_client:
                conn.cseq += len(chunk)
            else:
                conn.sseq += len(chunk)
        if len(segments) > 1 and rng.random() < 0.01:
            segments[0], segments[1] = segments[1], segments[0]
        for segment in segments:
            out.packet(t, segment)
            if rng.random() < 0.02:
                delayed.append((t + 200, segment))
            t += rng.randrange(2, 12)
        out.packet(t, conn.tcp(not from_client, 0x10))
        t += 3

    if triple:
        for conn in conns:
            send(conn, True, PREFACE + h2frame(4, 0, 0, b""))
            send(conn, False, h2frame(4, 0, 0, b"") + h2frame(4, 1, 0, b""))
            send(conn, True, h2frame(4, 1, 0, b""))
            conn.next_id = 1  # stream ids: odd, rising
    for call in range(args.calls):
        conn = conns[rng.randrange(len(conns))]
        service = SERVICES[rng.randrange(len(SERVICES))]
        method = METHODS[rng.randrange(len(METHODS))]
        rid = conn.next_id
        conn.next_id += 2 if triple else 1
        if triple:
            send(conn, True, triple_request(rng, rid, service, method, rng.randrange(100, 700)))
        else:
            send(conn, True, frame(0xC2, 0, rid, request_body(rng, service, method, rng.randrange(100, 700))))
        conn.pending.append(rid)
        # Answer some pending calls, not always in order.
        while conn.pending and (len(conn.pending) > 3 or rng.random() < 0.6):
            answer = conn.pending.pop(rng.randrange(len(conn.pending)))
            t += rng.randrange(50, 400)
            if triple:
                send(conn, False, triple_response(rng, answer, response_size(rng)))
            else:
                send(conn, False, frame(0x02, 20, answer, response_body(rng, response_size(rng))))
        if call % 400 == 399 and triple:
            opaque = struct.pack(">Q", call)
            send(conn, True, h2frame(6, 0, 0, opaque))
            send(conn, False, h2frame(6, 1, 0, opaque))
        elif call % 400 == 399:
            hb = conn.next_id
            conn.next_id += 1
            send(conn, True, frame(0xE2, 0, hb, b"N"))
            send(conn, False, frame(0x22, 20, hb, b"N"))
        while delayed and delayed[0][0] <= t:
            out.packet(t, delayed.pop(0)[1])
            t += 2
    for conn in conns:
        for answer in conn.pending:
            if triple:
                send(conn, False, triple_response(rng, answer, 200))
            else:
                send(conn, False, frame(0x02, 20, answer, response_body(rng, 200)))
        conn.pending = []
        out.packet(t, conn.tcp(True, 0x11)); conn.cseq += 1; t += 20
        out.packet(t, conn.tcp(False, 0x11)); conn.sseq += 1; t += 20
        out.packet(t, conn.tcp(True, 0x10)); t += 20
    for _, segment in delayed:
        out.packet(t, segment)
    out.close()
    print(f"{args.output}: {out.packets} packets, {args.calls} calls on {args.connections} connections")


def write_memory_probe(out: Writer, rng: random.Random, args, t: int):
    """Connections and requests that stay open until the end of the capture, all within one second of capture
    time (so no idle timeout or request timeout ends them early)."""
    conns = [Conn(i, rng) for i in range(max(args.connections, 1))]
    idle = [Conn(i, rng) for i in range(args.connections, args.connections + args.idle_connections)]
    for index, conn in enumerate(idle):
        # Distinct client addresses beyond the 250-per-/24 numbering of Conn.
        conn.client = bytes([10, 3 + index // 62500, (index // 250) % 250, index % 250 + 1])
        conn.cport = 30000 + index % 250
    for conn in conns + idle:
        out.packet(t, conn.tcp(True, 0x02)); conn.cseq += 1
        out.packet(t + 1, conn.tcp(False, 0x12)); conn.sseq += 1
        out.packet(t + 2, conn.tcp(True, 0x10))
        t += 5
    for number in range(args.unanswered):
        conn = conns[number % len(conns)]
        body = request_body(rng, SERVICES[number % len(SERVICES)], METHODS[number % len(METHODS)], 200)
        data = frame(0xC2, 0, conn.next_id, body)
        conn.next_id += 1
        out.packet(t, conn.tcp(True, 0x18, data)); conn.cseq += len(data)
        t += 5
    out.close()
    print(f"{args.output}: {out.packets} packets, {len(conns) + len(idle)} connections, "
          f"{args.unanswered} unanswered requests")


if __name__ == "__main__":
    main()
