#!/usr/bin/env python3
"""Sanity-check the fixtures' expected records against docs/RECORDS.md (standard library only).

    python3 Fixtures/check_expected.py                      # checks Fixtures/*.expected.jsonl
    python3 Fixtures/check_expected.py --dir DIR
    python3 Fixtures/check_expected.py --tool .build/debug/dubbo-inspect   # also diff the tool's output

Checks, for every record: all keys present (and no others, in the documented order), the type of every
value, timestamps written with exactly 6 decimals, latency_us = response_ts - request_ts in whole
microseconds, status_name matching status, and the cross-field rules of the contract (what each kind,
result and outcome implies).  Per file: records not reported at the end of the capture come first, the
no_response block comes last in request order.  Per directory: manifest.json names every capture and
every expected file.
"""

from __future__ import annotations

import argparse
import decimal
import json
import os
import re
import subprocess
import sys

KEYS = [
    "kind", "client", "server", "request_id", "serialization", "dubbo_version", "service", "version",
    "group", "method", "parameter_types", "arguments", "attachments", "status", "status_name", "result",
    "return_value", "exception", "error_message", "response_attachments", "request_ts", "response_ts",
    "request_end_ts", "response_end_ts", "latency_us", "outcome", "request_bytes", "response_bytes",
    "quality",
    "provider_application", "consumer_application", "provider_url", "registry_status", "service_inferred",
    "registered_serializations",
    "protocol", "request_messages", "response_messages", "remote_application",
    "timeout_ms", "timeout_exceeded",
]
REGISTRY_STATUSES = {"registered", "not_registered", "stale", "method_not_registered", "version_mismatch",
                     "no_registry"}
KINDS = {"call", "oneway", "heartbeat", "event", "orphan_response"}
OUTCOMES = {"ok", "error", "exception", "no_response", "oneway", "cancelled", "unknown"}
RESULTS = {"value", "null", "exception"}
QUALITY = ["request_gap", "response_gap", "midstream", "truncated", "request_undecoded", "response_undecoded",
           "request_too_large", "response_too_large", "evicted", "partial_body", "headers_incomplete"]
STATUS_NAMES = {
    20: "OK", 25: "SERIALIZATION_ERROR", 30: "CLIENT_TIMEOUT", 31: "SERVER_TIMEOUT", 35: "CHANNEL_INACTIVE",
    40: "BAD_REQUEST", 50: "BAD_RESPONSE", 60: "SERVICE_NOT_FOUND", 70: "SERVICE_ERROR", 80: "SERVER_ERROR",
    90: "CLIENT_ERROR", 100: "SERVER_THREADPOOL_EXHAUSTED_ERROR",
}
REQUEST_BODY_KEYS = ["dubbo_version", "service", "version", "method", "parameter_types", "attachments"]
ENDPOINT = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$")
TS_TEXT = re.compile(r'"(request_ts|response_ts|request_end_ts|response_end_ts)":(null|-?\d+(\.\d+)?)')
INT64 = (-(1 << 63), (1 << 63) - 1)


class Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, where: str, msg: str):
        self.items.append(f"{where}: {msg}")


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_value(v, where, p: Problems, depth=0):
    """Rendered Hessian values: only JSON types, and the special objects have the documented shape."""
    if depth > 64:
        p.add(where, "value nested too deep")
        return
    if isinstance(v, dict):
        special = [k for k in v if k.startswith("$")]
        if "$date" in v:
            # A UTC instant (milliseconds, or nanoseconds for java.time), or a local date, time or date-time
            # (no zone), or a date-time with a zone offset or [zone id] (docs/RECORDS.md).
            date = r"-?\d{4,}-\d\d-\d\d"
            time = r"\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?"
            zone = r"(Z|[+-]\d\d:\d\d|\[[^\]]+\])?"
            if list(v) != ["$date"] or not re.fullmatch(rf"{date}(T{time}{zone})?|{time}", v["$date"]):
                p.add(where, f"bad $date {v}")
        elif "$binary" in v:
            if list(v) != ["$binary"] or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", v["$binary"]):
                p.add(where, f"bad $binary {v}")
        elif "$ref" in v:
            # Hessian: a reference index; fastjson2: a path (`$`, `..`, `$.a[0]`).
            ref = v.get("$ref")
            if list(v) != ["$ref"] or not ((is_int(ref) and ref >= 0) or (isinstance(ref, str) and (ref == ".." or ref.startswith("$")))):
                p.add(where, f"bad $ref {v}")
        elif "$truncated" in v:
            if set(v) != {"$truncated", "preview"}:
                p.add(where, f"bad $truncated {v}")
        elif "$class" in v:
            if list(v)[0] != "$class" or not isinstance(v["$class"], str):
                p.add(where, "$class must come first and be a string")
        elif special:
            p.add(where, f"unknown special key(s) {special}")
        for k, x in v.items():
            check_value(x, where, p, depth + 1)
    elif isinstance(v, list):
        for x in v:
            check_value(x, where, p, depth + 1)
    elif isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            p.add(where, "non-finite number")


