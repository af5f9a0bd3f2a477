#!/usr/bin/env python3
"""A FuzzTriple seed no grpcio capture gives: one Triple call whose wrappers carry fastjson2 arguments.

    make_triple_fastjson2_seed.py [out-file]

The client sends the preface, SETTINGS, a request HEADERS block (static-index pseudo-headers, literal fields) and a
DATA frame holding a TripleRequestWrapper {serializeType "fastjson2", two args, two argTypes}; the server answers
with HEADERS, a TripleResponseWrapper and grpc-status trailers. The arguments are two parts of a real Dubbo 3.2
fastjson2 request (PROTOCOL.md §3.6): a java.lang.Long and the string "0.0.0". Program format: Fuzz/Sources/FuzzTriple.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from make_triple_seeds import program  # noqa: E402


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    """HPACK literal without indexing, new name, no Huffman (RFC 7541 §6.2.2)."""
    name, value = name.encode(), value.encode()
    return bytes([0x00, len(name)]) + name + bytes([len(value)]) + value


def varint(value):
    out = b""
    while True:
        low, value = value & 0x7F, value >> 7
        if not value:
            return out + bytes([low])
        out += bytes([low | 0x80])


def field(number, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(number << 3 | 2) + varint(len(data)) + data


def grpc_message(message):
    return b"\x00" + struct.pack(">I", len(message)) + message


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "triple", "fastjson2-wrapper-call")
    long_part = bytes([0, 0, 0, 9, 0xBE, 0x01, 0x7D, 0x8C, 0x70, 0x2B, 0x02, 0x20, 0x00])
    string_part = bytes([0, 0, 0, 6, 0x4E, 0x30, 0x2E, 0x30, 0x2E, 0x30])
    request = (field(1, "fastjson2") + field(2, long_part) + field(2, string_part)
               + field(3, "java.lang.Long") + field(3, "java.lang.String"))
    response = field(1, "fastjson2") + field(2, string_part) + field(3, "java.lang.String")
    path = "/org.apache.dubbo.demo.DemoService/sayHello"
    request_block = (bytes([0x83, 0x86, 0x04, len(path)]) + path.encode()
                     + literal("content-type", "application/grpc") + literal("tri-service-version", "1.0.0"))
    client = (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + frame(1, 4, 1, request_block)
              + frame(0, 1, 1, grpc_message(request)))
    server = (frame(4, 0, 0, b"") + frame(4, 1, 0, b"") + frame(1, 4, 1, bytes([0x88]) + literal("content-type", "application/grpc"))
              + frame(0, 0, 1, grpc_message(response)) + frame(1, 5, 1, literal("grpc-status", "0")))
    # Option 4: from the start, no gaps.
    with open(target, "wb") as out:
        out.write(program([(0, client), (1, server)], 4))


if __name__ == "__main__":
    main()
