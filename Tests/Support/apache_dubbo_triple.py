#!/usr/bin/env python3
"""Dubbo's own Python implementation of Triple (PyPI `apache-dubbo`), provider and consumer on loopback, captured by
tcpdump, for the Triple tests.

    apache_dubbo_triple.py --port 50071 --pcap out.pcap --truth out.jsonl

The provider serves `org.apache.dubbo.samples.HelloWorld` (unary `sayHello`, server-streaming `greetMany`); the
consumer calls both. Every call is written to --truth as the client saw it. Exit status 0 when all went as planned,
2 when apache-dubbo is missing, 1 otherwise. Nothing leaves loopback.
"""

import argparse
import json
import sys
import time

import loopback_capture

try:
    import dubbo
    from dubbo.configs import ReferenceConfig, ServiceConfig
    from dubbo.proxy.handlers import RpcMethodHandler, RpcServiceHandler
except ImportError as error:
    print(f"missing apache-dubbo: {error}; run: pip install apache-dubbo==3.0.0b1", file=sys.stderr)
    sys.exit(2)

SERVICE = "org.apache.dubbo.samples.HelloWorld"


def say_hello(request):
    return (request.decode("utf-8") + " world").encode("utf-8")


def greet_many(request):
    # this framework hands a streaming method its request stream, even for a single request
    name = (request.read() if hasattr(request, "read") else request).decode("utf-8")
    for index in range(3):
        yield f"{name}#{index}".encode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pcap", required=True)
    parser.add_argument("--truth", required=True)
    options = parser.parse_args()

    tcpdump = loopback_capture.start(options.port, options.pcap)
    if tcpdump is None:
        return 1

    handlers = [RpcMethodHandler.unary(say_hello, method_name="sayHello"),
                RpcMethodHandler.server_stream(greet_many, method_name="greetMany")]
    dubbo.Server(ServiceConfig(RpcServiceHandler(service_name=SERVICE, method_handlers=handlers),
                               host="127.0.0.1", port=options.port)).start()
    time.sleep(0.5)
    client = dubbo.Client(ReferenceConfig.from_url(f"tri://127.0.0.1:{options.port}/{SERVICE}"))
    unary = client.unary(method_name="sayHello")
    stream = client.server_stream(method_name="greetMany")
    truth, failures = [], []
    for index in range(5):
        answer = unary(f"hi{index}".encode("utf-8")).decode("utf-8")
        if answer != f"hi{index} world":
            failures.append(answer)
        truth.append({"method": "sayHello", "sent": f"hi{index}", "received": answer})
    answers = [item.decode("utf-8") for item in stream("ann".encode("utf-8"))]
    if answers != ["ann#0", "ann#1", "ann#2"]:
        failures.append(answers)
    truth.append({"method": "greetMany", "sent": "ann", "received": answers})
    time.sleep(1.0)  # the last packets reach tcpdump
    loopback_capture.stop(tcpdump)
    with open(options.truth, "w") as out:
        for item in truth:
            out.write(json.dumps(item) + "\n")
    for failure in failures:
        print(f"unexpected: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    import os
    os._exit(code)  # the framework's server threads do not stop on their own
