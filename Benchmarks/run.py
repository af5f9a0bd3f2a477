#!/usr/bin/env python3
"""Benchmark runner: times dubbo-inspect against a plain libpcap read loop on the same capture.

Builds the release binary and the C floor program, generates the captures it needs (cached in --workdir), runs every
mode --runs times in interleaved rounds and prints a Markdown table (median wall time, median per-round ratio to the
floor; peak RSS is the largest of the runs).

  python3 Benchmarks/run.py                      # the 100 000-call capture
  python3 Benchmarks/run.py --scale              # also 10 k, 1 M calls and 10 000 connections
  python3 Benchmarks/run.py --memory             # also memory per idle flow and per pending request
  python3 Benchmarks/run.py --shapes             # the 100 000-call capture, small bodies, 10 000 connections
  python3 Benchmarks/run.py --baseline-binary OLD/dubbo-inspect   # before/after rows in the same rounds
  python3 Benchmarks/run.py --tool-args="--decode-thread on"   # more rows: the tool with these arguments too
  python3 Benchmarks/run.py --peers              # also tshark (-q -z conv,tcp) and tcpflow on the same file
  python3 Benchmarks/run.py --beside="--serialization fastjson2"   # another shape of the same traffic, same rounds

The floor reads every packet with pcap_next_ex and touches one byte per 64-byte line; the older floor, which adds
every byte in a scalar loop (work the tool never does), is kept as a labelled row for comparison with old figures.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run(command):
    """Runs a command (output to /dev/null), returns (wall seconds, user seconds, peak RSS KiB, standard error).

    Peak RSS comes from GNU time when installed (Debian package `time`): a process started from this Python
    counts the interpreter's memory in its own high-water mark until it execs, GNU time's child does not."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile() as measured:
        wrapped = [GNU_TIME, "-f", "%M", "-o", measured.name] + command if GNU_TIME else command
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
        peak = usage.ru_maxrss
        if GNU_TIME:
            text = open(measured.name).read().split()
            peak = int(text[-1]) if text and text[-1].isdigit() else peak
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed:\n{stderr}")
    return wall, usage.ru_utime, peak, stderr


def build(args):
    subprocess.run(["swift", "build", "-c", "release", "--product", "dubbo-inspect", "--scratch-path", args.scratch_path]
                   + args.swift_flags, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return binary_path(args), floor_path(args, compile=True)


def binary_path(args):
    return os.path.join(ROOT, args.scratch_path, "release", "dubbo-inspect")


def floor_path(args, compile=False):
    floor = os.path.join(args.workdir, "pcap_floor")
    if compile or not os.path.exists(floor):
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(HERE, "pcap_floor.c"), "-lpcap"], check=True)
    return floor


FLOOR = "libpcap floor (pcap_next_ex, one byte per 64-byte line)"


# Call-log formats timed besides JSON lines (`--formats`); each is a mode of its own.
LOG_FORMATS = ["jsonl"]


def tool_modes(binary, path, suffix="", extra=()):
    return [
        (f"read --format none --report json (report mode){suffix}",
         [binary, "read", path, "--format", "none", "--report", os.devnull, "--report-format", "json", *extra]),
    ] + [(f"read --format {fmt} > /dev/null{suffix}", [binary, "read", path, "--format", fmt, *extra])
         for fmt in LOG_FORMATS]


def peer_modes(path, scratch):
    """The tools people would otherwise reach for, on the same file: tshark's TCP conversation table (a full
    dissection pass) and tcpflow's stream reassembly (flows written to a scratch directory)."""
    modes = []
    if shutil.which("tshark"):
        modes.append(("peer: tshark -q -z conv,tcp", ["tshark", "-n", "-q", "-r", path, "-z", "conv,tcp"]))
    if shutil.which("tcpflow"):
        modes.append(("peer: tcpflow -r (streams to files)", ["tcpflow", "-r", path, "-o", scratch]))
    return modes


