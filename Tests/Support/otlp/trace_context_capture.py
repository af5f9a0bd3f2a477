#!/usr/bin/env python3
"""Writes a tiny capture for the trace-context tests: one TCP connection (10.0.0.1:40001 -> 10.0.0.2:20880, with
handshake) carrying four Hessian2 Dubbo calls, each answered 1 ms after its request:

  id 1  DemoService/withTraceparent  attachment traceparent = 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
                                     and tracestate = congo=t61rcWkgMzE
  id 2  DemoService/withSW8          attachment sw8 (SkyWalking v3, trace 56a5e1c5….12.16563474296430001, span 3)
  id 3  DemoService/withEagleEye     attachment EagleEye-TraceID = 0ad1348f1403169275002100356696
  id 4  DemoService/plain            no trace attachment

    python3 trace_context_capture.py OUT.pcap

Standard library only; checksums are correct; times start at 1700000000.000000 and step 100 µs (1 ms to answer).
"""
import base64
import struct
import sys

SERVICE = "org.apache.dubbo.demo.DemoService"
SW_TRACE = "56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001"
SW_SEGMENT = "56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430000"


def b64(text):
    return base64.b64encode(text.encode()).decode()


SW8 = "-".join(["1", b64(SW_TRACE), b64(SW_SEGMENT), "3", b64("consumer-app"), b64("instance-1"), b64("/demo/call"),
                b64("10.0.0.2:20880")])
CALLS = [
    (1, "withTraceparent", [("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                            ("tracestate", "congo=t61rcWkgMzE")]),
    (2, "withSW8", [("sw8", SW8)]),
    (3, "withEagleEye", [("EagleEye-TraceID", "0ad1348f1403169275002100356696")]),
    (4, "plain", []),
]


def h_string(text):
    data = text.encode()
    assert data.isascii()
    if len(data) < 32:
        return bytes([len(data)]) + data
    if len(data) < 1024:
        return bytes([0x30 + (len(data) >> 8), len(data) & 0xFF]) + data
    return b"S" + struct.pack(">H", len(data)) + data


def frame(flags, status, rid, body):
    return b"\xda\xbb" + bytes([flags, status]) + struct.pack(">qi", rid, len(body)) + body


def request(rid, method, attachments):
    pairs = [("path", SERVICE), ("interface", SERVICE), ("version", "0.0.0")] + attachments
    body = h_string("2.0.2") + h_string(SERVICE) + h_string("0.0.0") + h_string(method) + h_string("")
    body += b"H" + b"".join(h_string(k) + h_string(v) for k, v in pairs) + b"Z"
    return frame(0xC2, 0, rid, body)


def response(rid):
    return frame(0x02, 20, rid, b"\x91" + h_string("ok"))  # result flag 1 (value), the string "ok"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload, ident):
    sip, dip = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = sip + dip + struct.pack(">BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack(">H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ident, 0x4000, 64, 6, 0, sip, dip)
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    return bytes.fromhex("020000000002" "020000000001" "0800") + ip + tcp


def main():
    client, server = ("10.0.0.1", 40001), ("10.0.0.2", 20880)
    cseq, sseq = 1000, 5000
    now = 1_700_000_000_000_000  # microseconds
    packets = []

    def emit(from_client, flags, payload=b""):
        nonlocal cseq, sseq, now
        src, dst = (client, server) if from_client else (server, client)
        seq, ack = (cseq, sseq) if from_client else (sseq, cseq)
        packets.append((now, packet(src[0], dst[0], src[1], dst[1], seq, ack, flags, payload, len(packets) + 1)))
        advance = len(payload) + (1 if flags & 0x03 else 0)  # SYN and FIN count one
        if from_client:
            cseq += advance
        else:
            sseq += advance
        now += 100

    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    emit(True, SYN)
    emit(False, SYN | ACK)
    emit(True, ACK)
    for rid, method, attachments in CALLS:
        emit(True, PSH | ACK, request(rid, method, attachments))
        now += 900
        emit(False, PSH | ACK, response(rid))
    emit(True, FIN | ACK)
    emit(False, FIN | ACK)
    emit(True, ACK)

    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for micros, data in packets:
        out += struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(data), len(data)) + data
    with open(sys.argv[1], "wb") as handle:
        handle.write(out)


if __name__ == "__main__":
    main()
