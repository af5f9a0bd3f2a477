#!/usr/bin/env python3
"""Writes a large, realistic Dubbo capture for the benchmark (standard library only, deterministic from --seed).

Traffic: --connections client connections to two providers, --calls Hessian2 calls spread over them in time,
several in flight per connection and answered out of order; requests 100 B - 1 KB, responses 100 B - 20 KB
(75 % under 1 KB, 22 % 1-8 KB, 3 % 8-20 KB); segmented at MSS 1448; pure ACKs; about 2 % of data segments
retransmitted later and 1 % swapped with their successor. Heartbeats every few hundred calls per connection.

Other traffic shapes (the defaults above stay byte-identical): --small-bodies gives requests and responses of
100-400 bytes, an ACK after 70 % of messages (about 3.4 packets per call) and 1 % of messages sent as two segments in
swapped order, besides the 2 % retransmissions.
--serialization fastjson2 writes the same traffic (same calls, sizes, timing and segmentation from the same seed)
with fastjson2 (id 23) bodies, written by Fixtures/jsonb.py, so the two captures compare the body decoders alone.
--protocol triple writes the same calls as Dubbo 3's Triple (HTTP/2, PROTOCOL.md §7.2): each connection opens with
the client preface and SETTINGS; a call is a stream (request HEADERS with Triple's headers + one DATA frame holding
a TripleRequestWrapper with the same Hessian2 arguments; response HEADERS, a DATA frame with a
TripleResponseWrapper, trailers with grpc-status 0); heartbeats are PINGs. Header blocks use literal fields without
indexing or Huffman (a valid, if plain, HPACK encoding). Segmentation draws follow the Hessian2 frame's shape.
"""
import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures"))
import jsonb  # noqa: E402

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