def capture(args, calls, connections, extra=()):
    suffix = "-".join(str(part).lstrip("-") for part in extra)
    path = os.path.join(args.workdir, f"bench-{calls}-{connections}{'-' + suffix if suffix else ''}.pcap")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_capture.py"), path, "--calls", str(calls),
                        "--connections", str(connections), *extra], check=True, stdout=subprocess.DEVNULL)
    return path


def measure(args, binary, floor, path, calls, title=None, also=()):
    """Times every mode on `path` (and on each `(path, name)` of `also`, in the same rounds, each against its own
    floor) and prints one table."""
    captures = [(path, "")] + [(other, f" — {name}") for other, name in also]
    scratch = tempfile.mkdtemp(prefix="bench-peer-", dir=args.workdir)
    modes = []  # (label, command, capture suffix)
    for capture_path, tag in captures:
        modes.append((FLOOR + tag, [floor, capture_path], tag))
        modes.append(("old floor (pcap_next_ex, sums every byte)" + tag, [floor, "--sum-every-byte", capture_path], tag))
        modes += [(label, command, tag) for label, command in tool_modes(binary, capture_path, tag)]
        for tool_args in args.tool_args:
            modes += [(label, command, tag)
                      for label, command in tool_modes(binary, capture_path, f" — {tool_args}{tag}", tool_args.split())]
        if args.baseline_binary:
            modes += [(label, command, tag)
                      for label, command in tool_modes(args.baseline_binary, capture_path, " — baseline binary" + tag)]
        if args.peers:
            modes += [(label + tag, command, tag) for label, command in peer_modes(capture_path, scratch)]
    walls = {label: [] for label, _, _ in modes}
    users = {label: [] for label, _, _ in modes}
    peaks = {label: 0 for label, _, _ in modes}
    ratios = {label: [] for label, _, _ in modes}
    # Rounds interleave the modes, so a slow spell on a shared machine hits all of them alike; each ratio is taken
    # within its round against the floor of the same capture, then the median over rounds is reported.
    for _ in range(args.runs):
        round_walls = {}
        for label, command, _ in modes:
            if label.startswith("peer: tcpflow"):
                shutil.rmtree(scratch, ignore_errors=True)
                os.makedirs(scratch)
            wall, user, rss, stderr = run(command)
            walls[label].append(wall)
            users[label].append(user)
            peaks[label] = max(peaks[label], rss)
            round_walls[label] = wall
        for label, _, tag in modes:
            ratios[label].append(round_walls[label] / round_walls[FLOOR + tag])
    shutil.rmtree(scratch, ignore_errors=True)
    sizes, packet_counts = {}, {}
    for capture_path, tag in captures:
        out = subprocess.run([floor, capture_path], capture_output=True, text=True)
        packet_counts[tag] = int((out.stdout or out.stderr).split()[0])
        sizes[tag] = os.path.getsize(capture_path)
        name = title if (title and not tag) else os.path.basename(capture_path)
        print(f"\n{name}: {sizes[tag] / 1e6:.0f} MB, {packet_counts[tag]} packets, {calls} calls" + (f" ({tag[3:]})" if tag else ""))
    print(f"\nmedian of {args.runs} interleaved rounds\n")
    ours = {label for label, _, tag in modes for own, _ in tool_modes(binary, path, tag) if label == own}
    peers = [label for label, _, _ in modes if label.startswith("peer:")]
    peer_columns = "".join(f" | {label[6:].split()[0]} ÷ ours" for label in peers)
    print(f"| mode | wall s | user s | packets/s | MB/s | calls/s | peak RSS MiB | × floor{peer_columns} |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(peers))
    for label, _, tag in modes:
        wall = statistics.median(walls[label])
        user = statistics.median(users[label])
        packets, size = packet_counts[tag], sizes[tag]
        cells = ""
        for peer in peers:
            # How many times faster than each peer (our mode's time as a ratio of the peer's, inverted).
            cells += f" | {statistics.median(walls[peer]) / wall:.1f}×" if label in ours and peer.endswith(tag) else " | "
        print(f"| {label} | {wall:.2f} | {user:.2f} | {packets / wall / 1e6:.2f} M | {size / wall / 1e6:.0f} | "
              f"{calls / wall / 1e3:.0f} k | {peaks[label] / 1024:.1f} | {statistics.median(ratios[label]):.2f}{cells} |")


def memory(args, binary):
    """Memory per idle connection and per pending request: peak RSS with 50 000 of them minus the baseline."""
    count = 50_000
    probes = [("baseline (100 connections)", ()), ("idle connection", ("--idle-connections", str(count))),
              ("pending request", ("--unanswered", str(count)))]
    print(f"\nMemory probes: {count} idle connections / unanswered requests, peak RSS minus the baseline\n")
    print("| what | depth | peak RSS MiB | bytes each |")
    print("|---|---|---:|---:|")
    for depth, format_args in (("metadata (--format none)", ["--format", "none"]),
                               ("full (--format jsonl)", ["--format", "jsonl"])):
        baseline = None
        for label, extra in probes:
            path = capture(args, 0, 100, ("--memory-probe",) + extra)
            _, _, rss, _ = run([binary, "read", path] + format_args)
            if baseline is None:
                baseline = rss
                print(f"| {label} | {depth} | {rss / 1024:.1f} | |")
            else:
                print(f"| {label} | {depth} | {rss / 1024:.1f} | {(rss - baseline) * 1024 / count:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", nargs="+", default=["jsonl"], choices=["jsonl", "csv", "text"],
                        help="call-log formats to time (JSON lines by default; CSV and text were once 19x slower)")
    parser.add_argument("--workdir", default="/tmp/dubbo-inspect-bench")
    parser.add_argument("--scale", action="store_true", help="also 10 k and 1 M calls, and 10 000 connections")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--scratch-path", default=".build", help="SwiftPM scratch path of the release build")
    parser.add_argument("--memory", action="store_true", help="also measure memory per idle flow / pending request")
    parser.add_argument("--swift-flags", nargs="*", default=[])
    parser.add_argument("--shapes", action="store_true",
                        help="the 100 000-call capture, a small-body capture and 10 000 connections")
    parser.add_argument("--baseline-binary", help="a second dubbo-inspect (e.g. a release build of an older commit), "
                        "timed in the same interleaved rounds")
    parser.add_argument("--tool-args", action="append", default=[], metavar="ARGS",
                        help="more rows: dubbo-inspect with these arguments too (e.g. --tool-args='--decode-thread on')")
    parser.add_argument("--peers", action="store_true", help="also time tshark and tcpflow on each capture")
    parser.add_argument("--beside", action="append", default=[], metavar="CAPTURE_ARGS",
                        help="make_capture.py arguments of another shape of the same traffic, timed in the same "
                        "rounds (e.g. --beside=\"--serialization fastjson2\" to compare body decoders per byte)")
    parser.add_argument("--capture-args", help="make_capture.py arguments for one capture of 100 000 calls on 200 "
                        "connections instead of the default one (e.g. --capture-args=--small-bodies)")
    args = parser.parse_args()
    LOG_FORMATS[:] = args.formats
    os.makedirs(args.workdir, exist_ok=True)
    if shutil.which("cc") is None:
        sys.exit("benchmark: a C compiler is needed for the floor program")
    binary, floor = build(args) if not args.no_build else (binary_path(args), floor_path(args))
    cases = [(100_000, 200, ())]
    if args.scale:
        cases = [(10_000, 200, ()), (100_000, 200, ()), (1_000_000, 200, ()), (100_000, 10_000, ())]
    if args.shapes:
        cases = [(100_000, 200, ()), (100_000, 200, ("--small-bodies",)), (100_000, 10_000, ())]
    if args.capture_args:
        cases = [(100_000, 200, tuple(args.capture_args.split()))]
    for calls, connections, extra in cases:
        path = capture(args, calls, connections, extra)
        also = [(capture(args, calls, connections, tuple(other.split())), other) for other in args.beside]
        measure(args, binary, floor, path, calls, also=also)
    if args.memory:
        memory(args, binary)


if __name__ == "__main__":
    main()