def check_record(line: str, where: str, p: Problems) -> dict | None:
    try:
        rec = json.loads(line, parse_float=decimal.Decimal)
    except ValueError as e:
        p.add(where, f"not JSON: {e}")
        return None
    if not isinstance(rec, dict):
        p.add(where, "not an object")
        return None
    missing = [k for k in KEYS if k not in rec]
    extra = [k for k in rec if k not in KEYS]
    if missing or extra:
        p.add(where, f"missing keys {missing}, unknown keys {extra}")
        return None
    if list(rec) != KEYS:
        p.add(where, "keys not in the documented order")
    for m in TS_TEXT.finditer(line):
        if m.group(2) != "null" and not re.fullmatch(r"\d+\.\d{6}", m.group(2)):
            p.add(where, f"{m.group(1)} must be epoch seconds with 6 decimals, got {m.group(2)}")

    type_errors = []

    def typ(key, ok, desc, nullable=True):
        v = rec[key]
        if v is None:
            if not nullable:
                type_errors.append(key)
                p.add(where, f"{key} must not be null")
            return
        if not ok(v):
            type_errors.append(key)
            p.add(where, f"{key} must be {desc}, got {v!r}")

    typ("kind", lambda v: v in KINDS, f"one of {sorted(KINDS)}", False)
    typ("client", lambda v: isinstance(v, str) and ENDPOINT.match(v), '"ip:port" / "[ip6]:port"', False)
    typ("server", lambda v: isinstance(v, str) and ENDPOINT.match(v), '"ip:port" / "[ip6]:port"', False)
    typ("request_id", lambda v: is_int(v) and INT64[0] <= v <= INT64[1], "a signed 64-bit integer", False)
    typ("serialization", lambda v: isinstance(v, str) and v, "a string", False)
    for k in ("dubbo_version", "service", "version", "group", "method", "exception", "error_message"):
        typ(k, lambda v: isinstance(v, str), "a string")
    typ("parameter_types", lambda v: isinstance(v, list) and all(isinstance(x, str) and x for x in v), "strings")
    typ("arguments", lambda v: isinstance(v, list), "an array")
    typ("attachments", lambda v: isinstance(v, dict), "an object")
    typ("response_attachments", lambda v: isinstance(v, dict), "an object")
    typ("status", lambda v: is_int(v) and 0 <= v <= 255, "a status byte")
    typ("status_name", lambda v: isinstance(v, str), "a string")
    typ("result", lambda v: v in RESULTS, f"one of {sorted(RESULTS)}")
    for k in ("request_ts", "response_ts", "request_end_ts", "response_end_ts"):
        typ(k, lambda v: isinstance(v, decimal.Decimal) and v > 0, "a positive number")
    typ("latency_us", is_int, "an integer")
    typ("outcome", lambda v: v in OUTCOMES, f"one of {sorted(OUTCOMES)}", False)
    typ("request_bytes", lambda v: is_int(v) and v >= 0, "a body length")
    typ("response_bytes", lambda v: is_int(v) and v >= 0, "a body length")
    typ("quality", lambda v: isinstance(v, list) and all(q in QUALITY for q in v), f"a list of {QUALITY}", False)
    for k in ("provider_application", "consumer_application", "provider_url"):
        typ(k, lambda v: isinstance(v, str), "a string")
    typ("registry_status", lambda v: v in REGISTRY_STATUSES, f"one of {sorted(REGISTRY_STATUSES)}", False)
    typ("service_inferred", lambda v: isinstance(v, bool), "true or false", False)
    typ("registered_serializations", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "a list of serialization names")
    typ("protocol", lambda v: v in ("dubbo", "triple"), '"dubbo" or "triple"', False)
    typ("request_messages", lambda v: is_int(v) and v >= 0, "a count", False)
    typ("response_messages", lambda v: is_int(v) and v >= 0, "a count", False)
    typ("remote_application", lambda v: isinstance(v, str), "a string")
    typ("timeout_ms", lambda v: is_int(v) and 0 <= v <= 2**31 - 1, "milliseconds")
    typ("timeout_exceeded", lambda v: isinstance(v, bool), "true or false")
    for k in ("arguments", "attachments", "return_value", "response_attachments"):
        check_value(rec[k], f"{where} {k}", p)
    if type_errors:
        return rec

    kind, outcome, status, q = rec["kind"], rec["outcome"], rec["status"], rec["quality"]
    if q != [x for x in QUALITY if x in q]:
        p.add(where, f"quality flags repeated or not in the documented order: {q}")
    if status is not None:
        want = STATUS_NAMES.get(status, f"UNKNOWN_{status}")
        if rec["status_name"] != want:
            p.add(where, f"status_name {rec['status_name']!r} does not match status {status} ({want})")
    elif rec["status_name"] is not None:
        p.add(where, "status_name without status")

    # latency = response_ts - request_ts, whole microseconds
    if rec["request_ts"] is not None and rec["response_ts"] is not None:
        diff = (rec["response_ts"] - rec["request_ts"]) * 1_000_000
        if rec["latency_us"] != int(diff):
            p.add(where, f"latency_us {rec['latency_us']} != response_ts - request_ts = {diff} us")
        if diff < 0:
            p.add(where, "response before request")
    elif rec["latency_us"] is not None:
        p.add(where, "latency_us without both timestamps")
    for start, end in (("request_ts", "request_end_ts"), ("response_ts", "response_end_ts")):
        if rec[end] is not None and rec[start] is None:
            p.add(where, f"{end} without {start}")

    # the consumer's deadline: exceeded only against a timeout; an answered call is judged by its latency
    if rec["timeout_ms"] is None and rec["timeout_exceeded"] is not None:
        p.add(where, "timeout_exceeded without timeout_ms")
    if rec["timeout_ms"] is not None and rec["latency_us"] is not None \
            and rec["timeout_exceeded"] != (rec["latency_us"] > rec["timeout_ms"] * 1000):
        p.add(where, "timeout_exceeded disagrees with latency_us and timeout_ms")
    if rec["timeout_exceeded"] is True and rec["latency_us"] is None and outcome != "no_response":
        p.add(where, "timeout_exceeded true for a call neither answered nor unanswered")

    # the request side
    if kind == "orphan_response":
        for k in ["request_ts", "request_end_ts", "request_bytes", "arguments", "method", "group"] + REQUEST_BODY_KEYS:
            if rec[k] is not None:
                p.add(where, f"orphan_response must have {k} null")
        if rec["response_ts"] is None:
            p.add(where, "orphan_response without response_ts")
    else:
        if rec["request_ts"] is None or rec["request_bytes"] is None:
            p.add(where, "request_ts/request_bytes missing")
    if kind in ("heartbeat", "event"):
        for k in REQUEST_BODY_KEYS + ["method", "group"]:
            if rec[k] is not None:
                p.add(where, f"{kind} must have {k} null")
    if kind == "heartbeat":
        if rec["arguments"] is not None:
            p.add(where, "heartbeat must have arguments null")
        if rec["result"] is not None or rec["return_value"] is not None:
            p.add(where, "heartbeat must have result/return_value null")
        if outcome not in ("ok", "no_response"):
            p.add(where, f"heartbeat outcome {outcome}")
        if outcome == "ok" and status != 20:
            p.add(where, "answered heartbeat must have status 20")
    if kind == "event":
        if outcome != "oneway":
            p.add(where, "event outcome must be oneway")
        if "request_gap" not in q and rec["request_end_ts"] is not None and not (isinstance(rec["arguments"], list)
                                                                    and len(rec["arguments"]) == 1):
            p.add(where, "event arguments must be [event data]")
    if kind in ("call", "oneway"):
        # `truncated` does not say which frame was cut; a cut request has no request_end_ts (README.md)
        body_missing = any(x in q for x in ("request_gap", "request_undecoded", "request_too_large")) or (
            "truncated" in q and rec["request_end_ts"] is None)
        # `partial_body`: the captured head of a cut body gave the fields that were whole in it.
        if body_missing and "partial_body" not in q:
            for k in REQUEST_BODY_KEYS + ["arguments", "method", "group"]:
                if rec[k] is not None:
                    p.add(where, f"request body not decoded but {k} is set")
        elif not body_missing:
            for k in REQUEST_BODY_KEYS + ["arguments", "method"]:
                if rec[k] is None:
                    p.add(where, f"decoded request without {k}")
            if rec["parameter_types"] is not None and rec["arguments"] is not None \
                    and len(rec["parameter_types"]) != len(rec["arguments"]):
                p.add(where, "one argument per parameter type")
            att = rec["attachments"] or {}
            g = att.get("group") if isinstance(att.get("group"), str) else None
            if rec["group"] != g:
                p.add(where, f"group {rec['group']!r} != attachments.group {g!r}")
    if kind == "oneway" and outcome != "oneway":
        p.add(where, "oneway outcome must be oneway")

    # the response side
    no_resp = rec["response_ts"] is None
    if kind in ("oneway", "event") or (no_resp and kind != "orphan_response"):
        for k in ("status", "result", "return_value", "exception", "error_message", "response_attachments",
                  "response_ts", "response_end_ts", "response_bytes"):
            if rec[k] is not None:
                p.add(where, f"no response seen but {k} is set")
    if outcome == "no_response":
        if kind not in ("call", "heartbeat"):
            p.add(where, f"{kind} cannot be no_response")
        if rec["response_end_ts"] is not None or rec["result"] is not None:
            p.add(where, "no_response with a complete response")
        if not no_resp:
            p.add(where, "a response was seen (even a truncated one): the outcome comes from its status")
    if outcome in ("ok", "error", "exception") and (no_resp or status is None):
        p.add(where, f"outcome {outcome} without a response")
    if outcome == "error":
        if status in (None, 20):
            p.add(where, "outcome error needs a status other than 20")
    if status is not None and status != 20 and outcome not in ("error", "no_response"):
        p.add(where, f"status {status} must give outcome error")
    if status is not None and status != 20:
        for k in ("result", "return_value", "exception", "response_attachments"):
            if rec[k] is not None:
                p.add(where, f"status {status} with {k} set")
    if outcome == "exception" and (rec["result"] != "exception" or status != 20):
        p.add(where, "outcome exception needs status 20 and result exception")
    if rec["result"] == "exception":
        if not isinstance(rec["exception"], str) or outcome != "exception":
            p.add(where, "result exception needs the exception text and outcome exception")
    elif rec["exception"] is not None:
        p.add(where, "exception text without result exception")
    if rec["result"] != "value" and rec["return_value"] is not None:
        p.add(where, "return_value without result value")
    if outcome == "ok" and kind in ("call", "orphan_response") and status == 20 \
            and "response_gap" not in q and "truncated" not in q and rec["result"] is None:
        p.add(where, "decoded status-20 response without result")
    if rec["error_message"] is not None and (status is None or status == 20):
        p.add(where, "error_message on a status-20 response")
    return rec


