#!/usr/bin/env python3
"""Benchmark runner: times dubbo-inspect against a plain libpcap read loop on the same capture.

Builds the release binary and the C floor program, generates the captures it needs (cached in --workdir), runs every
mode --runs times in interleaved rounds and prints a Markdown table (median wall time, median per-round ratio to the
floor; peak RSS is the largest of the runs).

  python3 Benchmarks/run.py                      # the 100 000-call capture
  python3 Benchmarks/run.py --scale              # also 10 k, 1 M calls and 10 000 connections
  python3 Benchmarks/run.py --memory             # also memory per idle flow and per pending request
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


def capture(args, calls, connections, extra=()):
    suffix = "-".join(str(part).lstrip("-") for part in extra)
    path = os.path.join(args.workdir, f"bench-{calls}-{connections}{'-' + suffix if suffix else ''}.pcap")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_capture.py"), path, "--calls", str(calls),
                        "--connections", str(connections), *extra], check=True, stdout=subprocess.DEVNULL)
    return path


def measure(args, binary, floor, path, calls):
    size = os.path.getsize(path)
    modes = [
        ("libpcap floor (pcap_next_ex, touch bytes)", [floor, path]),
        ("read --format none --report json (report mode)",
         [binary, "read", path, "--format", "none", "--report", os.devnull, "--report-format", "json"]),
        ("read --format jsonl > /dev/null", [binary, "read", path, "--format", "jsonl"]),
    ]
    walls = {label: [] for label, _ in modes}
    users = {label: [] for label, _ in modes}
    peaks = {label: 0 for label, _ in modes}
    ratios = {label: [] for label, _ in modes}
    packets = None
    # Rounds interleave the modes, so a slow spell on a shared machine hits all of them alike; each ratio is taken
    # within its round, then the median over rounds is reported.
    for _ in range(args.runs):
        round_walls = {}
        for label, command in modes:
            wall, user, rss, stderr = run(command)
            walls[label].append(wall)
            users[label].append(user)
            peaks[label] = max(peaks[label], rss)
            round_walls[label] = wall
            if command[0] == floor and packets is None and stderr:
                packets = int(stderr.split()[0])
        floor_wall = round_walls[modes[0][0]]
        for label, _ in modes:
            ratios[label].append(round_walls[label] / floor_wall)
    if packets is None:
        out = subprocess.run([floor, path], capture_output=True, text=True)
        packets = int((out.stdout or out.stderr).split()[0])
    print(f"\n{os.path.basename(path)}: {size / 1e6:.0f} MB, {packets} packets, {calls} calls, "
          f"median of {args.runs} interleaved rounds\n")
    print("| mode | wall s | user s | packets/s | MB/s | calls/s | peak RSS MiB | × floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, _ in modes:
        wall = statistics.median(walls[label])
        user = statistics.median(users[label])
        print(f"| {label} | {wall:.2f} | {user:.2f} | {packets / wall / 1e6:.2f} M | {size / wall / 1e6:.0f} | "
              f"{calls / wall / 1e3:.0f} k | {peaks[label] / 1024:.1f} | {statistics.median(ratios[label]):.1f} |")


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
    parser.add_argument("--workdir", default="/tmp/dubbo-inspect-bench")
    parser.add_argument("--scale", action="store_true", help="also 10 k and 1 M calls, and 10 000 connections")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--scratch-path", default=".build", help="SwiftPM scratch path of the release build")
    parser.add_argument("--memory", action="store_true", help="also measure memory per idle flow / pending request")
    parser.add_argument("--swift-flags", nargs="*", default=[])
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    if shutil.which("cc") is None:
        sys.exit("benchmark: a C compiler is needed for the floor program")
    binary, floor = build(args) if not args.no_build else (binary_path(args), floor_path(args))
    cases = [(100_000, 200)]
    if args.scale:
        cases = [(10_000, 200), (100_000, 200), (1_000_000, 200), (100_000, 10_000)]
    for calls, connections in cases:
        measure(args, binary, floor, capture(args, calls, connections), calls)
    if args.memory:
        memory(args, binary)


if __name__ == "__main__":
    main()
