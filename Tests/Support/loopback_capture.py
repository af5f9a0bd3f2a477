"""tcpdump on `lo` for the loopback tests: started before the peers, stopped after them, nothing lost at either end."""

import signal
import sys
import subprocess


def _unblock_signals():
    # A parent (such as the test runner) may start us with signals blocked or ignored; tcpdump must see SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start(port, pcap):
    """tcpdump writing every packet of `tcp port PORT` to `pcap` at once (immediate mode, a 32 MiB buffer so a burst
    on loopback is not dropped); returns once it is capturing, or None with the reason on standard error."""
    process = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-B", "32768", "-s", "0", "-w", pcap,
                                f"tcp port {port}"], stderr=subprocess.PIPE, preexec_fn=_unblock_signals)
    line = process.stderr.readline().decode()
    if "listening" not in line:
        print(f"tcpdump did not start: {line}", file=sys.stderr, flush=True)
        process.kill()
        return None
    return process


def stop(process):
    """Stops tcpdump after the last packets reached it; the file is complete when this returns."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