def check_file(path: str, p: Problems) -> list[dict]:
    name = os.path.basename(path)
    records = []
    with open(path, "rb") as fh:
        data = fh.read()
    if data and not data.endswith(b"\n"):
        p.add(name, "last line not terminated")
    for n, raw in enumerate(data.decode("utf-8").splitlines(), 1):
        rec = check_record(raw, f"{name}:{n}", p)
        if rec is not None:
            records.append(rec)
    # Records reported at the end of the capture (no_response) come last, in request order.
    tail_start = len(records)
    while tail_start > 0 and records[tail_start - 1]["outcome"] == "no_response":
        tail_start -= 1
    for i, r in enumerate(records[:tail_start]):
        if r["outcome"] == "no_response" and not any(x in r["quality"] for x in ("evicted",)):
            p.add(f"{name}:{i + 1}", "no_response before records that completed later")
    tail = records[tail_start:]
    if [r["request_ts"] for r in tail] != sorted(r["request_ts"] for r in tail):
        p.add(name, "no_response records not in request order")
    # Records emitted as they complete: a response's last byte (a one-way request's last byte) cannot come
    # after that of a record printed later.
    last, last_line = None, 0
    for i, r in enumerate(records[:tail_start]):
        done = r["response_end_ts"] if r["response_ts"] is not None else r["request_end_ts"]
        if done is None:
            continue
        if last is not None and done < last:
            p.add(f"{name}:{i + 1}", f"completes at {done}, before record {last_line} ({last}) printed earlier")
        last, last_line = done, i + 1
    return records


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--tool", help="path of dubbo-inspect: also compare its output with every expected file")
    args = ap.parse_args(argv)
    p = Problems()
    expected = sorted(f for f in os.listdir(args.dir) if f.endswith(".expected.jsonl"))
    counts = {}
    for f in expected:
        counts[f] = len(check_file(os.path.join(args.dir, f), p))

    manifest_path = os.path.join(args.dir, "manifest.json")
    cases = []
    if os.path.exists(manifest_path):
        cases = json.load(open(manifest_path))["cases"]
        captures = sorted(f for f in os.listdir(args.dir) if f.endswith((".pcap", ".pcapng")))
        named = {i for c in cases for i in c["inputs"]}
        for c in cases:
            for i in c["inputs"]:
                if not os.path.exists(os.path.join(args.dir, i)):
                    p.add("manifest.json", f"{c['name']}: input {i} missing")
            if c["expected"] not in counts:
                p.add("manifest.json", f"{c['name']}: {c['expected']} missing")
            elif counts[c["expected"]] != c["records"]:
                p.add("manifest.json", f"{c['name']}: {c['records']} records announced, {counts[c['expected']]} found")
        for f in captures:
            if f not in named:
                p.add("manifest.json", f"capture {f} is not used by any case")
        for f in expected:
            if f not in {c["expected"] for c in cases}:
                p.add("manifest.json", f"{f} is not named by any case")
    else:
        p.add("manifest.json", "missing")

    tool_failures = 0
    if args.tool:
        for c in cases:
            run = subprocess.run([args.tool, "read", *[os.path.join(args.dir, i) for i in c["inputs"]],
                                  "--format", "jsonl"], capture_output=True)
            want = open(os.path.join(args.dir, c["expected"]), "rb").read()
            if run.stdout == want:
                print(f"  tool  {c['name']}: identical")
                continue
            tool_failures += 1
            got_l, want_l = run.stdout.decode(errors="replace").splitlines(), want.decode().splitlines()
            print(f"  tool  {c['name']}: DIFFERS (exit {run.returncode}, {len(got_l)} records, {len(want_l)} expected)")
            for i in range(max(len(got_l), len(want_l))):
                g = json.loads(got_l[i]) if i < len(got_l) else {}
                w = json.loads(want_l[i]) if i < len(want_l) else {}
                diff = [k for k in KEYS if g.get(k) != w.get(k)]
                if diff:
                    print(f"        record {i + 1}: " + "; ".join(
                        f"{k}: expected {json.dumps(w.get(k))[:80]}, got {json.dumps(g.get(k))[:80]}" for k in diff))
                elif i < len(got_l) and i < len(want_l) and got_l[i] != want_l[i]:
                    print(f"        record {i + 1}: same values, different JSON text")

    for item in p.items:
        print("FAIL " + item)
    total = sum(counts.values())
    print(f"{len(expected)} expected files, {total} records checked: "
          f"{'OK' if not p.items else f'{len(p.items)} problem(s)'}"
          + (f"; tool differs on {tool_failures} case(s)" if args.tool else ""))
    return 1 if p.items or tool_failures else 0


if __name__ == "__main__":
    sys.exit(main())
