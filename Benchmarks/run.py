#!/usr/bin/env python3
"""Benchmark runner: times dubbo-inspect against a plain libpcap read loop on the same capture.

Builds the release binary and the C floor program, generates the captures it needs (cached in --workdir), runs every
mode --runs times and prints a Markdown table (median wall time; peak RSS is the largest of the runs).

  python3 Benchmarks/run.py                      # the 100 000-call capture
  python3 Benchmarks/run.py --scale              # also 10 k, 1 M calls and 10 000 connections
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(command, stdout=subprocess.DEVNULL):
    """Runs a command, returns (wall seconds, user seconds, peak RSS KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed:\n{stderr}")
    return wall, usage.ru_utime, usage.ru_maxrss, stderr


def build(args):
    subprocess.run(["swift", "build", "-c", "release", "--product", "dubbo-inspect"] + args.swift_flags,
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, ".build", "release", "dubbo-inspect")
    floor = os.path.join(args.workdir, "pcap_floor")
    subprocess.run(["cc", "-O2", "-o", floor, os.path.join(HERE, "pcap_floor.c"), "-lpcap"], check=True)
    return binary, floor


def capture(args, calls, connections):
    path = os.path.join(args.workdir, f"bench-{calls}-{connections}.pcap")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_capture.py"), path, "--calls", str(calls),
                        "--connections", str(connections)], check=True, stdout=subprocess.DEVNULL)
    return path


def supports_report(binary):
    help_text = subprocess.run([binary, "read", "--help"], capture_output=True, text=True).stdout
    return "--report" in help_text


def measure(args, binary, floor, path, calls):
    size = os.path.getsize(path)
    modes = [("libpcap floor (pcap_next_ex, touch bytes)", [floor, path])]
    report = ["--report", os.devnull] if supports_report(binary) else []
    modes.append((f"read --format none {' '.join(report) or '(no --report yet)'}",
                  [binary, "read", path, "--format", "none"] + report))
    modes.append(("read --format jsonl > /dev/null", [binary, "read", path, "--format", "jsonl"]))
    rows = []
    packets = None
    for label, command in modes:
        walls, users, peak = [], [], 0
        for _ in range(args.runs):
            wall, user, rss, stderr = run(command)
            walls.append(wall)
            users.append(user)
            peak = max(peak, rss)
            if command[0] == floor and packets is None:
                packets = int(stderr.split()[0]) if stderr else None
        rows.append((label, statistics.median(walls), statistics.median(users), peak))
    if packets is None:
        out = subprocess.run([floor, path], capture_output=True, text=True).stdout
        packets = int(out.split()[0])
    floor_wall = rows[0][1]
    print(f"\n{os.path.basename(path)}: {size / 1e6:.0f} MB, {packets} packets, {calls} calls, median of {args.runs}\n")
    print("| mode | wall s | user s | packets/s | MB/s | calls/s | peak RSS MiB | × floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, wall, user, peak in rows:
        print(f"| {label} | {wall:.2f} | {user:.2f} | {packets / wall / 1e6:.2f} M | {size / wall / 1e6:.0f} | "
              f"{calls / wall / 1e3:.0f} k | {peak / 1024:.1f} | {wall / floor_wall:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", default="/tmp/dubbo-inspect-bench")
    parser.add_argument("--scale", action="store_true", help="also 10 k and 1 M calls, and 10 000 connections")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--swift-flags", nargs="*", default=[])
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    if shutil.which("cc") is None:
        sys.exit("benchmark: a C compiler is needed for the floor program")
    binary, floor = build(args) if not args.no_build else (os.path.join(ROOT, ".build", "release", "dubbo-inspect"),
                                                             os.path.join(args.workdir, "pcap_floor"))
    cases = [(100_000, 200)]
    if args.scale:
        cases = [(10_000, 200), (100_000, 200), (1_000_000, 200), (100_000, 10_000)]
    for calls, connections in cases:
        measure(args, binary, floor, capture(args, calls, connections), calls)


if __name__ == "__main__":
    main()
