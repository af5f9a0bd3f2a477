#!/usr/bin/env python3
"""Real Dubbo 2 traffic on loopback, for the live-capture tests.

Starts the `dubbo-py` provider on 127.0.0.1:PORT and drives it with two independent PyPI clients,
`dubbo-py` and `dubbo-ssl-python` (plain TCP). Every call is printed on standard output as one JSON
object per line, as the client saw it, so a test can check each one against what `dubbo-inspect live`
decoded. Nothing leaves loopback: the provider binds 127.0.0.1 and the clients connect there.

    dubbo_loopback.py --port 20880 --calls 20

Exit status 0 when every call went as planned, 2 when a stack is missing (pip install dubbo-py
dubbo-ssl-python), 1 when a call did not behave as expected (the test then fails with the line).
"""

import argparse
import json
import socket
import sys
import time

try:
    from dubbo import client as dubbo_py_client
    from dubbo import server as dubbo_py_server
    from dubbo.errors import DubboError
    from dubbo_ssl.client import DubboClient as SSLClient
except ImportError as error:  # the test reports this line
    print(f"missing Python Dubbo stack: {error}; run: pip install dubbo-py==0.2.2 dubbo-ssl-python==0.9.6",
          file=sys.stderr)
    sys.exit(2)

CALC = "com.example.live.Calculator"
ECHO = "com.example.live.Echo"
CONSUMER_APP = "live-test-consumer"


def calc_add(a, b):
    return a + b


def calc_slow(milliseconds):
    time.sleep(milliseconds / 1000.0)
    return milliseconds


def calc_reject(code):
    # A Dubbo status other than OK, with a message (SERVICE_ERROR = 70).
    raise DubboError(70, f"rejected {code}")


def calc_crash(code):
    # dubbo-py answers a handler's own exception with status 90 and the message.
    raise ValueError(f"crash {code}")


def echo_echo(text):
    return text


def start_provider(port):
    services = {
        CALC: {"add": calc_add, "slow": calc_slow, "reject": calc_reject, "crash": calc_crash},
        ECHO: {"echo": echo_echo},
    }
    # DubboService would bind 0.0.0.0 and look up a public address; build its server on 127.0.0.1 instead.
    handler = dubbo_py_server._get_dubbo_request_handler(services)
    server = dubbo_py_server._ServerThread(dubbo_py_server._DubboServer(("127.0.0.1", port), handler))
    server.start()
    return server


def emit(call):
    print(json.dumps(call, sort_keys=True), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--linger", type=float, default=0,
                        help="keep the connections open this many seconds after the last call")
    args = parser.parse_args()

    provider = start_provider(args.port)
    failures = 0

    # dubbo-py client: add, slow, reject, crash, one unanswered request, one heartbeat.
    dubbo_py_client.DubboClient._timeout = 5
    py = dubbo_py_client.DubboClient("127.0.0.1", args.port)
    local = "%s:%d" % py._sock.getsockname()
    attachment = {"remote.application": CONSUMER_APP}
    for i in range(args.calls):
        response = py.send_request_and_return_response(
            service_name=CALC, method_name="add", args=[i, 1000 + i], attachment=attachment)
        ok = response.ok and response.data == 1000 + 2 * i
        failures += not ok
        emit({"client_lib": "dubbo-py", "client": local, "service": CALC, "method": "add",
              "arguments": [i, 1000 + i], "status": response.status, "value": response.data, "ok": ok})
    response = py.send_request_and_return_response(
        service_name=CALC, method_name="slow", args=[120], attachment=attachment)
    failures += not response.ok
    emit({"client_lib": "dubbo-py", "client": local, "service": CALC, "method": "slow", "arguments": [120],
          "status": response.status, "value": response.data, "ok": response.ok})
    for method, status in (("reject", 70), ("crash", 90)):
        response = py.send_request_and_return_response(
            service_name=CALC, method_name=method, args=[7], attachment=attachment)
        ok = response.status == status
        failures += not ok
        emit({"client_lib": "dubbo-py", "client": local, "service": CALC, "method": method, "arguments": [7],
              "status": response.status, "error": str(response.error), "ok": ok})

    # A method the provider has no handler for: dubbo-py never answers it.
    dubbo_py_client.DubboClient._timeout = 0.3  # no answer will come: do not wait long
    try:
        py.send_request_and_return_response(service_name=CALC, method_name="missing", args=[1], attachment=attachment)
        failures += 1
        emit({"client_lib": "dubbo-py", "client": local, "service": CALC, "method": "missing", "ok": False})
    except Exception:  # queue.Empty: no answer, as planned
        emit({"client_lib": "dubbo-py", "client": local, "service": CALC, "method": "missing", "arguments": [1],
              "status": None, "ok": True})

    # A two-way heartbeat, answered by the provider.
    heartbeat_id = next(py._request_id)
    py._sock.sendall(dubbo_py_client.DubboHeartBeatRequest(heartbeat_id, twoway=True).encode())
    emit({"client_lib": "dubbo-py", "client": local, "kind": "heartbeat", "request_id": heartbeat_id, "ok": True})

    # dubbo-ssl-python client, plain TCP: echo with a group, a version and a consumer application.
    ssl = SSLClient(interface=ECHO, group="blue", version="2.0.0", dubbo_version="2.7.23",
                    host="127.0.0.1:%d" % args.port, verify=None)
    for i in range(args.calls):
        text = f"echo-{i}"
        value = ssl.call(method="echo", args=[text], context={"remote.application": CONSUMER_APP}, timeout=5)
        ok = value == text
        failures += not ok
        emit({"client_lib": "dubbo-ssl-python", "service": ECHO, "method": "echo", "arguments": [text],
              "status": 20, "value": value, "ok": ok})

    time.sleep(0.3)  # let the heartbeat answer arrive before the connection closes
    if args.linger > 0:
        time.sleep(args.linger)  # the unanswered request stays pending while the connection is open
    py._sock.close()
    provider.stop()
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
