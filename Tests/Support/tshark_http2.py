#!/usr/bin/env python3
"""tshark's HTTP/2 dissector as an independent reference: every HEADERS frame of a capture, one JSON object per line.

    tshark_http2.py capture.pcap PORT

Each line: {"ts": epoch seconds of the packet where tshark completed the frame, "first_ts": the packet holding the
frame's first byte (differs when TCP split the frame over several packets; only the packet's first HTTP/2 PDU can have
begun in an earlier packet), "from_server": bool, "stream": id, "end_stream": bool,
"headers": [[name, value], ...]}. Exit status 2 when tshark is missing.
"""

import json
import shutil
import subprocess
import sys


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def main():
    capture, port = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("tshark is missing: apt-get install tshark", file=sys.stderr)
        return 2
    times = {}
    listing = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"],
                             check=True, capture_output=True, text=True, timeout=300).stdout
    for line in listing.splitlines():
        number, _, epoch = line.partition("\t")
        times[number] = float(epoch)
    output = subprocess.run(
        ["tshark", "-r", capture, "-d", f"tcp.port=={port},http2", "-Y", "http2.type == 1", "-T", "json",
         "--no-duplicate-keys", "-J", "frame tcp tcp.segments http2"],
        check=True, capture_output=True, timeout=300).stdout
    for packet in json.loads(output):
        layers = packet["_source"]["layers"]
        ts = float(layers["frame"]["frame.time_epoch"])
        from_server = layers["tcp"]["tcp.srcport"] == str(port)
        segments = as_list((layers.get("tcp.segments") or {}).get("tcp.segment"))
        # tshark lists the segments of the one PDU this packet completes, which is its first: a frame in a later
        # PDU begins and ends in this packet.
        for index, pdu in enumerate(as_list(layers.get("http2"))):
            first_ts = times[segments[0]] if segments and index == 0 else ts
            for frame in as_list(pdu.get("http2.stream")):
                if frame.get("http2.type") != "1":
                    continue
                flags = int(frame.get("http2.flags", "0"), 16)
                headers = [[h.get("http2.header.name"), h.get("http2.header.value")]
                           for h in as_list(frame.get("http2.header"))]
                print(json.dumps({"ts": ts, "first_ts": first_ts, "from_server": from_server, "stream": int(frame["http2.streamid"]),
                                  "end_stream": bool(flags & 1), "headers": headers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
