#!/usr/bin/env python3
"""A small OTLP/HTTP receiver for the tests: decodes what dubbo-inspect sends with the official OpenTelemetry
protobuf definitions (PyPI `opentelemetry-proto`) and writes it out as plain JSON, one line per request.

    python3 otlp_receiver.py --out requests.jsonl [--port-file F] [--status 503] [--fail-first N] [--delay 0.5]
                             [--max-seconds 120]

* Binds 127.0.0.1 on a free port and prints `LISTENING <port>` on standard output (and into --port-file) once it
  accepts connections.
* POST /v1/traces and /v1/metrics bodies are parsed as ExportTraceServiceRequest / ExportMetricsServiceRequest
  (Content-Type application/x-protobuf). Each request is written to --out, and flushed, BEFORE the answer is
  sent, so a client that saw the answer finds its request in the file.
* --status CODE answers every request with CODE (e.g. 503) after recording it; --fail-first N answers the first
  N requests with 503 and the rest with 200. --delay S waits S seconds before answering (a slow collector).
* Stops by itself after --max-seconds, so a test that forgets it never leaves it behind; SIGTERM stops it at once.

Line format: {"path", "answered", "content_type", "error"?, "resource_spans"/"resource_metrics": [...]}, with ids as
lowercase hex, times as integers (ns), attributes as {key: python value} (arrays as lists).
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest, ExportMetricsServiceResponse)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest, ExportTraceServiceResponse)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status


def any_value(value):
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None


def attributes(pairs):
    out = {}
    for pair in pairs:
        if pair.key in out:
            raise ValueError(f"duplicate attribute key {pair.key!r}")
        out[pair.key] = any_value(pair.value)
    return out


def span_json(span):
    return {
        "name": span.name,
        "kind": Span.SpanKind.Name(span.kind),
        "trace_id": span.trace_id.hex(),
        "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(),
        "trace_state": span.trace_state,
        "flags": span.flags,
        "start": span.start_time_unix_nano,
        "end": span.end_time_unix_nano,
        "status_code": Status.StatusCode.Name(span.status.code),
        "status_message": span.status.message,
        "attributes": attributes(span.attributes),
        "events": [{"name": e.name, "time": e.time_unix_nano, "attributes": attributes(e.attributes)}
                   for e in span.events],
    }


def traces_json(request):
    return [{
        "resource": attributes(rs.resource.attributes),
        "scopes": [{"name": ss.scope.name, "version": ss.scope.version, "spans": [span_json(s) for s in ss.spans]}
                   for ss in rs.scope_spans],
    } for rs in request.resource_spans]


def point_json(point, kind):
    out = {"attributes": attributes(point.attributes), "start": point.start_time_unix_nano,
           "time": point.time_unix_nano}
    if kind == "histogram":
        out.update(count=point.count, sum=point.sum, bucket_counts=list(point.bucket_counts),
                   explicit_bounds=list(point.explicit_bounds))
        if point.HasField("min"):
            out["min"] = point.min
        if point.HasField("max"):
            out["max"] = point.max
    else:
        out["value"] = point.as_int if point.WhichOneof("value") == "as_int" else point.as_double
    return out


def metrics_json(request):
    resources = []
    for rm in request.resource_metrics:
        scopes = []
        for sm in rm.scope_metrics:
            metrics = []
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                data = getattr(metric, kind)
                entry = {"name": metric.name, "unit": metric.unit, "description": metric.description, "type": kind,
                         "points": [point_json(p, kind) for p in data.data_points]}
                if kind in ("sum", "histogram"):
                    entry["temporality"] = data.aggregation_temporality
                if kind == "sum":
                    entry["monotonic"] = data.is_monotonic
                metrics.append(entry)
            scopes.append({"name": sm.scope.name, "version": sm.scope.version, "metrics": metrics})
        resources.append({"resource": attributes(rm.resource.attributes), "scopes": scopes})
    return resources


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    requests = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        options = self.server.options
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with Receiver.lock:
            Receiver.requests += 1
            number = Receiver.requests
        if options.status:
            status = options.status
        elif number <= options.fail_first:
            status = 503
        else:
            status = 200
        entry = {"path": self.path, "number": number, "answered": status,
                 "content_type": self.headers.get("Content-Type", "")}
        reply = b""
        try:
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                entry["resource_spans"] = traces_json(request)
                reply = ExportTraceServiceResponse().SerializeToString()
            elif self.path == "/v1/metrics":
                request = ExportMetricsServiceRequest()
                request.ParseFromString(body)
                entry["resource_metrics"] = metrics_json(request)
                reply = ExportMetricsServiceResponse().SerializeToString()
            else:
                status = 404
                entry["answered"] = 404
        except Exception as error:  # a body the official definitions reject is a test failure: say so
            entry["error"] = f"{type(error).__name__}: {error}"
            status = 400
            entry["answered"] = 400
        with Receiver.lock:
            self.server.out.write(json.dumps(entry) + "\n")
            self.server.out.flush()
        if options.delay:
            time.sleep(options.delay)
        if status != 200:
            reply = b""
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--status", type=int, default=0)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--port-file", help="also write the port to this file (written whole, then renamed)")
    options = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    server.options = options
    server.out = open(options.out, "a", encoding="utf-8")
    # A parent may have spawned us with SIGTERM blocked (the mask is inherited): unblock it, then handle it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stopper = threading.Timer(options.max_seconds, server.shutdown)
    stopper.daemon = True
    stopper.start()
    port = server.server_address[1]
    if options.port_file:
        with open(options.port_file + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(f"{port}\n")
        os.replace(options.port_file + ".tmp", options.port_file)
    print(f"LISTENING {port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.out.close()


if __name__ == "__main__":
    main()