def draw_arguments(rng: random.Random, size: int) -> tuple[str, int, int]:
    """A request's random arguments: a string of `size` characters, an int and a small long."""
    payload = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(16)) * (size // 16 + 1)
    return payload[:size], rng.randrange(1 << 20), rng.randrange(16)


def request_body(service: str, method: str, arguments: tuple[str, int, int]) -> bytes:
    text, number, small = arguments
    body = hstr("2.0.2") + hstr(service) + hstr("1.0.0") + hstr(method)
    body += hstr("Ljava/lang/String;IJ") + hstr(text) + hint(number)
    body += bytes([0xE0 + small])  # a long in its one-byte form
    body += hmap([("path", service), ("interface", service), ("version", "1.0.0"),
                  ("remote.application", "bench-consumer"), ("timeout", "3000")])
    return body


def request_body_fastjson2(service: str, method: str, arguments: tuple[str, int, int]) -> bytes:
    """The same request as `request_body`, in fastjson2 parts."""
    text, number, small = arguments
    values = ["2.0.2", service, "1.0.0", method, "Ljava/lang/String;IJ", text, number, jsonb.JLong(small)]
    attachments = {"path": service, "interface": service, "version": "1.0.0",
                   "remote.application": "bench-consumer", "timeout": "3000"}
    return jsonb.parts(values + [attachments])[0]


def response_body_fastjson2(size: int) -> bytes:
    text = ("result-" + "x" * 57) * (size // 64 + 1)
    return jsonb.parts([jsonb.JByte(4), text[:size], {"dubbo": "2.0.2"}])[0]


def response_body(size: int) -> bytes:
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


def triple_request(stream: int, service: str, method: str, arguments: tuple[str, int, int]) -> bytes:
    text, number, small = arguments
    args = [hstr(text), hint(number), bytes([0xE0 + small])]
    wrapper = pb_field(1, b"hessian4") + b"".join(pb_field(2, a) for a in args)
    wrapper += b"".join(pb_field(3, t.encode()) for t in ("java.lang.String", "int", "long"))
    headers = hpack_block([(":method", "POST"), (":scheme", "http"), (":path", f"/{service}/{method}"),
                           (":authority", "10.2.0.1:50051"), ("content-type", "application/grpc+proto"),
                           ("te", "trailers"), ("grpc-timeout", "3000m"), ("tri-service-version", "1.0.0"),
                           ("tri-consumer-appname", "bench-consumer")])
    return h2frame(1, 0x4, stream, headers) + h2frame(0, 0x1, stream, grpc_message(wrapper))


def triple_response(stream: int, size: int) -> bytes:
    text = ("result-" + "x" * 57) * (size // 64 + 1)
    wrapper = pb_field(1, b"hessian4") + pb_field(2, hstr(text[:size])) + pb_field(3, b"java.lang.String")
    return (h2frame(1, 0x4, stream, hpack_block([(":status", "200"), ("content-type", "application/grpc+proto")]))
            + h2frame(0, 0x0, stream, grpc_message(wrapper))
            + h2frame(1, 0x5, stream, hpack_block([("grpc-status", "0")])))


def response_size(rng: random.Random, small: bool = False) -> int:
    if small:
        return rng.randrange(100, 400)
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
    parser.add_argument("--serialization", choices=["hessian2", "fastjson2"], default="hessian2",
                        help="body format of the calls (same traffic either way)")
    parser.add_argument("--small-bodies", action="store_true",
                        help="100-400-byte bodies, ACKs after 70 %% of messages, 1 %% of messages split and swapped")
    parser.add_argument("--protocol", choices=["dubbo", "triple"], default="dubbo")
    args = parser.parse_args()
    triple = args.protocol == "triple"
    serialization, requests, responses, null = {
        "hessian2": (2, request_body, response_body, b"N"),
        "fastjson2": (23, request_body_fastjson2, response_body_fastjson2, b"\x00\x00\x00\x01\xaf"),
    }[args.serialization]
    rng = random.Random(args.seed)
    out = Writer(args.output)
    t = 1_700_000_000_000_000
    if args.memory_probe:
        write_memory_probe(out, rng, args, t)
        return
    conns = [Conn(i, rng) for i in range(args.connections)]
    for conn in conns:
        conn.sport = 50051 if triple else conn.sport
        out.packet(t, conn.tcp(True, 0x02)); conn.cseq += 1; t += 20
        out.packet(t, conn.tcp(False, 0x12)); conn.sseq += 1; t += 20
        out.packet(t, conn.tcp(True, 0x10)); t += 20

    delayed = []  # (time, packet) retransmissions to emit later

    def send(conn: Conn, from_client: bool, data: bytes, shape: int | None = None):
        """Segments `data`. The random draws (a swap, a retransmission and a gap per segment) are made for a frame
        of `shape` bytes — the Hessian2 frame of the same call — so the traffic that follows is the same whatever
        the body format; segments beyond the shape's get no retransmission and a fixed gap."""
        nonlocal t
        shape_segments = max(1, -(-(shape if shape is not None else len(data)) // MSS))
        swap = shape_segments > 1 and rng.random() < 0.01
        draws = [(rng.random() < 0.02, rng.randrange(2, 12)) for _ in range(shape_segments)]
        # Small-body shape only (no draw otherwise, so the default captures stay as they were): a one-segment
        # message split in two that arrive in swapped order, and an ACK after most messages, not every one.
        split = args.small_bodies and shape_segments == 1 and rng.random() < 0.01
        split_at = rng.random() if split else 0.0
        acked = not args.small_bodies or rng.random() < 0.7
        segments = []
        for start in range(0, len(data), MSS):
            chunk = data[start:start + MSS]
            segments.append(conn.tcp(from_client, 0x18, chunk))
            if from_client:
                conn.cseq += len(chunk)
            else:
                conn.sseq += len(chunk)
        if split and len(data) > 1:
            cut = min(len(data) - 1, max(1, int(len(data) * split_at)))
            if from_client:
                conn.cseq -= len(data)
            else:
                conn.sseq -= len(data)
            segments = []
            for chunk in (data[:cut], data[cut:]):
                segments.append(conn.tcp(from_client, 0x18, chunk))
                if from_client:
                    conn.cseq += len(chunk)
                else:
                    conn.sseq += len(chunk)
            segments.reverse()
        elif len(segments) > 1 and swap:
            segments[0], segments[1] = segments[1], segments[0]
        for index, segment in enumerate(segments):
            out.packet(t, segment)
            retransmit, gap = draws[index] if index < len(draws) else (False, 7)
            if retransmit:
                delayed.append((t + 200, segment))
            t += gap
        if acked:
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
        arguments = draw_arguments(rng, rng.randrange(0, 180) if args.small_bodies else rng.randrange(100, 700))
        shape = 16 + len(request_body(service, method, arguments))
        if triple:
            send(conn, True, triple_request(rid, service, method, arguments), shape)
        else:
            send(conn, True, frame(0xC0 | serialization, 0, rid, requests(service, method, arguments)), shape)
        conn.pending.append(rid)
        # Answer some pending calls, not always in order.
        while conn.pending and (len(conn.pending) > 3 or rng.random() < 0.6):
            answer = conn.pending.pop(rng.randrange(len(conn.pending)))
            t += rng.randrange(50, 400)
            size = response_size(rng, args.small_bodies)
            if triple:
                send(conn, False, triple_response(answer, size), 16 + len(response_body(size)))
            else:
                send(conn, False, frame(serialization, 20, answer, responses(size)), 16 + len(response_body(size)))
        if call % 400 == 399 and triple:
            opaque = struct.pack(">Q", call)
            send(conn, True, h2frame(6, 0, 0, opaque))
            send(conn, False, h2frame(6, 1, 0, opaque))
        elif call % 400 == 399:
            hb = conn.next_id
            conn.next_id += 1
            send(conn, True, frame(0xE0 | serialization, 0, hb, null))
            send(conn, False, frame(0x20 | serialization, 20, hb, null))
        while delayed and delayed[0][0] <= t:
            out.packet(t, delayed.pop(0)[1])
            t += 2
    for conn in conns:
        for answer in conn.pending:
            if triple:
                send(conn, False, triple_response(answer, 200), 16 + len(response_body(200)))
            else:
                send(conn, False, frame(serialization, 20, answer, responses(200)), 16 + len(response_body(200)))
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
        body = request_body(SERVICES[number % len(SERVICES)], METHODS[number % len(METHODS)], draw_arguments(rng, 200))
        data = frame(0xC2, 0, conn.next_id, body)
        conn.next_id += 1
        out.packet(t, conn.tcp(True, 0x18, data)); conn.cseq += len(data)
        t += 5
    out.close()
    print(f"{args.output}: {out.packets} packets, {len(conns) + len(idle)} connections, "
          f"{args.unanswered} unanswered requests")


if __name__ == "__main__":
    main()
