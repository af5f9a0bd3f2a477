#!/usr/bin/env python3
"""A consumer with a short timeout against a deliberately slow provider, on loopback, for the timeout tests.

The `dubbo-py` provider of dubbo_loopback.py (its `slow` method sleeps the given milliseconds) on 127.0.0.1:PORT,
and a `dubbo-py` consumer that sends the `timeout` attachment and gives up waiting after that long:

* `slow(5)` with timeout 1000 ms: answered in time;
* `slow(SLOW_MS)` with timeout TIMEOUT_MS: the consumer times out; the provider answers after SLOW_MS anyway.

Each call is printed as one JSON line, as the consumer saw it. Exit status 0 when both went as planned, 2 when the
stack is missing, 1 otherwise. Nothing leaves loopback.

    dubbo_timeout.py --port 20880 --timeout-ms 50 --slow-ms 250
"""

import argparse
import json
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dubbo_loopback  # noqa: E402  (the provider, and the stack check: exits 2 when dubbo-py is missing)

APP = "timeout-test-consumer"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout-ms", type=int, default=50)
    parser.add_argument("--slow-ms", type=int, default=250)
    parser.add_argument("--linger", type=float, default=1.0)
    args = parser.parse_args()

    provider = dubbo_loopback.start_provider(args.port)
    client_module = dubbo_loopback.dubbo_py_client
    failures = 0

    client_module.DubboClient._timeout = 1.0
    client = client_module.DubboClient("127.0.0.1", args.port)
    response = client.send_request_and_return_response(
        service_name=dubbo_loopback.CALC, method_name="slow", args=[5],
        attachment={"timeout": "1000", "remote.application": APP})
    failures += not response.ok
    print(json.dumps({"method": "slow", "arguments": [5], "timeout_ms": 1000, "consumer_timed_out": False,
                      "ok": response.ok}), flush=True)

    # The consumer waits only as long as its timeout says; the provider goes on and answers late.
    client_module.DubboClient._timeout = args.timeout_ms / 1000.0
    started = time.monotonic()
    try:
        client.send_request_and_return_response(
            service_name=dubbo_loopback.CALC, method_name="slow", args=[args.slow_ms],
            attachment={"timeout": str(args.timeout_ms), "remote.application": APP})
        timed_out = False
    except queue.Empty:
        timed_out = True
    waited_ms = (time.monotonic() - started) * 1000
    failures += not timed_out
    print(json.dumps({"method": "slow", "arguments": [args.slow_ms], "timeout_ms": args.timeout_ms,
                      "consumer_timed_out": timed_out, "consumer_waited_ms": round(waited_ms, 1),
                      "ok": timed_out}), flush=True)

    time.sleep(args.slow_ms / 1000.0 + args.linger)  # the late answer reaches the wire
    client._sock.close()
    provider.stop()
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
