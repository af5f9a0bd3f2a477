#!/usr/bin/env python3
"""Seeds for FuzzTriple from a real Triple capture (Tests/Support/triple_grpc.py makes one).

    make_triple_seeds.py capture.pcap PORT [out-dir]

Each seed replays the capture's TCP payloads in order as the fuzz program (Fuzz/Sources/FuzzTriple): the option
byte, then per delivery a control byte (side in bit 0, length in the rest) and the bytes. Long captures are cut
into several seeds at packet boundaries (one from the start, others mid-stream) so every seed stays small.
"""

import hashlib
import os
import subprocess
import sys


def deliveries(capture, port):
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload",
                          "-Y", f"tcp.port == {port} && tcp.len > 0"], check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        source, _, payload = line.partition("\t")
        yield (1 if source == str(port) else 0), bytes.fromhex(payload.replace(":", ""))


def program(items, options):
    out = bytearray([options])
    for side, data in items:
        while data:
            # control 0x7E|side → (63 % 64 + 1) × (1 + 63 // 64) = 64 bytes
            chunk, data = data[:64], data[64:]
            units = len(chunk) - 1
            out.append((units << 1) | side)
            out += chunk
    return bytes(out)


def main():
    capture, port = sys.argv[1], sys.argv[2]
    target = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "triple")
    os.makedirs(target, exist_ok=True)
    # Small deliveries only (the 200 kB message would dwarf the rest), each seed at most 16 KiB.
    items = [item for item in deliveries(capture, port) if len(item[1]) <= 1_500]
    seeds = {"start": (items[:40], 0x04), "start-small-limits": (items[:40], 0x06),
             "midstream": (items[40:80], 0x05), "streaming": (items[8:60], 0x01),
             "tail": (items[-40:], 0x05)}
    for name, (part, options) in seeds.items():
        data = program(part, options)[:16 << 10]
        digest = hashlib.sha1(data).hexdigest()[:10]
        with open(os.path.join(target, f"grpc-{name}-{digest}"), "wb") as out:
            out.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
