#!/usr/bin/env python3
"""Regenerates the fuzz seed corpora from the repository's fixtures (Fixtures/*.pcap, *.pcapng).

Each target reads its input in its own layout (see the comment at the top of each Fuzz/Sources/<Target>/*.swift);
this script wraps real bytes from the fixtures in those layouts. Seeds stay small (a few KB each): libFuzzer
grows its own working corpus under Fuzz/.build-fuzz/corpus, which is not kept in the repository.

Usage: python3 Fuzz/Corpus/make_seeds.py   (from the repository root; rewrites Fuzz/Corpus/<target>/)
"""
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures")
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")
SUPPORTED_LINK_TYPES = sorted([0, 1, 12, 14, 101, 108, 113, 228, 229, 276])  # LinkType.supported, sorted


def classic_packets(path):
    """(linktype, bytes) of every record of a classic little-endian pcap."""
    data = open(path, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return []
    linktype = struct.unpack_from("<I", data, 20)[0]
    offset, packets = 24, []
    while offset + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, offset)
        offset += 16
        packets.append((linktype, data[offset:offset + caplen]))
        offset += caplen
    return packets


def network_offset(linktype, packet):
    if linktype == 1:
        offset, ethertype = 14, struct.unpack_from(">H", packet, 12)[0]
        while ethertype in (0x8100, 0x88A8, 0x9100):
            ethertype = struct.unpack_from(">H", packet, offset + 2)[0]
            offset += 4
        return offset
    return {0: 4, 108: 4, 113: 16, 276: 20}.get(linktype, 0)


def tcp_payload(linktype, packet):
    """(source port, payload) of a TCP packet, or None."""
    offset = network_offset(linktype, packet)
    if offset >= len(packet):
        return None
    version = packet[offset] >> 4
    if version == 4:
        ihl = (packet[offset] & 15) * 4
        if packet[offset + 9] != 6:
            return None
        total = struct.unpack_from(">H", packet, offset + 2)[0]
        tcp, end = offset + ihl, min(len(packet), offset + total)
    elif version == 6:
        if packet[offset + 6] != 6:
            return None
        tcp, end = offset + 40, min(len(packet), offset + 40 + struct.unpack_from(">H", packet, offset + 4)[0])
    else:
        return None
    if tcp + 20 > len(packet):
        return None
    data_offset = (packet[tcp + 12] >> 4) * 4
    return struct.unpack_from(">H", packet, tcp)[0], packet[tcp + data_offset:end]


def frames(payload):
    """(flags, status, body) of every whole Dubbo frame that starts a payload and fits in it."""
    found, offset = [], 0
    while offset + 16 <= len(payload) and payload[offset:offset + 2] == b"\xda\xbb":
        length = struct.unpack_from(">i", payload, offset + 12)[0]
        if length < 0 or offset + 16 + length > len(payload):
            break
        found.append((payload[offset + 2], payload[offset + 3], payload[offset + 16:offset + 16 + length]))
        offset += 16 + length
    return found


def write(target, name, data, seen):
    digest = hashlib.sha1(data).hexdigest()
    if digest in seen:
        return
    seen.add(digest)
    with open(os.path.join(CORPUS, target, f"{name}-{digest[:10]}"), "wb") as handle:
        handle.write(data)


