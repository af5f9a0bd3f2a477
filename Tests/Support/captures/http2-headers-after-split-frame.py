"""Writes http2-headers-after-split-frame.pcap: one HTTP/2 connection (client 127.0.0.1:40000, server
127.0.0.2:50051) whose segmentation puts a request's HEADERS frame wholly in a packet that also completes the DATA
frame an earlier packet began, and splits another request's HEADERS frame over two packets. Packets are 1 ms apart.

    python3 http2-headers-after-split-frame.py OUT.pcap

The request times to expect: stream 1 the 5th packet, stream 3 the 7th (not the 6th, where the DATA frame began),
stream 5 the 8th (where its first byte is). Header blocks use static-table references and literals only.
"""
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, payload, flags=0x18) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", bytes(src), bytes(dst), 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload


def frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def request_headers(path: str) -> bytes:
    # :method POST, :scheme http (static), :path and content-type as literals without indexing (RFC 7541 §6.2.2)
    return (bytes([0x83, 0x86, 0x04, len(path)]) + path.encode()
            + bytes([0x00, 12]) + b"content-type" + bytes([16]) + b"application/grpc")


def main() -> None:
    client, server, client_port, server_port = [127, 0, 0, 1], [127, 0, 0, 2], 40000, 50051
    records = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    sequence = {"client": 1000, "server": 5000}

    def add(raw: bytes) -> None:
        microseconds = 1000 * len(records)
        records.append(struct.pack("<IIII", 1_700_000_000, microseconds, len(raw), len(raw)) + raw)

    def send(side: str, payload: bytes) -> None:
        if side == "client":
            add(packet(client, server, client_port, server_port, sequence["client"], sequence["server"], payload))
        else:
            add(packet(server, client, server_port, client_port, sequence["server"], sequence["client"], payload))
        sequence[side] += len(payload)

    add(packet(client, server, client_port, server_port, 999, 0, b"", 0x02))
    add(packet(server, client, server_port, client_port, 4999, 1000, b"", 0x12))
    send("client", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
    send("server", frame(4, 0, 0, b""))
    send("client", frame(1, 4, 1, request_headers("/svc.A/one")))
    data = frame(0, 1, 1, b"\0\0\0\0\x0a" + b"x" * 10)
    send("client", data[:8])
    send("client", data[8:] + frame(1, 4, 3, request_headers("/svc.B/two")))
    split = frame(1, 4, 5, request_headers("/svc.C/three"))
    send("client", split[:6])
    send("client", split[6:])
    for stream in (1, 3, 5):
        send("server", frame(1, 4, stream, bytes([0x88])))  # :status 200
        send("server", frame(1, 5, stream, bytes([0x00, 11]) + b"grpc-status" + bytes([1]) + b"0"))
    with open(sys.argv[1], "wb") as out:
        out.write(b"".join(records))


if __name__ == "__main__":
    main()