def clear(directory):
    """Removes the generated seeds of one target; `regression-*` inputs (fuzzing findings, each also a named
    regression test) are kept."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("regression-"):
            os.remove(os.path.join(directory, name))


def main():
    targets = ["hessian", "jsonb", "dubbo-stream", "dissector", "reassembly", "pipeline"]
    for target in targets:
        clear(os.path.join(CORPUS, target))
    seen = {target: set() for target in targets}
    captures = sorted(name for name in os.listdir(FIXTURES) if name.endswith((".pcap", ".pcapng")))

    for name in captures:
        path = os.path.join(FIXTURES, name)
        stem = name.rsplit(".", 1)[0]
        # pipeline: the small capture files as they are.
        if os.path.getsize(path) <= 20_000:
            write("pipeline", stem, open(path, "rb").read(), seen["pipeline"])
        packets = classic_packets(path)
        streams = {}
        bodies = 0
        for index, (linktype, packet) in enumerate(packets):
            # dissector: the link-type choice, 2 bytes of extra wire length, the packet.
            if index in (0, 3):
                choice = SUPPORTED_LINK_TYPES.index(linktype) if linktype in SUPPORTED_LINK_TYPES else 1
                write("dissector", stem, bytes([choice, 0, 0]) + packet, seen["dissector"])
            located = tcp_payload(linktype, packet)
            if not located or not located[1]:
                continue
            port, payload = located
            streams.setdefault(port, bytearray()).extend(payload)
            for flags, status, body in frames(payload):
                if flags & 0x1F == 23 and len(body) <= 3_000:
                    # jsonb, document mode: each fastjson2 part alone (default limits, budget 2 KB).
                    offset = 0
                    while offset + 4 <= len(body):
                        length = struct.unpack_from(">I", body, offset)[0]
                        write("jsonb", stem + "-part", bytes([0x00, 0x80]) + body[offset + 4:offset + 4 + length],
                              seen["jsonb"])
                        offset += 4 + length
                if len(body) > 3_000 or bodies >= 6:
                    continue
                bodies += 1
                # jsonb, cut-body mode: the body and a head of 40 bytes (any serializer: the partial-body path).
                write("jsonb", stem + "-cut", bytes([0x80, 0x80, flags, status, 10]) + body, seen["jsonb"])
                # hessian, body mode: mode 0x80, limits byte (default limits, budget 2 KB), flags, status, body.
                write("hessian", stem + "-body", bytes([0x80, 0x80, flags, status]) + body, seen["hessian"])
                # hessian, value mode: the whole body as a run of values, small limits.
                write("hessian", stem + "-values", bytes([0x00, 0x41]) + body, seen["hessian"])
        # dubbo-stream: one direction's bytes in 192-byte chunks (control 0xbf), whole-stream options 0x04.
        for port, stream in sorted(streams.items())[:2]:
            program = bytearray([0x04])
            for start in range(0, min(len(stream), 6_000), 192):
                program.append(0xBF)
                program.extend(stream[start:start + 192])
            write("dubbo-stream", f"{stem}-{port}", bytes(program), seen["dubbo-stream"])

    # reassembly: hand-made segment programs (8 bytes a segment, see FuzzReassembly.swift).
    def segment(flags, routing, sequence, ack, length, cut=0):
        return struct.pack(">BBhhBB", flags, routing, sequence, ack, length, cut)
    syn, ack, psh_ack, fin_ack, rst = 0x02, 0x10, 0x18, 0x11, 0x04
    handshake = segment(syn, 0, 0, 0, 0) + segment(syn | ack, 4, 0, 1, 0) + segment(ack, 0, 1, 1, 0)
    in_order = handshake + segment(psh_ack, 0, 1, 1, 100) + segment(psh_ack, 4, 1, 101, 50) \
        + segment(fin_ack, 0, 101, 51, 0) + segment(fin_ack, 4, 51, 102, 0)
    out_of_order = handshake + segment(psh_ack, 0, 101, 1, 100) + segment(psh_ack, 0, 1, 1, 100) \
        + segment(psh_ack, 0, 301, 1, 100) + segment(ack, 4, 1, 401, 0)
    snap_cut = handshake + segment(psh_ack, 0, 1, 1, 200, 150) + segment(psh_ack, 0, 201, 1, 10)
    midstream = segment(psh_ack, 1, 500, 900, 60) + segment(psh_ack, 5, 900, 560, 60) + segment(rst, 1, 560, 0, 0)
    overlap = handshake + segment(psh_ack, 0, 51, 1, 100) + segment(psh_ack, 0, 1, 1, 120) \
        + segment(psh_ack, 0, 1, 1, 255)
    many = b"".join(segment(psh_ack, (i % 4) | 0x08, 1 + 37 * i, 1, 40 + i) for i in range(24))
    for index, program in enumerate([in_order, out_of_order, snap_cut, midstream, overlap, many]):
        for options in (0x00, 0x01, 0x04):
            write("reassembly", f"program{index}-opt{options}", bytes([options]) + program, seen["reassembly"])


def registry_seeds():
    """registry-url: mode byte, secret length byte (0: six characters), the secret, then URL text."""
    target = os.path.join(CORPUS, "registry-url")
    clear(target)
    seeds = [
        (0, b"dubbo://192.168.1.5:20880/org.apache.dubbo.demo.DemoService?anyhost=true&application=demo-provider"
            b"&dubbo=2.0.2&interface=org.apache.dubbo.demo.DemoService&methods=sayHello,sayHelloAsync&pid=1234"
            b"&side=provider&timestamp=1700000000000"),
        (0, b"consumer://10.0.0.7/org.apache.dubbo.demo.DemoService?application=demo-consumer&category=consumers"
            b"&check=false&dubbo=2.0.2&interface=org.apache.dubbo.demo.DemoService&side=consumer"),
        (0, b"dubbo://[::1]:20880/com.foo.Bar?token=abc&version=1.0.0&group=g1"),
        (2, b"10.0.0.1:20880/svc?x=1"),
        (6, b"10.0.0.1:20880/svc?x=1"),
        (1, b"redis://127.0.0.1:6379"),
        (1, b"redis://user:pass@10.0.0.1:6379,10.0.0.2:6380?cluster=failover&db=2&timeout=500&group=dubbo"),
        (1, b"redis://[::1]:6379?password=x"),
        (3, b"127.0.0.1:6379?db=1"),
        (7, b"127.0.0.1:6379"),
    ]
    for index, (mode, text) in enumerate(seeds):
        with open(os.path.join(target, f"seed-{index}"), "wb") as handle:
            handle.write(bytes([mode, 0]) + b"Secret" + text)


def zookeeper_seeds():
    """zookeeper: mode byte (0 instance JSON, 1 node name, 2 mapping, 3 address, 4 snapshot), then the text."""
    target = os.path.join(CORPUS, "zookeeper")
    clear(target)
    instance = (b'{"name":"demo-provider","id":"10.0.0.2:20880","address":"10.0.0.2","port":20880,"sslPort":null,'
                b'"payload":{"@class":"org.apache.dubbo.registry.zookeeper.ZookeeperInstance","id":"10.0.0.2:20880",'
                b'"name":"demo-provider","metadata":{"dubbo.endpoints":"[{\\"port\\":20880,\\"protocol\\":'
                b'\\"dubbo\\"},{\\"port\\":50051,\\"protocol\\":\\"tri\\"}]",'
                b'"dubbo.metadata.revision":"7f3c2a"}},"registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC"}')
    seeds = [
        (0, instance),
        (0, b'{"name":"a","address":"[::1]","port":null,"payload":{"metadata":{"dubbo.endpoints":"[]"}}}'),
        (1, b"dubbo%3A%2F%2F10.0.0.2%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3Ddemo-provider"
            b"%26interface%3Dorg.apache.dubbo.demo.DemoService%26methods%3DsayHello%2Cadd%26note%3Da+b"),
        (1, b"consumer%3A%2F%2F10.0.0.1%2Fcom.foo.Bar%3Fapplication%3Dc%26category%3Dconsumers"),
        (2, b"app-a,app-b, app-c,,app-a"),
        (3, b"zookeeper://127.0.0.1:2181?backup=10.0.0.2:2182,[::1]:2183&group=dubbo&rootPath=/services"
            b"&timeout=500&session=30000"),
        (3, b"zookeeper://zk1,zk2:2182/org.apache.dubbo.registry.RegistryService?group=/prod/"),
        (4, b'{"format":"dubbo-inspect-registry-snapshot","version":1,"root":"/dubbo/","keys":[],'
            b'"instances":[{"path":"/services/demo-provider/10.0.0.2:20880","observed_at_ms":1,"data":"'
            + instance.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"}],"mappings":{"com.A":"demo-provider"}}'),
    ]
    for index, (mode, text) in enumerate(seeds):
        with open(os.path.join(target, f"seed-{index}"), "wb") as handle:
            handle.write(bytes([mode]) + text)


if __name__ == "__main__":
    registry_seeds()
    zookeeper_seeds()
    main()
