#!/usr/bin/env python3
"""Generate the DubboInspector test captures and the records `dubbo-inspect read` must print for them.

Standard library only, Python 3.11.  Deterministic: the same --seed always writes byte-identical files.

    python3 Fixtures/generate.py                 # writes into the directory of this script
    python3 Fixtures/generate.py --out DIR --seed 20880
    python3 Fixtures/generate.py --validate      # also runs tshark/capinfos on every capture

How the expected records are produced (see README.md):

1. Each fixture is a scenario written with the builders below: Dubbo frames (with their own Hessian2
   encoder), TCP connections that cut the byte streams into segments, and link/IP/TCP packet builders.
   The Hessian encoder also returns the JSON rendering each value must have (docs/RECORDS.md).
2. The capture files are written, then read back by `RefInspector`, a small reference model of the
   contract (pcap/pcapng reader, link layers, IPv4/IPv6, TCP reassembly with "first copy wins",
   Dubbo framing with gap/resync rules, an independent Hessian2 *decoder*, correlation, record building).
   Its output is the expected file.
3. Cross-checks: every frame body decoded by the reference model must render exactly like the encoder
   said it would (two independent code paths), the byte-exact test vectors of PROTOCOL.md §8 must come out
   of the encoder, and every fixture states its intent (kind/request_id/outcome/quality of each record, in
   order) which must equal the reference output.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import math
import os
import random
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jsonb  # noqa: E402  (the fastjson2 JSONB writer, beside this file)

T0_NS = 1_700_000_000 * 1_000_000_000  # capture start for every fixture (2023-11-14T22:13:20Z)
DEFAULT_SEED = 20880
MAX_BODY = 8 << 20
PARTIAL_HEAD = 4096  # DubboStreamDecoder.partialHeadLength

# =====================================================================================================
# JSON output, byte-compatible with Sources/InspectorCore/JSONWriter.swift
# =====================================================================================================


class Ts:
    """A capture time in nanoseconds; printed as epoch seconds with 6 decimals (truncated toward zero)."""

    __slots__ = ("ns",)

    def __init__(self, ns: int):
        self.ns = ns

    @property
    def text(self) -> str:
        sec = self.ns // 1_000_000_000
        micros = (self.ns - sec * 1_000_000_000) // 1_000
        return f"{sec}.{micros:06d}"

    def __eq__(self, other):
        return isinstance(other, Ts) and other.ns == self.ns

    def __repr__(self):
        return self.text


def jstr(s: str) -> str:
    out = ['"']
    for ch in s:
        c = ord(ch)
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif c == 0x0A:
            out.append("\\n")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x08:
            out.append("\\b")
        elif c == 0x0C:
            out.append("\\f")
        elif c < 0x20 or 0x7F <= c < 0xA0 or c in (0x2028, 0x2029):
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jnum(v: float) -> str:
    if not math.isfinite(v):
        return "null"
    if v == math.floor(v) and abs(v) < 1e15:
        text = str(int(v))
        if v == 0 and math.copysign(1.0, v) < 0:
            return text
        return text + ".0"
    return repr(v)


def jdump(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Ts):
        return v.text
    if isinstance(v, jsonb.RawNumber):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return jnum(v)
    if isinstance(v, str):
        return jstr(v)
    if isinstance(v, list):
        return "[" + ",".join(jdump(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(jstr(k) + ":" + jdump(x) for k, x in v.items()) + "}"
    raise TypeError(f"cannot render {type(v)}")


RECORD_KEYS = [
    "kind", "client", "server", "request_id", "serialization", "dubbo_version", "service", "version",
    "group", "method", "parameter_types", "arguments", "attachments", "status", "status_name", "result",
    "return_value", "exception", "error_message", "response_attachments", "request_ts", "response_ts",
    "request_end_ts", "response_end_ts", "latency_us", "outcome", "request_bytes", "response_bytes",
    "quality",
    # Registry join (docs/REGISTRY.md): the fixtures are read without a registry.
    "provider_application", "consumer_application", "provider_url", "registry_status", "service_inferred",
    "registered_serializations",
    # Wire protocol and message counts (issue 15): every fixture is dubbo, one message per frame.
    "protocol", "request_messages", "response_messages", "remote_application",
    # The consumer's deadline (docs/RECORDS.md): the `timeout` attachment and whether the call overran it.
    "timeout_ms", "timeout_exceeded",
]

QUALITY_ORDER = [
    "request_gap", "response_gap", "midstream", "truncated", "request_undecoded", "response_undecoded",
    "request_too_large", "response_too_large", "evicted", "partial_body",
]

STATUS_NAMES = {
    20: "OK", 25: "SERIALIZATION_ERROR", 30: "CLIENT_TIMEOUT", 31: "SERVER_TIMEOUT", 35: "CHANNEL_INACTIVE",
    40: "BAD_REQUEST", 50: "BAD_RESPONSE", 60: "SERVICE_NOT_FOUND", 70: "SERVICE_ERROR", 80: "SERVER_ERROR",
    90: "CLIENT_ERROR", 100: "SERVER_THREADPOOL_EXHAUSTED_ERROR",
}

SERIALIZATION_NAMES = {
    1: "dubbo", 2: "hessian2", 3: "java", 4: "compactedjava", 5: "json", 6: "fastjson", 7: "nativejava",
    8: "kryo", 9: "fst", 10: "native-hessian", 11: "avro", 12: "protostuff", 16: "gson", 18: "jackson",
    21: "protobuf-json", 22: "protobuf", 23: "fastjson2", 25: "kryo2", 27: "msgpack", 28: "fury",
    29: "fury-compatible",
}


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, f"UNKNOWN_{status}")


def serialization_name(sid: int) -> str:
    return SERIALIZATION_NAMES.get(sid, f"unknown-{sid}")


PRIMITIVES = {"Z": "boolean", "B": "byte", "C": "char", "S": "short", "I": "int", "J": "long", "F": "float",
              "D": "double", "V": "void"}


def java_type_names(desc: str) -> list[str]:
    """JVM descriptor list -> Java type names: "Ljava/lang/String;I[J" -> [java.lang.String, int, long[]]."""
    out, i = [], 0
    while i < len(desc):
        dims = 0
        while desc[i] == "[":
            dims += 1
            i += 1
        if desc[i] == "L":
            end = desc.index(";", i)
            name = desc[i + 1:end].replace("/", ".")
            i = end + 1
        else:
            name = PRIMITIVES[desc[i]]
            i += 1
        out.append(name + "[]" * dims)
    return out


def date_text(ms: int) -> str:
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += ".%03d" % (ms % 1000)
    return text + "Z"


def utf16_units(s: str) -> list[int]:
    data = s.encode("utf-16-be", "surrogatepass")
    return [(data[i] << 8) | data[i + 1] for i in range(0, len(data), 2)]


def units_to_text(units: list[int]) -> str:
    """Join valid surrogate pairs; a lone surrogate becomes U+FFFD (RECORDS.md)."""
    out, i = [], 0
    while i < len(units):
        u = units[i]
        if 0xD800 <= u <= 0xDBFF and i + 1 < len(units) and 0xDC00 <= units[i + 1] <= 0xDFFF:
            out.append(chr(0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= u <= 0xDFFF else chr(u))
        i += 1
    return "".join(out)


# =====================================================================================================
# Hessian2 value model + encoder (returns the JSON rendering of everything it writes)
# =====================================================================================================


class HLong:
    def __init__(self, v: int):
        self.v = v


class HStr:
    """A string with explicit chunking: chunk=N writes 'R' chunks of N UTF-16 units (dubbo-go uses 4096)."""

    def __init__(self, s: str, chunk: int | None = None):
        self.s, self.chunk = s, chunk


class HBin:
    def __init__(self, data: bytes, chunks: list[int] | None = None):
        self.data, self.chunks = data, chunks or []


class HDate:
    def __init__(self, ms: int):
        self.ms = ms


class HList:
    def __init__(self, items, type: str | None = None, variable: bool = False):
        self.items, self.type, self.variable = list(items), type, variable


class HMap:
    def __init__(self, pairs, type: str | None = None):
        self.pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
        self.type = type


class HObj:
    def __init__(self, cls: str, fields=None):
        self.cls = cls
        self.fields = list(fields or [])


class HRef:
    def __init__(self, target):
        self.target = target


class HRaw:
    """Pre-encoded bytes plus the rendering they must have (for non-canonical encodings)."""

    def __init__(self, data: bytes, rendered):
        self.data, self.rendered = data, rendered


class HessianWriter:
    """One writer per Dubbo body: class definitions, types and references are shared by all its parts."""

    def __init__(self):
        self.out = bytearray()
        self.classes: dict = {}
        self.types: dict = {}
        self.refs: dict = {}       # id(container) -> ref index
        self.rendered: dict = {}   # id(container) -> finished rendering
        self.in_progress: set = set()
        self.nrefs = 0

    # --- primitives -------------------------------------------------------------------------------
    def int_(self, v: int):
        b = self.out
        if -16 <= v <= 47:
            b.append(0x90 + v)
        elif -2048 <= v <= 2047:
            b += bytes([0xC8 + (v >> 8), v & 0xFF])
        elif -262144 <= v <= 262143:
            b += bytes([0xD4 + (v >> 16), (v >> 8) & 0xFF, v & 0xFF])
        else:
            assert -(1 << 31) <= v < (1 << 31), v
            b += b"I" + struct.pack(">i", v)

    def long_(self, v: int):
        b = self.out
        if -8 <= v <= 15:
            b.append(0xE0 + v)
        elif -2048 <= v <= 2047:
            b += bytes([0xF8 + (v >> 8), v & 0xFF])
        elif -262144 <= v <= 262143:
            b += bytes([0x3C + (v >> 16), (v >> 8) & 0xFF, v & 0xFF])
        elif -(1 << 31) <= v < (1 << 31):
            b += b"\x59" + struct.pack(">i", v)
        else:
            b += b"L" + struct.pack(">q", v)

    def double_(self, v: float):
        # Hessian2Output.writeDouble: int shortcuts, then "mills", then 8 bytes.
        b = self.out
        if math.isfinite(v):
            iv = max(-(1 << 31), min((1 << 31) - 1, int(v)))
            if iv == v:
                if iv == 0:
                    b.append(0x5B)
                    return
                if iv == 1:
                    b.append(0x5C)
                    return
                if -0x80 <= iv < 0x80:
                    b += bytes([0x5D, iv & 0xFF])
                    return
                if -0x8000 <= iv < 0x8000:
                    b += b"\x5e" + struct.pack(">h", iv)
                    return
            mills = max(-(1 << 31), min((1 << 31) - 1, int(v * 1000)))
            if 0.001 * mills == v:
                b += b"\x5f" + struct.pack(">i", mills)
                return
        b += b"D" + struct.pack(">d", v)

    def _units(self, units: list[int]):
        for u in units:
            if u < 0x80:
                self.out.append(u)
            elif u < 0x800:
                self.out += bytes([0xC0 | (u >> 6), 0x80 | (u & 0x3F)])
            else:
                self.out += bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])

    def string_(self, s: str, chunk: int | None = None) -> str:
        units = utf16_units(s)
        rest = units
        if chunk is None:  # Java: 'R' chunks of 0x8000, never ending in a high surrogate
            while len(rest) > 0x8000:
                n = 0x8000
                if 0xD800 <= rest[n - 1] <= 0xDBFF:
                    n -= 1
                self.out += b"R" + struct.pack(">H", n)
                self._units(rest[:n])
                rest = rest[n:]
        else:  # fixed chunk size, a surrogate pair may straddle two chunks
            while len(rest) > chunk:
                self.out += b"R" + struct.pack(">H", chunk)
                self._units(rest[:chunk])
                rest = rest[chunk:]
        n = len(rest)
        if n <= 31:
            self.out.append(n)
        elif n <= 1023:
            self.out += bytes([0x30 + (n >> 8), n & 0xFF])
        else:
            self.out += b"S" + struct.pack(">H", n)
        self._units(rest)
        return units_to_text(units)

    def binary_(self, data: bytes, chunks: list[int]) -> dict:
        rest = data
        for n in chunks:
            self.out += b"A" + struct.pack(">H", n) + rest[:n]
            rest = rest[n:]
        n = len(rest)
        if n <= 15:
            self.out.append(0x20 + n)
        elif n <= 1023:
            self.out += bytes([0x34 + (n >> 8), n & 0xFF])
        else:
            self.out += b"B" + struct.pack(">H", n)
        self.out += rest
        return {"$binary": base64.b64encode(data).decode()}

    def type_(self, t: str):
        if t in self.types:
            self.int_(self.types[t])
        else:
            self.types[t] = len(self.types)
            self.string_(t)

    def _begin_ref(self, v):
        idx = self.nrefs
        self.nrefs += 1
        self.refs[id(v)] = idx
        self.in_progress.add(id(v))
        return idx

    def _end_ref(self, v, rendered):
        self.in_progress.discard(id(v))
        self.rendered[id(v)] = rendered
        return rendered

    # --- any value --------------------------------------------------------------------------------
    def value(self, v):
        b = self.out
        if v is None:
            b.append(0x4E)
            return None
        if v is True or v is False:
            b.append(0x54 if v else 0x46)
            return v
        if isinstance(v, int):
            self.int_(v)
            return v
        if isinstance(v, HLong):
            self.long_(v.v)
            return v.v
        if isinstance(v, float):
            self.double_(v)
            return v if math.isfinite(v) else None
        if isinstance(v, str):
            return self.string_(v)
        if isinstance(v, HStr):
            return self.string_(v.s, v.chunk)
        if isinstance(v, (bytes, bytearray)):
            return self.binary_(bytes(v), [])
        if isinstance(v, HBin):
            return self.binary_(v.data, v.chunks)
        if isinstance(v, HDate):
            if v.ms % 60000 == 0:
                b += b"\x4b" + struct.pack(">i", v.ms // 60000)
            else:
                b += b"\x4a" + struct.pack(">q", v.ms)
            return {"$date": date_text(v.ms)}
        if isinstance(v, HRaw):
            b += v.data
            return v.rendered
        if isinstance(v, HRef):
            idx = self.refs[id(v.target)]
            b.append(0x51)
            self.int_(idx)
            if id(v.target) in self.in_progress:
                return {"$ref": idx}
            return self.rendered[id(v.target)]
        if isinstance(v, HList):
            n = len(v.items)
            if v.type is None:
                if v.variable:
                    b.append(0x57)
                elif n <= 7:
                    b.append(0x78 + n)
                else:
                    b.append(0x58)
                    self.int_(n)
            else:
                if v.variable:
                    b.append(0x55)
                    self.type_(v.type)
                elif n <= 7:
                    b.append(0x70 + n)
                    self.type_(v.type)
                else:
                    b.append(0x56)
                    self.type_(v.type)
                    self.int_(n)
            self._begin_ref(v)
            rendered = [self.value(x) for x in v.items]
            if v.variable:
                b.append(0x5A)
            return self._end_ref(v, rendered)
        if isinstance(v, HMap):
            if v.type is None:
                b.append(0x48)
            else:
                b.append(0x4D)
                self.type_(v.type)
            self._begin_ref(v)
            rendered = {}
            for k, x in v.pairs:
                rk = self.value(k)
                rendered[rk if isinstance(rk, str) else jdump(rk)] = self.value(x)
            b.append(0x5A)
            return self._end_ref(v, rendered)
        if isinstance(v, HObj):
            key = (v.cls, tuple(name for name, _ in v.fields))
            if key not in self.classes:
                self.classes[key] = len(self.classes)
                b.append(0x43)
                self.string_(v.cls)
                self.int_(len(v.fields))
                for name, _ in v.fields:
                    self.string_(name)
            idx = self.classes[key]
            if idx < 16:
                b.append(0x60 + idx)
            else:
                b.append(0x4F)
                self.int_(idx)
            self._begin_ref(v)
            rendered = {"$class": v.cls}
            for name, x in v.fields:
                rendered[name] = self.value(x)
            return self._end_ref(v, rendered)
        raise TypeError(f"cannot encode {type(v)}")


# =====================================================================================================
# Independent Hessian2 decoder (reference model; written from PROTOCOL.md §5 tables)
# =====================================================================================================


class HessianError(Exception):
    pass


class HessianReader:
    def __init__(self, data: bytes):
        self.d = bytes(data)
        self.p = 0
        self.refs: list = []   # [rendered container, finished?]
        self.classes: list = []
        self.types: list = []

    def at_end(self) -> bool:
        return self.p >= len(self.d)

    def byte(self) -> int:
        if self.p >= len(self.d):
            raise HessianError("end of body")
        c = self.d[self.p]
        self.p += 1
        return c

    def take(self, n: int) -> bytes:
        if self.p + n > len(self.d):
            raise HessianError("end of body")
        out = self.d[self.p:self.p + n]
        self.p += n
        return out

    def peek(self) -> int:
        if self.p >= len(self.d):
            raise HessianError("end of body")
        return self.d[self.p]

    def read_units(self, n: int) -> list[int]:
        units = []
        for _ in range(n):
            c = self.byte()
            if c < 0x80:
                units.append(c)
            elif 0xC0 <= c < 0xE0:
                units.append(((c & 0x1F) << 6) | (self.byte() & 0x3F))
            elif 0xE0 <= c < 0xF0:
                c1, c2 = self.byte(), self.byte()
                units.append(((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F))
            else:
                raise HessianError("bad UTF-8 lead byte %02x" % c)
        return units

    def string_after(self, tag: int) -> str:
        units: list[int] = []
        while True:
            if tag <= 0x1F:
                units += self.read_units(tag)
                break
            if 0x30 <= tag <= 0x33:
                units += self.read_units(((tag - 0x30) << 8) | self.byte())
                break
            if tag in (0x52, 0x53):
                n = struct.unpack(">H", self.take(2))[0]
                units += self.read_units(n)
                if tag == 0x53:
                    break
                tag = self.byte()
                if not (tag <= 0x1F or 0x30 <= tag <= 0x33 or tag in (0x52, 0x53)):
                    raise HessianError("bad string chunk")
                continue
            raise HessianError("not a string")
        return units_to_text(units)

    def binary_after(self, tag: int) -> dict:
        data = b""
        while True:
            if 0x20 <= tag <= 0x2F:
                data += self.take(tag - 0x20)
                break
            if 0x34 <= tag <= 0x37:
                data += self.take(((tag - 0x34) << 8) | self.byte())
                break
            if tag in (0x41, 0x42):
                n = struct.unpack(">H", self.take(2))[0]
                data += self.take(n)
                if tag == 0x42:
                    break
                tag = self.byte()
                continue
            raise HessianError("bad binary chunk")
        return {"$binary": base64.b64encode(data).decode()}

    def read_int(self) -> int:
        v = self.read()
        if not isinstance(v, int) or isinstance(v, bool):
            raise HessianError("expected an int")
        return v

    def read_string_or_null(self):
        tag = self.byte()
        if tag == 0x4E:
            return None
        return self.string_after(tag)

    def read_type(self) -> str:
        tag = self.peek()
        if tag <= 0x1F or 0x30 <= tag <= 0x33 or tag in (0x52, 0x53):
            t = self.string_after(self.byte())
            self.types.append(t)
            return t
        idx = self.read_int()
        return self.types[idx]

    def _ref(self, container) -> int:
        self.refs.append([container, False])
        return len(self.refs) - 1

    def _list(self, n, variable: bool):
        out: list = []
        idx = self._ref(out)
        if variable:
            while self.peek() != 0x5A:
                out.append(self.read())
            self.byte()
        else:
            for _ in range(n):
                out.append(self.read())
        self.refs[idx][1] = True
        return out

    def _map(self):
        out: dict = {}
        idx = self._ref(out)
        while self.peek() != 0x5A:
            k = self.read()
            out[k if isinstance(k, str) else jdump(k)] = self.read()
        self.byte()
        self.refs[idx][1] = True
        return out

    def _object(self, cls_idx: int):
        cls, names = self.classes[cls_idx]
        out = {"$class": cls}
        idx = self._ref(out)
        for name in names:
            out[name] = self.read()
        self.refs[idx][1] = True
        return out

    def read(self):
        c = self.byte()
        if c <= 0x1F or 0x30 <= c <= 0x33 or c in (0x52, 0x53):
            return self.string_after(c)
        if 0x20 <= c <= 0x2F or 0x34 <= c <= 0x37 or c in (0x41, 0x42):
            return self.binary_after(c)
        if 0x80 <= c <= 0xBF:
            return c - 0x90
        if 0xC0 <= c <= 0xCF:
            return ((c - 0xC8) << 8) + self.byte()
        if 0xD0 <= c <= 0xD7:
            return ((c - 0xD4) << 16) + (self.byte() << 8) + self.byte()
        if c == 0x49:
            return struct.unpack(">i", self.take(4))[0]
        if 0xD8 <= c <= 0xEF:
            return c - 0xE0
        if 0xF0 <= c <= 0xFF:
            return ((c - 0xF8) << 8) + self.byte()
        if 0x38 <= c <= 0x3F:
            return ((c - 0x3C) << 16) + (self.byte() << 8) + self.byte()
        if c == 0x59:
            return struct.unpack(">i", self.take(4))[0]
        if c == 0x4C:
            return struct.unpack(">q", self.take(8))[0]
        if c == 0x5B:
            return 0.0
        if c == 0x5C:
            return 1.0
        if c == 0x5D:
            return float(struct.unpack(">b", self.take(1))[0])
        if c == 0x5E:
            return float(struct.unpack(">h", self.take(2))[0])
        if c == 0x5F:
            return struct.unpack(">i", self.take(4))[0] / 1000.0
        if c == 0x44:
            v = struct.unpack(">d", self.take(8))[0]
            return v if math.isfinite(v) else None
        if c == 0x4E:
            return None
        if c == 0x54:
            return True
        if c == 0x46:
            return False
        if c == 0x4A:
            return {"$date": date_text(struct.unpack(">q", self.take(8))[0])}
        if c == 0x4B:
            return {"$date": date_text(struct.unpack(">i", self.take(4))[0] * 60000)}
        if 0x78 <= c <= 0x7F:
            return self._list(c - 0x78, False)
        if c == 0x58:
            return self._list(self.read_int(), False)
        if c == 0x57:
            return self._list(0, True)
        if 0x70 <= c <= 0x77:
            self.read_type()
            return self._list(c - 0x70, False)
        if c == 0x56:
            self.read_type()
            return self._list(self.read_int(), False)
        if c == 0x55:
            self.read_type()
            return self._list(0, True)
        if c == 0x48:
            return self._map()
        if c == 0x4D:
            self.read_type()
            return self._map()
        if c == 0x43:
            cls = self.string_after(self.byte())
            n = self.read_int()
            names = [self.string_after(self.byte()) for _ in range(n)]
            self.classes.append((cls, names))
            return self.read()
        if 0x60 <= c <= 0x6F:
            return self._object(c - 0x60)
        if c == 0x4F:
            return self._object(self.read_int())
        if c == 0x51:
            idx = self.read_int()
            container, finished = self.refs[idx]
            return container if finished else {"$ref": idx}
        raise HessianError("unknown tag %02x" % c)


# =====================================================================================================
# Dubbo frames
# =====================================================================================================

# Every body built here, with the decode the reference model must find for it (cross-check).
BODY_INTENT: dict[bytes, dict] = {}
CROSS_CHECKED = [0]   # bodies whose decode was compared with the encoder's rendering


def dubbo_frame(flags: int, status: int, rid: int, body: bytes) -> bytes:
    return b"\xda\xbb" + bytes([flags, status]) + struct.pack(">qi", rid, len(body)) + body


def request(rid, service, version, method, desc, args, attachments, *, dubbo="2.0.2", twoway=True) -> bytes:
    w = HessianWriter()
    intent = {
        "dubbo_version": w.value(dubbo),
        "service": w.value(service),
        "version": w.value(version),
        "method": w.value(method),
    }
    w.value(desc)
    intent["parameter_types"] = java_type_names(desc)
    assert len(intent["parameter_types"]) == len(args)
    intent["arguments"] = [w.value(a) for a in args]
    att = attachments if isinstance(attachments, HMap) else HMap(attachments)
    intent["attachments"] = w.value(att)
    if intent["version"] is None:
        intent["version"] = ""
    g = intent["attachments"].get("group")
    intent["group"] = g if isinstance(g, str) else None
    body = bytes(w.out)
    BODY_INTENT[body] = {"what": "request", **intent}
    return dubbo_frame(0xC2 if twoway else 0x82, 0, rid, body)


def response(rid, flag, value=None, attachments=None) -> bytes:
    """Status 20 result.  flag 0/3: value is the exception object; 1/4: the value; 2/5: no value."""
    w = HessianWriter()
    w.value(flag)
    intent = {"what": "response", "flag": flag, "value": None, "attachments": None}
    if flag in (0, 1, 3, 4):
        intent["value"] = w.value(value)
    if flag in (3, 4, 5):
        att = attachments if isinstance(attachments, HMap) else HMap(attachments)
        intent["attachments"] = w.value(att)
    body = bytes(w.out)
    BODY_INTENT[body] = intent
    return dubbo_frame(0x02, 20, rid, body)


def error_response(rid, status, message) -> bytes:
    w = HessianWriter()
    intent = {"what": "error", "message": w.value(message)}
    body = bytes(w.out)
    BODY_INTENT[body] = intent
    return dubbo_frame(0x02, status, rid, body)


# -- fastjson2 (serialization 23): every part a 4-byte length and an independent JSONB document (PROTOCOL §3.6) --

FJ2 = 23
FJ2_NULL = b"\x00\x00\x00\x01\xaf"
# body -> what the encoder wrote: the fields' renderings and, per part, its end offset (to model cut-off heads)
FJ2_INTENT: dict[bytes, dict] = {}
NULL_BODY = {2: b"N", FJ2: FJ2_NULL}


def fj2_request(rid, service, version, method, desc, args, attachments: dict, *, dubbo="2.0.2", twoway=True) -> bytes:
    names = java_type_names(desc)
    assert len(names) == len(args)
    body, ps = jsonb.parts([dubbo, service, version, method, desc] + list(args) + [attachments])
    intent = {"what": "request", "ends": [e for e, _ in ps], "dubbo_version": ps[0][1], "service": ps[1][1],
              "version": ps[2][1] if ps[2][1] is not None else "", "method": ps[3][1], "parameter_types": names,
              "arguments": [r for _, r in ps[5:5 + len(args)]], "attachments": ps[-1][1]}
    g = attachments.get("group")
    intent["group"] = g if isinstance(g, str) else None
    FJ2_INTENT[body] = intent
    return dubbo_frame(0xC0 | FJ2 if twoway else 0x80 | FJ2, 0, rid, body)


def fj2_response(rid, flag, value=None, attachments=None) -> bytes:
    values = [jsonb.JByte(flag)] + ([value] if flag in (0, 1, 3, 4) else []) + ([attachments] if flag in (3, 4, 5) else [])
    body, ps = jsonb.parts(values)
    intent = {"what": "response", "ends": [e for e, _ in ps], "flag": flag, "value": None, "attachments": None}
    if flag in (0, 1, 3, 4):
        intent["value"] = ps[1][1]
    if flag in (3, 4, 5):
        intent["attachments"] = ps[-1][1]
    FJ2_INTENT[body] = intent
    return dubbo_frame(FJ2, 20, rid, body)


def fj2_error_response(rid, status, message) -> bytes:
    body, ps = jsonb.parts([message])
    FJ2_INTENT[body] = {"what": "error", "ends": [ps[0][0]], "message": ps[0][1]}
    return dubbo_frame(FJ2, status, rid, body)


def fj2_event(rid, data) -> bytes:
    body, ps = jsonb.parts([data])
    FJ2_INTENT[body] = {"what": "event", "ends": [ps[0][0]], "data": ps[0][1]}
    return dubbo_frame(0xA0 | FJ2, 0, rid, body)


def fj2_exception(cls: str, message: str):
    """A Throwable as fastjson2 writes it (FieldBased): its `cause` is itself, a reference to the root."""
    exc = jsonb.JBean(cls)
    trace = jsonb.JTyped("[Ljava.lang.StackTraceElement;", [jsonb.JBean("java.lang.StackTraceElement", [
        ("declaringClass", "com.example.DemoServiceImpl"), ("methodName", "fail"), ("fileName", "DemoServiceImpl.java"),
        ("lineNumber", 42)], typed=False)])
    exc.fields = [("detailMessage", message), ("cause", exc), ("stackTrace", trace),
                  ("suppressedExceptions", jsonb.JTyped("java.util.Collections$EmptyList", []))]
    return exc


def heartbeat_request(rid) -> bytes:
    return dubbo_frame(0xE2, 0, rid, b"N")


def heartbeat_response(rid) -> bytes:
    return dubbo_frame(0x22, 20, rid, b"N")


def event_request(rid, data: str) -> bytes:
    w = HessianWriter()
    w.value(data)
    return dubbo_frame(0xA2, 0, rid, bytes(w.out))


def exception_object(cls: str, message: str, jdk17: bool = False, frames=(("com.example.DemoServiceImpl", "fail", "DemoServiceImpl.java", 42),)):
    """A Throwable as hessian-lite writes it: `cause` is a back-reference to the exception itself."""
    exc = HObj(cls)
    trace = HList([HObj("java.lang.StackTraceElement", [
        ("declaringClass", dc), ("methodName", m), ("fileName", f), ("lineNumber", ln)]) for dc, m, f, ln in frames],
        type="[java.lang.StackTraceElement")
    if jdk17:
        exc.fields = [("suppressedExceptions", HList([], type="java.util.Collections$EmptyList")),
                      ("stackTrace", trace), ("cause", HRef(exc)), ("detailMessage", message)]
    else:
        exc.fields = [("detailMessage", message), ("cause", HRef(exc)), ("stackTrace", trace)]
    return exc


DEMO = "org.apache.dubbo.demo.DemoService"


def std_attachments(service=DEMO, version="0.0.0", extra=()):
    pairs = [("path", service), ("interface", service), ("version", version)]
    return HMap(pairs + list(extra))


# =====================================================================================================
# Packets: link layers, IPv4/IPv6, TCP
# =====================================================================================================


def checksum16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(addr: str) -> bytes:
    import ipaddress
    return ipaddress.ip_address(addr).packed


TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10}


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload, options=b"", window=502) -> bytes:
    assert len(options) % 4 == 0
    fl = 0
    for ch in flags:
        fl |= TCP_FLAGS[ch]
    doff = (20 + len(options)) // 4
    hdr = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF if "A" in flags else 0,
                      doff << 4, fl, window, 0, 0) + options
    seg = hdr + payload
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        pseudo = s + d + struct.pack(">BBH", 0, 6, len(seg))
    else:
        pseudo = s + d + struct.pack(">IxxxB", len(seg), 6)
    csum = checksum16(pseudo + seg)
    return seg[:16] + struct.pack(">H", csum) + seg[18:]


def ipv4_packet(src, dst, proto, payload, ident, *, df=True, mf=False, frag_offset8=0, ttl=64) -> bytes:
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag_offset8
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, ttl, proto, 0,
                      ip_bytes(src), ip_bytes(dst))
    hdr = hdr[:10] + struct.pack(">H", checksum16(hdr)) + hdr[12:]
    return hdr + payload


def ipv6_packet(src, dst, next_header, payload, *, hop_by_hop=False) -> bytes:
    if hop_by_hop:
        # Hop-by-Hop Options header: next header, length 0 (= 8 bytes), PadN option with 4 zero bytes.
        payload = bytes([next_header, 0, 0x01, 0x04, 0, 0, 0, 0]) + payload
        next_header = 0
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), next_header, 64, ip_bytes(src), ip_bytes(dst)) + payload


class Link:
    """Wraps an IP packet for one link type.  `outgoing` = sent by the capturing host (the client)."""

    def __init__(self, linktype: int, vlans=(), mtu_pad=True):
        self.linktype = linktype
        self.vlans = list(vlans)   # [(tpid, vid), ...] outermost first
        self.pad = mtu_pad

    def wrap(self, ip: bytes, v6: bool, outgoing: bool, src_mac: bytes, dst_mac: bytes) -> bytes:
        ethertype = 0x86DD if v6 else 0x0800
        if self.linktype == 1:
            frame = dst_mac + src_mac
            for tpid, vid in self.vlans:
                frame += struct.pack(">HH", tpid, vid)
            frame += struct.pack(">H", ethertype) + ip
            if self.pad and len(frame) < 60:
                frame += b"\0" * (60 - len(frame))   # Ethernet minimum frame: trailer after the IP packet
            return frame
        if self.linktype == 113:   # Linux cooked v1
            return struct.pack(">HHH", 4 if outgoing else 0, 1, 6) + src_mac + b"\0\0" + struct.pack(">H", ethertype) + ip
        if self.linktype == 276:   # Linux cooked v2
            return struct.pack(">HHIHBB", ethertype, 0, 2, 1, 4 if outgoing else 0, 6) + src_mac + b"\0\0" + ip
        if self.linktype == 0:     # BSD loopback, AF in the capturing host's (little-endian) byte order
            assert not v6
            return struct.pack("<I", 2) + ip
        if self.linktype == 101:   # raw IP
            return ip
        raise ValueError(self.linktype)


class Capture:
    def __init__(self, name: str, linktype: int, fmt: str = "pcap", snaplen: int = 262144):
        self.name, self.linktype, self.fmt, self.snaplen = name, linktype, fmt, snaplen
        self.packets: list[tuple[int, bytes]] = []
        self.notes: list[str] = []
        self.ghosts: list[tuple[int, str]] = []   # (number of packets before it, note): segments NOT captured

    def ghost(self, note: str):
        self.ghosts.append((len(self.packets), note))

    def add(self, t_ns: int, data: bytes, note: str):
        if self.packets:
            assert t_ns >= self.packets[-1][0], "capture times must not go backwards"
        self.packets.append((t_ns, data))
        self.notes.append(note)

    @property
    def filename(self) -> str:
        return self.name + (".pcapng" if self.fmt == "pcapng" else ".pcap")

    def to_bytes(self) -> bytes:
        out = bytearray()
        if self.fmt == "pcap":
            out += struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, self.linktype)
            for t, data in self.packets:
                assert t % 1000 == 0, "classic pcap files carry microseconds"
                cap = data[:self.snaplen]
                out += struct.pack("<IIII", t // 1_000_000_000, (t % 1_000_000_000) // 1000, len(cap), len(data)) + cap
            return bytes(out)
        # pcapng: SHB, one IDB with if_tsresol=9 (nanoseconds), EPBs
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        out += struct.pack("<II", 0x0A0D0D0A, 12 + len(shb_body)) + shb_body + struct.pack("<I", 12 + len(shb_body))
        opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)
        idb_body = struct.pack("<HHI", self.linktype, 0, self.snaplen) + opts
        out += struct.pack("<II", 1, 12 + len(idb_body)) + idb_body + struct.pack("<I", 12 + len(idb_body))
        for t, data in self.packets:
            cap = data[:self.snaplen]
            padded = cap + b"\0" * (-len(cap) % 4)
            body = struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(cap), len(data)) + padded
            out += struct.pack("<II", 6, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
        return bytes(out)


class Fixture:
    """One scenario: one or more capture files sharing a clock and a seeded random generator."""

    def __init__(self, name: str, seed: int, *, linktype=1, fmt="pcap", snaplen=262144, salt=None):
        self.name = name
        self.rng = random.Random(f"{seed}/{salt or name}")
        self.cap = Capture(name, linktype, fmt, snaplen)
        self.captures = [self.cap]
        self.now = T0_NS
        self.intent: list[tuple] = []
        self.cases: list[dict] | None = None   # default: one case per capture file

    def new_capture(self, name: str, **kw):
        cap = Capture(name, kw.get("linktype", self.cap.linktype), kw.get("fmt", self.cap.fmt),
                      kw.get("snaplen", self.cap.snaplen))
        self.captures.append(cap)
        self.cap = cap
        return cap

    def emit(self, data: bytes, note: str):
        self.cap.add(self.now, data, note)
        self.now += self.rng.randint(40, 260) * 1000      # next packet: 40..260 µs later

    def wait(self, ms: float):
        """Think time (server processing, client pauses): ms plus 0..999 µs of seeded jitter."""
        self.now += int(ms * 1000) * 1000 + self.rng.randint(0, 999) * 1000

    def port(self) -> int:
        return self.rng.randint(40000, 60999)

    def isn(self) -> int:
        return self.rng.randint(0, 0xFFFFFFFF)


class Side:
    def __init__(self, ip, port, mac, isn):
        self.ip, self.port, self.mac, self.isn = ip, port, mac, isn
        self.stream = bytearray()      # everything this side will ever send, in order
        self.frames: list = []         # (offset, length, label)
        self.sent = 0                  # next never-sent offset
        self.received: list = []       # intervals of THIS side's stream that the peer endpoint has received
        self.fin_sent = False
        self.fin_offset = None
        self.syn_sent = False

    def frontier(self) -> int:
        """Contiguous bytes received by the peer endpoint (what the peer ACKs)."""
        end = 0
        for s, e in sorted(self.received):
            if s <= end:
                end = max(end, e)
            else:
                break
        return end


class Conn:
    """One TCP connection; `c` = client side, `s` = server side."""

    def __init__(self, fx: Fixture, link: Link, cli: tuple, srv: tuple, *, v6=False, isn_c=None, isn_s=None,
                 ts_option=False, label=""):
        self.fx, self.link, self.v6, self.ts_option = fx, link, v6, ts_option
        self.label = label
        self.d = {
            "c": Side(cli[0], cli[1], bytes.fromhex("020000000001"), fx.isn() if isn_c is None else isn_c),
            "s": Side(srv[0], srv[1], bytes.fromhex("020000000002"), fx.isn() if isn_s is None else isn_s),
        }
        self.ident = {"c": fx.rng.randint(1, 60000), "s": fx.rng.randint(1, 60000)}
        self.tsval = {"c": fx.rng.randint(1, 1 << 30), "s": fx.rng.randint(1, 1 << 30)}

    @staticmethod
    def other(side: str) -> str:
        return "s" if side == "c" else "c"

    def endpoint(self, side: str) -> str:
        d = self.d[side]
        return f"[{d.ip}]:{d.port}" if self.v6 else f"{d.ip}:{d.port}"

    # --- stream content ---------------------------------------------------------------------------
    def queue(self, side: str, frame: bytes, label: str = "") -> tuple[int, int]:
        d = self.d[side]
        off = len(d.stream)
        d.stream += frame
        d.frames.append((off, len(frame), label))
        return off, len(frame)

    def queue_raw(self, side: str, data: bytes, label: str):
        """Non-Dubbo bytes (HTTP, telnet); the label only appears in the packet listing."""
        d = self.d[side]
        d.frames.append((len(d.stream), len(data), label))
        d.stream += data

    def assume_sent(self, side: str, n: int):
        """Bytes sent before the capture started (received by the peer, never captured)."""
        d = self.d[side]
        d.received.append((d.sent, d.sent + n))
        self.fx.cap.ghost(f"{'C->S' if side == 'c' else 'S->C'} bytes {d.sent}..{d.sent + n} sent before the capture "
                          f"started {self._describe(side, d.sent, n)}")
        d.sent += n

    # --- packets ----------------------------------------------------------------------------------
    def _options(self, side: str, syn: bool) -> bytes:
        if syn:
            opts = struct.pack(">BBH", 2, 4, 1460) + b"\x04\x02"          # MSS, SACK permitted
            opts += struct.pack(">BBII", 8, 10, self.tsval[side], 0)     # timestamps
            opts += b"\x01\x03\x03\x07"                                   # NOP, window scale 7
            return opts
        if self.ts_option:
            self.tsval[side] += 1
            return b"\x01\x01" + struct.pack(">BBII", 8, 10, self.tsval[side], self.tsval[self.other(side)])
        return b""

    def _ack_value(self, side: str) -> int:
        peer = self.d[self.other(side)]
        n = peer.frontier()
        if peer.fin_sent and n >= peer.fin_offset:
            n = peer.fin_offset + 1
        return peer.isn + 1 + n

    def packet(self, side: str, seq_off: int, payload: bytes, flags: str, *, capture=True, note="",
               fragment=False, hop_by_hop=False, seq_abs=None):
        me, peer = self.d[side], self.d[self.other(side)]
        seq = me.isn + 1 + seq_off if seq_abs is None else seq_abs
        ack = self._ack_value(side) if "A" in flags else 0
        tcp = tcp_segment(me.ip, peer.ip, me.port, peer.port, seq, ack, flags, payload,
                          self._options(side, "S" in flags))
        direction = f"{'C->S' if side == 'c' else 'S->C'} {self.label}".strip()
        rel = f"seq={seq_off}" if seq_abs is None else "seq=ISN"
        desc = f"{direction} [{flags}] {rel} len={len(payload)} ack={(ack - peer.isn - 1) & 0xFFFFFFFF if 'A' in flags else '-'}"
        if note:
            desc += "  " + note
        if not capture:
            self.fx.cap.ghost(desc)
            return
        self.ident[side] = (self.ident[side] + 1) & 0xFFFF
        if self.v6:
            ip = ipv6_packet(me.ip, peer.ip, 6, tcp, hop_by_hop=hop_by_hop)
            datas = [ip]
        elif fragment:
            # split the IP payload (TCP header + data) after 80 bytes (a multiple of 8)
            datas = [ipv4_packet(me.ip, peer.ip, 6, tcp[:80], self.ident[side], df=False, mf=True),
                     ipv4_packet(me.ip, peer.ip, 6, tcp[80:], self.ident[side], df=False, frag_offset8=10)]
        else:
            datas = [ipv4_packet(me.ip, peer.ip, 6, tcp, self.ident[side])]
        for i, ip in enumerate(datas):
            frame = self.link.wrap(ip, self.v6, side == "c", me.mac, peer.mac)
            extra = f"  [IPv4 fragment {i + 1}/{len(datas)}]" if len(datas) > 1 else ""
            self.fx.emit(frame, desc + extra)

    def handshake(self):
        c, s = self.d["c"], self.d["s"]
        c.syn_sent = True
        self.packet("c", -1, b"", "S", seq_abs=c.isn)
        s.syn_sent = True
        self.packet("s", -1, b"", "SA", seq_abs=s.isn)
        self.packet("c", 0, b"", "A")

    def send(self, side: str, n: int | None = None, *, off: int | None = None, data: bytes | None = None,
             capture=True, note="", fragment=False, hop_by_hop=False, flags="PA"):
        """Send n bytes of `side`'s stream starting at `off` (default: the next unsent byte) as ONE segment.

        data= replaces the bytes on the wire (a retransmission with different content); capture=False
        means the segment reached the peer but not the capture (the peer's ACKs will cover it)."""
        d = self.d[side]
        if off is None:
            off = d.sent
        if n is None:
            n = len(d.stream) - off
        assert n > 0
        payload = bytes(d.stream[off:off + n]) if data is None else data
        assert len(payload) == n
        d.sent = max(d.sent, off + n)
        d.received.append((off, off + n))
        auto = self._describe(side, off, n)
        self.packet(side, off, payload, flags, capture=capture, note=(note + " " + auto).strip(),
                    fragment=fragment, hop_by_hop=hop_by_hop)

    def _describe(self, side, off, n) -> str:
        parts = []
        for foff, flen, label in self.d[side].frames:
            lo, hi = max(off, foff), min(off + n, foff + flen)
            if lo < hi:
                what = label or "frame"
                if lo == foff and hi == foff + flen:
                    parts.append(f"{what}")
                else:
                    parts.append(f"{what}[{lo - foff}:{hi - foff}]")
        return "<" + ", ".join(parts) + ">" if parts else ""

    def ack(self, side: str, note=""):
        d = self.d[side]
        self.packet(side, d.sent, b"", "A", note=note)

    def fin(self, side: str):
        d = self.d[side]
        d.fin_sent, d.fin_offset = True, d.sent
        self.packet(side, d.sent, b"", "FA")

    def close(self):
        self.fin("c")
        self.fin("s")
        d = self.d["c"]
        self.packet("c", d.sent + 1, b"", "A")

    # --- conveniences -----------------------------------------------------------------------------
    def call(self, req: bytes, resp: bytes | None, label: str, think_ms=1.0, client_ack=True):
        self.queue("c", req, f"req {label}")
        self.send("c")
        if resp is None:
            return
        self.fx.wait(think_ms)
        self.queue("s", resp, f"resp {label}")
        self.send("s")
        if client_ack:
            self.ack("c")
        self.fx.wait(0.3)


# =====================================================================================================
# Reference model of the contract: reads the written files back and produces the records
# =====================================================================================================


def read_capture_file(path: str):
    """Yields (time_ns, linktype, captured bytes, original length)."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        _, _, _, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
        scale = 1000 if magic == 0xA1B2C3D4 else 1
        p = 24
        while p < len(data):
            sec, frac, incl, orig = struct.unpack("<IIII", data[p:p + 16])
            yield sec * 1_000_000_000 + frac * scale, linktype, data[p + 16:p + 16 + incl], orig
            p += 16 + incl
        return
    assert magic == 0x0A0D0D0A, "unknown capture format"
    p, ifaces = 0, []
    while p < len(data):
        btype, blen = struct.unpack("<II", data[p:p + 8])
        body = data[p + 8:p + blen - 4]
        if btype == 1:
            linktype = struct.unpack("<H", body[:2])[0]
            tsres, q = 6, 8
            while q + 4 <= len(body):
                code, olen = struct.unpack("<HH", body[q:q + 4])
                if code == 0:
                    break
                if code == 9:
                    tsres = body[q + 4]
                q += 4 + olen + (-olen % 4)
            ifaces.append((linktype, tsres))
        elif btype == 6:
            iface, hi, lo, caplen, orig = struct.unpack("<IIIII", body[:20])
            linktype, tsres = ifaces[iface]
            units = (hi << 32) | lo
            assert not tsres & 0x80
            t_ns = units * 10 ** (9 - tsres) if tsres <= 9 else units // 10 ** (tsres - 9)
            yield t_ns, linktype, body[20:20 + caplen], orig
        p += blen


class Seg:
    """A TCP segment as the decoder sees it."""

    def __init__(self, src, dst, seq, ack, flags, payload_len, payload):
        self.src, self.dst, self.seq, self.ack, self.flags = src, dst, seq, ack, flags
        self.payload_len, self.payload = payload_len, payload   # payload may be shorter (snap length)


def parse_packet(linktype: int, pkt: bytes, stats: dict):
    """Link layer -> IP -> TCP.  Returns a Seg or None (not TCP, fragment, too short)."""
    try:
        if linktype == 1:
            etype, p = struct.unpack(">H", pkt[12:14])[0], 14
            while etype in (0x8100, 0x88A8, 0x9100):
                etype, p = struct.unpack(">H", pkt[p + 2:p + 4])[0], p + 4
        elif linktype == 113:
            etype, p = struct.unpack(">H", pkt[14:16])[0], 16
        elif linktype == 276:
            etype, p = struct.unpack(">H", pkt[0:2])[0], 20
        elif linktype == 0:
            af = struct.unpack("<I", pkt[:4])[0]
            if af > 0xFFFF:
                af = struct.unpack(">I", pkt[:4])[0]
            etype, p = (0x0800 if af == 2 else 0x86DD if af in (10, 24, 28, 30) else 0), 4
        elif linktype == 101:
            etype, p = (0x0800 if pkt[0] >> 4 == 4 else 0x86DD), 0
        else:
            return None
        ip = pkt[p:]
        if etype == 0x0800:
            ihl = (ip[0] & 0x0F) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            frag = struct.unpack(">H", ip[6:8])[0]
            if frag & 0x2000 or frag & 0x1FFF:
                stats["ip_fragments"] = stats.get("ip_fragments", 0) + 1
                return None
            if ip[9] != 6:
                return None
            src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
            tcp_len = total - ihl
            tcp = ip[ihl:total]
            fmt = "{}:{}"
        elif etype == 0x86DD:
            import ipaddress
            plen, nh = struct.unpack(">H", ip[4:6])[0], ip[6]
            src = str(ipaddress.ip_address(ip[8:24]))
            dst = str(ipaddress.ip_address(ip[24:40]))
            q = 40
            while nh in (0, 43, 60):
                nh, q = ip[q], q + (ip[q + 1] + 1) * 8
            if nh == 44:
                stats["ip_fragments"] = stats.get("ip_fragments", 0) + 1
                return None
            if nh != 6:
                return None
            tcp_len = 40 + plen - q
            tcp = ip[q:40 + plen]
            fmt = "[{}]:{}"
        else:
            return None
        sport, dport, seq, ack, off_flags = struct.unpack(">HHIIH", tcp[:14])
        doff = (off_flags >> 12) * 4
        flags = "".join(ch for ch, bit in TCP_FLAGS.items() if off_flags & bit)
        return Seg(fmt.format(src, sport), fmt.format(dst, dport), seq, ack, flags, tcp_len - doff, tcp[doff:])
    except (IndexError, struct.error):
        stats["short_packets"] = stats.get("short_packets", 0) + 1
        return None


GAP = None


class Frame:
    def __init__(self, src, dst, hdr, t_first, midstream):
        self.src, self.dst = src, dst
        self.flags, self.status = hdr[2], hdr[3]
        self.rid, self.blen = struct.unpack(">qi", bytes(hdr[4:16]))
        self.t_first, self.t_last = t_first, None
        self.midstream = midstream
        self.body = bytearray()
        self.gap = False
        self.first_gap = None        # index in body of the first byte lost in a gap
        self.truncated = False

    @property
    def head(self) -> bytes:
        """What the decoder keeps of a body that will not complete: the bytes before the first gap, at most 4 KiB."""
        end = len(self.body) if self.first_gap is None else self.first_gap
        return bytes(self.body[:min(end, PARTIAL_HEAD)])

    @property
    def is_request(self):
        return bool(self.flags & 0x80)

    @property
    def is_event(self):
        return bool(self.flags & 0x20)


class FrameParser:
    """Dubbo framing for one direction of one connection.

    sync: at a frame boundary (next byte should be DA).  A non-DA byte here is telnet/text: skipped by
          scanning, NOT a loss of sync.
    scan: looking for DA BB.  Entered after a loss of sync (no SYN seen, a gap that hides the next frame
          boundary, an impossible body length) -> the first frame found gets `midstream`.
    body: collecting a body whose length is known; a gap inside it only marks the frame (`gap`) and the
          parser stays in sync.
    """

    def __init__(self, src, dst, synced: bool, on_frame):
        self.src, self.dst, self.on_frame = src, dst, on_frame
        self.mode = "sync" if synced else "scan"
        self.lost = not synced
        self.hdr: list = []          # [(byte, time)]
        self.prev = None
        self.frame: Frame | None = None

    def feed(self, b, t, pidx):
        if self.mode == "body":
            f = self.frame
            f.body.append(0 if b is GAP else b)
            if b is GAP:
                if not f.gap:
                    f.first_gap = len(f.body) - 1
                f.gap = True
            f.t_last = t
            if len(f.body) == f.blen:
                self._complete(pidx)
            return
        if self.mode == "scan":
            if b is GAP:
                self.prev, self.lost = None, True
                return
            if self.prev is not None and self.prev[0] == 0xDA and b == 0xBB:
                self.hdr = [self.prev, (b, t)]
                self.prev = None
                self.mode = "sync"
                self.header_midstream = self.lost      # found by a scan that followed a loss of sync
                self.lost = False
                return
            self.prev = (b, t)
            return
        # mode "sync": at a frame boundary or inside a header
        if b is GAP:
            self.hdr, self.mode, self.lost, self.prev = [], "scan", True, None
            return
        if (len(self.hdr) == 0 and b != 0xDA) or (len(self.hdr) == 1 and b != 0xBB):
            # text (telnet) between frames: scan for the magic without flagging a loss of sync
            self.hdr, self.mode, self.prev = [], "scan", None
            self.feed(b, t, pidx)
            return
        if not self.hdr:
            self.header_midstream = False              # reached by following the previous frame's length
        self.hdr.append((b, t))
        if len(self.hdr) < 16:
            return
        raw = [x[0] for x in self.hdr]
        f = Frame(self.src, self.dst, raw, self.hdr[0][1], self.header_midstream)
        self.hdr = []
        if f.blen < 0 or f.blen > MAX_BODY:
            self.mode, self.lost, self.prev = "scan", True, None
            return
        self.frame = f
        self.mode = "body"
        f.t_last = t
        if f.blen == 0:
            self._complete(pidx)

    def _complete(self, pidx):
        f = self.frame
        self.frame, self.mode = None, "sync"
        self.on_frame(f)

    def finish(self):
        """End of capture: a frame whose header was complete but whose body is not -> truncated."""
        if self.mode == "body":
            f = self.frame
            f.truncated = True
            f.t_last = None
            self.frame, self.mode = None, "sync"
            self.on_frame(f)


class Direction:
    """One direction of a TCP connection: first-copy-wins byte store and in-order delivery."""

    def __init__(self, src, dst, on_frame):
        self.src, self.dst = src, dst
        self.base = None                 # absolute sequence number of relative offset 0
        self.synced = False
        self.store: dict[int, tuple] = {}   # rel offset -> (byte or GAP for not-captured, time, packet index)
        self.next = 0                    # next relative offset to deliver
        self.fin = None
        self.on_frame = on_frame
        self.parser: FrameParser | None = None

    def rel(self, seq: int) -> int:
        r = (seq - self.base) & 0xFFFFFFFF
        return r - (1 << 32) if r >= (1 << 31) else r

    def start(self, seq: int, syn: bool):
        self.base = (seq + 1) & 0xFFFFFFFF if syn else seq
        self.synced = syn
        self.parser = FrameParser(self.src, self.dst, syn, self.on_frame)

    def add(self, seg: Seg, t, pidx):
        r = self.rel(seg.seq)
        for i in range(seg.payload_len):
            off = r + i
            if off < self.next or off in self.store:
                continue                              # first copy wins
            b = seg.payload[i] if i < len(seg.payload) else GAP   # beyond the snap length: known missing
            self.store[off] = (b, t, pidx)
        if "F" in seg.flags:
            self.fin = r + seg.payload_len
        self.deliver(pidx)

    def deliver(self, pidx):
        while self.next in self.store:
            b, t, _ = self.store.pop(self.next)
            self.next += 1
            self.parser.feed(b, t, pidx)

    def acked(self, ack_rel: int, pidx):
        """The peer acknowledged up to ack_rel: bytes below it that never reached the capture are lost."""
        if ack_rel <= self.next or self.next in self.store:
            return
        end = ack_rel
        if self.fin is not None:
            end = min(end, self.fin)
        later = [o for o in self.store if o > self.next]
        if later:
            end = min(end, min(later))
        while self.next < end:
            self.next += 1
            self.parser.feed(GAP, None, pidx)
        self.deliver(pidx)

    def flush(self, pidx):
        """End of capture: give up on holes before buffered data, then close the parser."""
        while self.store:
            first = min(self.store)
            while self.next < first:
                self.next += 1
                self.parser.feed(GAP, None, pidx)
            self.deliver(pidx)
        self.parser.finish()


class RefInspector:
    def __init__(self):
        self.conns: dict = {}
        self.conn_order: list = []
        self.pending: dict = {}     # (conn, request src, request dst, id) -> [request frame, sequence, truncated response]
        self.seq = 0
        self.records: list[dict] = []
        self.stats: dict = {}
        self.pidx = 0
        self.last_t = 0             # time of the latest packet read: how long an unanswered request was watched

    # --- packets ----------------------------------------------------------------------------------
    def read(self, paths):
        for path in paths:
            for t, linktype, data, orig in read_capture_file(path):
                self.pidx += 1
                self.last_t = max(self.last_t, t)
                seg = parse_packet(linktype, data, self.stats)
                if seg is not None:
                    self.packet(seg, t)
        self.finish()
        return self.records

    def packet(self, seg: Seg, t: int):
        key = tuple(sorted([seg.src, seg.dst]))
        conn = self.conns.get(key)
        if conn is None:
            conn = {}
            self.conns[key] = conn
            self.conn_order.append(key)
        for a, b in ((seg.src, seg.dst), (seg.dst, seg.src)):
            if (a, b) not in conn:
                conn[(a, b)] = Direction(a, b, lambda f, k=key: self.frame(k, f))
        mine, theirs = conn[(seg.src, seg.dst)], conn[(seg.dst, seg.src)]
        if mine.base is None:
            mine.start(seg.seq, "S" in seg.flags)
        if "S" in seg.flags:
            return
        # the ACK first (it may prove that bytes of the other direction were lost), then the payload
        if "A" in seg.flags and theirs.base is not None:
            theirs.acked(theirs.rel(seg.ack), self.pidx)
        if seg.payload_len or "F" in seg.flags:
            mine.add(seg, t, self.pidx)

    def finish(self):
        for key in self.conn_order:
            for d in self.conns[key].values():
                if d.parser is not None:
                    d.flush(self.pidx + 1)
        rest = sorted(self.pending.values(), key=lambda p: (p[0].t_first, p[1]))
        for req, _, trunc in rest:
            self.records.append(self.record(req, trunc))
        self.pending.clear()

    # --- frames -----------------------------------------------------------------------------------
    def frame(self, conn, f: Frame):
        if f.is_request:
            kind = self.request_kind(f)
            if kind in ("oneway", "event"):
                self.records.append(self.record(f, None))
                return
            self.seq += 1
            self.pending[(conn, f.src, f.dst, f.rid)] = [f, self.seq, None]
            return
        key = (conn, f.dst, f.src, f.rid)
        # A response cut by the end of the input is still a response: its header (status, time) was captured.
        if key in self.pending:
            req = self.pending.pop(key)[0]
            self.records.append(self.record(req, f))
        else:
            self.records.append(self.record(None, f))

    @staticmethod
    def request_kind(f: Frame) -> str:
        if f.is_event:
            if not f.gap and not f.truncated and bytes(f.body) == NULL_BODY.get(f.flags & 0x1F):
                return "heartbeat"
            return "event"
        return "call" if f.flags & 0x40 else "oneway"

    @staticmethod
    def decode_request(f: Frame) -> dict:
        if f.flags & 0x1F == FJ2:
            intent = FJ2_INTENT[bytes(f.body)]
            CROSS_CHECKED[0] += 1
            return intent
        r = HessianReader(f.body)
        out = {"dubbo_version": r.read_string_or_null(), "service": r.read_string_or_null(),
               "version": r.read_string_or_null(), "method": r.read_string_or_null()}
        desc = r.read_string_or_null() or ""
        out["parameter_types"] = java_type_names(desc)
        out["arguments"] = [r.read() for _ in out["parameter_types"]]
        out["attachments"] = r.read()
        if not r.at_end():
            raise HessianError("trailing bytes in request body")
        if out["version"] is None:
            out["version"] = ""
        g = out["attachments"].get("group") if isinstance(out["attachments"], dict) else None
        out["group"] = g if isinstance(g, str) else None
        intent = BODY_INTENT.get(bytes(f.body))
        if intent is not None:
            CROSS_CHECKED[0] += 1
            for k, v in out.items():
                assert jdump(v) == jdump(intent[k]), f"decoder/encoder disagree on {k}: {v!r} vs {intent[k]!r}"
        return out

    @staticmethod
    def decode_response(f: Frame) -> dict:
        if f.flags & 0x1F == FJ2:
            intent = FJ2_INTENT[bytes(f.body)]
            CROSS_CHECKED[0] += 1
            if f.status != 20:
                return {"error_message": intent["message"]}
            return intent
        r = HessianReader(f.body)
        if f.status != 20:
            msg = r.read()
            assert r.at_end()
            intent = BODY_INTENT.get(bytes(f.body))
            if intent is not None:
                CROSS_CHECKED[0] += 1
                assert msg == intent["message"]
            return {"error_message": msg}
        flag = r.read()
        out = {"flag": flag, "value": None, "attachments": None}
        if flag in (0, 1, 3, 4):
            out["value"] = r.read()
        if flag in (3, 4, 5):
            out["attachments"] = r.read()
        if not r.at_end() or flag not in range(6):
            raise HessianError("bad response body")
        intent = BODY_INTENT.get(bytes(f.body))
        if intent is not None:
            CROSS_CHECKED[0] += 1
            assert jdump(out["value"]) == jdump(intent["value"]), (out, intent)
            assert jdump(out["attachments"]) == jdump(intent["attachments"]), (out, intent)
        return out

    @staticmethod
    def fj2_intent_of_head(head: bytes) -> dict:
        """The fastjson2 body this head starts (the parts whole in it are the same for every such body)."""
        for body, intent in FJ2_INTENT.items():
            if body.startswith(head):
                return intent
        raise AssertionError("a fastjson2 head of no known body")

    @classmethod
    def fj2_request_head(cls, head: bytes) -> dict:
        intent = cls.fj2_intent_of_head(head)
        whole = sum(1 for end in intent["ends"] if end <= len(head))
        out = {k: None for k in ("dubbo_version", "service", "version", "method", "parameter_types", "arguments",
                                 "attachments", "group")}
        for i, k in enumerate(("dubbo_version", "service", "version", "method")):
            if i < whole:
                out[k] = intent[k]
        if whole >= 5:
            n = len(intent["parameter_types"])
            out["parameter_types"] = intent["parameter_types"]
            args = intent["arguments"][:max(0, whole - 5)]
            out["arguments"] = args if args or n == 0 else None
            if whole >= 6 + n:
                out["attachments"], out["group"] = intent["attachments"], intent["group"]
        return out

    @classmethod
    def fj2_response_head(cls, head: bytes, status: int) -> dict:
        intent = cls.fj2_intent_of_head(head)
        whole = sum(1 for end in intent["ends"] if end <= len(head))
        out = {"flag": None, "value": None, "attachments": None, "error_message": None, "exception_class": None}
        if status != 20:
            out["error_message"] = intent["message"] if whole >= 1 else None
            return out
        if whole >= 1:
            out["flag"] = intent["flag"]
        if whole >= 2 and out["flag"] in (0, 1, 3, 4):
            out["value"] = intent["value"]
        elif whole == 1 and out["flag"] in (0, 3) and isinstance(intent["value"], dict):
            # The exception's part is cut: its class name (0x92 and a short string) may still be whole in the head.
            name = intent["value"].get("$class", "")
            start = intent["ends"][0] + 4
            if len(name) <= 47 and len(head) >= start + 2 + len(name):
                out["exception_class"] = name
        if whole >= len(intent["ends"]) and out["flag"] in (3, 4, 5):
            out["attachments"] = intent["attachments"]
        return out

    @staticmethod
    def decode_request_head(head: bytes) -> tuple[dict, bool]:
        """Names from the captured head of a cut-off request body: every field whole in it, nothing past the cut.
        Returns the fields and whether a malformed (not merely cut) value was met."""
        r = HessianReader(head)
        out = {k: None for k in ("dubbo_version", "service", "version", "method", "parameter_types", "arguments",
                                 "attachments", "group")}
        args = []
        try:
            out["dubbo_version"] = r.read_string_or_null()
            out["service"] = r.read_string_or_null()
            out["version"] = r.read_string_or_null() or ""
            out["method"] = r.read_string_or_null()
            desc = r.read_string_or_null() or ""
            out["parameter_types"] = java_type_names(desc)
            if not out["parameter_types"]:
                out["arguments"] = []
            for _ in out["parameter_types"]:
                args.append(r.read())
                out["arguments"] = args
            out["attachments"] = r.read()
        except HessianError as e:
            return out, str(e) != "end of body"
        return out, False

    @staticmethod
    def decode_response_head(head: bytes, status: int) -> tuple[dict, bool]:
        """The result flag, and the exception's class when its definition is whole in the head."""
        r = HessianReader(head)
        out = {"flag": None, "value": None, "attachments": None, "error_message": None, "exception_class": None}
        try:
            if status != 20:
                out["error_message"] = r.read()
                return out, False
            out["flag"] = r.read()
            if out["flag"] in (0, 1, 3, 4):
                start = r.p
                try:
                    out["value"] = r.read()
                except HessianError:
                    if out["flag"] in (0, 3) and start < len(head) and head[start] == 0x43:
                        try:
                            out["exception_class"] = HessianReader(head[start + 1:]).read_string_or_null()
                        except HessianError:
                            pass
                    raise
            if out["flag"] in (3, 4, 5):
                out["attachments"] = r.read()
        except HessianError as e:
            return out, str(e) != "end of body"
        return out, False

    def record(self, req: Frame | None, resp: Frame | None) -> dict:
        rec = {k: None for k in RECORD_KEYS}
        quality = set()
        head = req or resp
        rec["request_id"] = head.rid
        rec["serialization"] = serialization_name(head.flags & 0x1F)
        if req is not None:
            kind = self.request_kind(req)
            rec["kind"] = kind
            rec["client"], rec["server"] = req.src, req.dst
            rec["request_ts"] = Ts(req.t_first)
            rec["request_end_ts"] = Ts(req.t_last) if req.t_last is not None and not req.truncated else None
            rec["request_bytes"] = req.blen
            if req.gap:
                quality.add("request_gap")
            if req.midstream:
                quality.add("midstream")
            if req.truncated:
                quality.add("truncated")
            decodable = not req.gap and not req.truncated
            if kind in ("call", "oneway") and decodable:
                d = self.decode_request(req)
                for k in ("dubbo_version", "service", "version", "method", "parameter_types", "arguments",
                          "attachments", "group"):
                    rec[k] = d[k]
            if kind == "event" and decodable:
                if req.flags & 0x1F == FJ2:
                    rec["arguments"] = [FJ2_INTENT[bytes(req.body)]["data"]]
                else:
                    r = HessianReader(req.body)
                    rec["arguments"] = [r.read()]
            if kind in ("call", "oneway") and not decodable and req.head:
                if req.flags & 0x1F == FJ2:
                    d, malformed = self.fj2_request_head(req.head), False
                else:
                    d, malformed = self.decode_request_head(req.head)
                for k in ("dubbo_version", "service", "version", "method", "parameter_types", "arguments",
                          "attachments", "group"):
                    rec[k] = d[k]
                quality.add("partial_body")
                if malformed:
                    quality.add("request_undecoded")
        else:
            rec["kind"] = "orphan_response"
            rec["client"], rec["server"] = resp.dst, resp.src
        if resp is not None:
            rec["status"] = resp.status
            rec["status_name"] = status_name(resp.status)
            rec["response_ts"] = Ts(resp.t_first)
            rec["response_end_ts"] = Ts(resp.t_last) if resp.t_last is not None and not resp.truncated else None
            rec["response_bytes"] = resp.blen
            if req is not None:
                rec["latency_us"] = (resp.t_first - req.t_first) // 1000
            if resp.gap:
                quality.add("response_gap")
            if resp.midstream:
                quality.add("midstream")
            if resp.truncated:
                quality.add("truncated")
            heartbeat = resp.is_event and bytes(resp.body) == NULL_BODY.get(resp.flags & 0x1F)
            cut = resp.gap or resp.truncated
            if cut and not resp.is_event and resp.head:
                if resp.flags & 0x1F == FJ2:
                    d, malformed = self.fj2_response_head(resp.head, resp.status), False
                else:
                    d, malformed = self.decode_response_head(resp.head, resp.status)
                quality.add("partial_body")
                if malformed:
                    quality.add("response_undecoded")
                if resp.status != 20:
                    rec["error_message"] = d["error_message"]
                elif d["flag"] is not None:
                    flag = d["flag"]
                    if flag in (1, 4):
                        rec["result"], rec["return_value"] = "value", d["value"]
                    elif flag in (2, 5):
                        rec["result"] = "null"
                    else:
                        rec["result"] = "exception"
                        exc = d["value"]
                        if isinstance(exc, dict):
                            msg = exc.get("detailMessage")
                            rec["exception"] = f"{exc.get('$class')}: {msg}" if msg is not None else exc.get("$class")
                        else:
                            rec["exception"] = d["exception_class"]
                    if flag in (3, 4, 5):
                        rec["response_attachments"] = d["attachments"]
            if not cut and not heartbeat:
                d = self.decode_response(resp)
                if resp.status != 20:
                    rec["error_message"] = d["error_message"]
                else:
                    flag = d["flag"]
                    if flag in (1, 4):
                        rec["result"], rec["return_value"] = "value", d["value"]
                    elif flag in (2, 5):
                        rec["result"] = "null"
                    else:
                        rec["result"] = "exception"
                        exc = d["value"]
                        msg = exc.get("detailMessage") if isinstance(exc, dict) else None
                        cls = exc.get("$class") if isinstance(exc, dict) else "?"
                        rec["exception"] = f"{cls}: {msg}" if msg is not None else cls
                    if flag in (3, 4, 5):
                        rec["response_attachments"] = d["attachments"]
        # outcome
        if rec["kind"] in ("oneway", "event"):
            rec["outcome"] = "oneway"
        elif resp is None:
            rec["outcome"] = "no_response"
        elif resp.status != 20:
            rec["outcome"] = "error"
        elif rec["result"] == "exception":
            rec["outcome"] = "exception"
        else:
            rec["outcome"] = "ok"
        rec["quality"] = [q for q in QUALITY_ORDER if q in quality]
        rec["registry_status"], rec["service_inferred"] = "no_registry", False
        rec["registered_serializations"] = None
        rec["protocol"] = "dubbo"
        rec["request_messages"] = 0 if req is None else 1
        rec["response_messages"] = 0 if resp is None else 1
        attachments = rec["attachments"] if isinstance(rec["attachments"], dict) else {}
        remote = attachments.get("remote.application")
        rec["remote_application"] = remote if isinstance(remote, str) else None
        rec["timeout_ms"], rec["timeout_exceeded"] = self.timeout_verdict(rec, req)
        return rec

    def timeout_verdict(self, rec: dict, req: Frame | None) -> tuple:
        """`timeout_ms` from the request's `timeout` attachment (decimal string or integer, 0..2^31-1 ms) and
        `timeout_exceeded`: answered later than it (by `latency_us`), or unanswered while the capture ran past it."""
        att = rec["attachments"]
        raw = att.get("timeout") if isinstance(att, dict) else None
        if isinstance(raw, str) and re.fullmatch(r" *[0-9]{1,10} *", raw):
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 2**31 - 1:
            return None, None
        if rec["latency_us"] is not None:
            return raw, rec["latency_us"] > raw * 1000
        if rec["outcome"] == "no_response" and req is not None and (self.last_t - req.t_first) // 1000 > raw * 1000:
            return raw, True
        return raw, None


def render_records(records) -> str:
    lines = []
    for rec in records:
        assert list(rec) == RECORD_KEYS
        lines.append("{" + ",".join(f'"{k}":{jdump(rec[k])}' for k in RECORD_KEYS) + "}")
    return "".join(line + "\n" for line in lines)


# =====================================================================================================
# Self-test: the encoder must reproduce PROTOCOL.md §8 byte for byte
# =====================================================================================================

VECTORS = {
    "V-REQ-1": """da bb c2 00 00 00 00 00 00 00 00 03 00 00 00 b6 05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
        68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65 6d 6f 53 65 72 76 69 63 65 05 30 2e 30 2e 30 08
        73 61 79 48 65 6c 6c 6f 12 4c 6a 61 76 61 2f 6c 61 6e 67 2f 53 74 72 69 6e 67 3b 05 77 6f 72 6c
        64 48 04 70 61 74 68 30 21 6f 72 67 2e 61 70 61 63 68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44
        65 6d 6f 53 65 72 76 69 63 65 09 69 6e 74 65 72 66 61 63 65 30 21 6f 72 67 2e 61 70 61 63 68 65
        2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65 6d 6f 53 65 72 76 69 63 65 07 76 65 72 73 69 6f 6e 05
        30 2e 30 2e 30 5a""",
    "V-REQ-2": """da bb c2 00 00 00 00 00 00 00 00 04 00 00 00 3f 05 32 2e 30 2e 32 13 63 6f 6d 2e 66 6f 6f 2e 55
        73 65 72 53 65 72 76 69 63 65 4e 03 61 64 64 02 49 4a 97 e9 48 04 70 61 74 68 13 63 6f 6d 2e 66
        6f 6f 2e 55 73 65 72 53 65 72 76 69 63 65 5a""",
    "V-REQ-GENERIC": """da bb c2 00 00 00 00 00 00 00 00 05 00 00 00 b2 05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
        68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65 6d 6f 53 65 72 76 69 63 65 05 31 2e 30 2e 30 07
        24 69 6e 76 6f 6b 65 30 38 4c 6a 61 76 61 2f 6c 61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c 6a 61 76
        61 2f 6c 61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c 6a 61 76 61 2f 6c 61 6e 67 2f 4f 62 6a 65 63 74
        3b 08 73 61 79 48 65 6c 6c 6f 71 07 5b 73 74 72 69 6e 67 10 6a 61 76 61 2e 6c 61 6e 67 2e 53 74
        72 69 6e 67 71 07 5b 6f 62 6a 65 63 74 05 77 6f 72 6c 64 48 07 67 65 6e 65 72 69 63 04 74 72 75
        65 5a""",
    "V-RESP-4": """da bb 02 14 00 00 00 00 00 00 00 03 00 00 00 1b 94 0b 48 65 6c 6c 6f 20 77 6f 72 6c 64 48 05 64
        75 62 62 6f 05 32 2e 30 2e 32 5a""",
    "V-RESP-5": "da bb 02 14 00 00 00 00 00 00 00 04 00 00 00 0f 95 48 05 64 75 62 62 6f 05 32 2e 30 2e 32 5a",
    "V-RESP-1": "da bb 02 14 00 00 00 00 00 00 00 06 00 00 00 02 91 91",
    "V-ERR-70": "da bb 02 46 00 00 00 00 00 00 00 07 00 00 00 05 04 62 6f 6f 6d",
    "V-HB-REQ": "da bb e2 00 00 00 00 00 00 00 00 01 00 00 00 01 4e",
    "V-HB-RESP": "da bb 22 14 00 00 00 00 00 00 00 01 00 00 00 01 4e",
    "V-EVENT-R": "da bb a2 00 00 00 00 00 00 00 00 02 00 00 00 02 01 52",
}


def vec(name) -> bytes:
    return bytes.fromhex(" ".join(VECTORS[name].split()))


def generic_request(rid):
    return request(rid, DEMO, "1.0.0", "$invoke", "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;",
                   ["sayHello", HList(["java.lang.String"], type="[string"), HList(["world"], type="[object")],
                   HMap([("generic", "true")]))


def selftest():
    def enc(v) -> str:
        w = HessianWriter()
        w.value(v)
        return w.out.hex(" ")

    prim = [
        (0, "90"), (-16, "80"), (47, "bf"), (48, "c8 30"), (-17, "c7 ef"), (2047, "cf ff"), (-2048, "c0 00"),
        (2048, "d4 08 00"), (-2049, "d3 f7 ff"), (262143, "d7 ff ff"), (-262144, "d0 00 00"),
        (262144, "49 00 04 00 00"), (-262145, "49 ff fb ff ff"),
        (HLong(0), "e0"), (HLong(15), "ef"), (HLong(-8), "d8"), (HLong(16), "f8 10"), (HLong(-9), "f7 f7"),
        (HLong(2048), "3c 08 00"), (HLong(262144), "59 00 04 00 00"),
        (HLong(2 ** 31), "4c 00 00 00 00 80 00 00 00"), (HLong(1600000000000), "4c 00 00 01 74 87 6e 80 00"),
        (0.0, "5b"), (1.0, "5c"), (-1.0, "5d ff"), (127.0, "5d 7f"), (-128.0, "5d 80"), (128.0, "5e 00 80"),
        (-32768.0, "5e 80 00"), (32768.0, "5f 01 f4 00 00"), (1.5, "5f 00 00 05 dc"), (0.1, "5f 00 00 00 64"),
        (12.25, "5f 00 00 2f da"), (-0.001, "5f ff ff ff ff"), (3.14159, "44 40 09 21 f9 f0 1b 86 6e"),
        (1e10, "44 42 02 a0 5f 20 00 00 00"), (float("nan"), "44 7f f8 00 00 00 00 00 00"),
        (HDate(0), "4b 00 00 00 00"), (HDate(1599999960000), "4b 01 96 e6 aa"),
        (HDate(1600000000000), "4a 00 00 01 74 87 6e 80 00"), (HDate(1234), "4a 00 00 00 00 00 00 04 d2"),
        ("é", "01 c3 a9"), ("中文", "02 e4 b8 ad e6 96 87"), ("😀", "02 ed a0 bd ed b8 80"),
        (b"", "20"), (b"\x01\x02\x03", "23 01 02 03"),
        (HList([]), "78"), (HList(["a", 1]), "7a 01 61 91"),
        (HList([1, 2, 3], type="[int"), "73 04 5b 69 6e 74 91 92 93"),
        (HMap([]), "48 5a"), (HMap([(1, 2)]), "48 91 92 5a"),
        (HObj("demo.User", [("age", 20), ("name", "tom")]),
         "43 09 64 65 6d 6f 2e 55 73 65 72 92 03 61 67 65 04 6e 61 6d 65 60 a4 03 74 6f 6d"),
        (HList([HList([1], type="java.util.LinkedList"), HList([2], type="java.util.LinkedList")]),
         "7a 71 14 " + "java.util.LinkedList".encode().hex(" ") + " 91 71 90 92"),
    ]
    for v, want in prim:
        got = enc(v)
        assert got == want, f"encoder: {want} expected, got {got}"
    assert enc("x" * 32) == "30 20 " + " ".join(["78"] * 32)
    assert enc("x" * 1024).startswith("53 04 00 78")
    assert enc("x" * 32773).startswith("52 80 00 78") and enc("x" * 32773).endswith("05 " + " ".join(["78"] * 5))
    u = HObj("demo.User", [("age", 20), ("name", "tom")])
    assert enc(HList([u, HRef(u)])).endswith("60 a4 03 74 6f 6d 51 91")
    classes = [HObj(f"cls.K{i}", [("v", i)]) for i in range(17)]
    assert enc(HList(classes)).endswith("43 07 " + "cls.K16".encode().hex(" ") + " 91 01 76 4f a0 a0")

    assert request(3, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["world"], std_attachments()) == vec("V-REQ-1")
    assert request(4, "com.foo.UserService", None, "add", "IJ", [7, HLong(9)],
                   HMap([("path", "com.foo.UserService")])) == vec("V-REQ-2")
    assert generic_request(5) == vec("V-REQ-GENERIC")
    assert response(3, 4, "Hello world", HMap([("dubbo", "2.0.2")])) == vec("V-RESP-4")
    assert response(4, 5, attachments=HMap([("dubbo", "2.0.2")])) == vec("V-RESP-5")
    assert response(6, 1, 1) == vec("V-RESP-1")
    assert error_response(7, 70, "boom") == vec("V-ERR-70")
    assert heartbeat_request(1) == vec("V-HB-REQ")
    assert heartbeat_response(1) == vec("V-HB-RESP")
    assert event_request(2, "R") == vec("V-EVENT-R")
    assert java_type_names("Ljava/lang/String;I[J") == ["java.lang.String", "int", "long[]"]
    assert java_type_names("[[Lcom/foo/Outer$Inner;ZBCSFD") == ["com.foo.Outer$Inner[][]", "boolean", "byte", "char",
                                                                "short", "float", "double"]
    # the independent decoder agrees with every test vector body
    for name in ("V-REQ-1", "V-REQ-2", "V-REQ-GENERIC", "V-RESP-4", "V-RESP-5", "V-RESP-1", "V-ERR-70"):
        body = vec(name)[16:]
        r = HessianReader(body)
        while not r.at_end():
            r.read()


# =====================================================================================================
# Fixtures
# =====================================================================================================

CLIENT_IP, SERVER_IP = "10.0.0.1", "10.0.0.2"


def expect(fx, kind, rid, outcome, *quality):
    fx.intent.append((kind, rid, outcome, list(quality)))


def fx_basic(seed):
    fx = Fixture("basic", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    dubbo_att = HMap([("dubbo", "2.0.2")])

    # PROTOCOL.md §8.2 V-REQ-1 / V-RESP-4: value with attachments (flag 4)
    c.call(vec("V-REQ-1"), vec("V-RESP-4"), "id=3 sayHello (V-REQ-1/V-RESP-4, flag 4)")
    request(3, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["world"], std_attachments())  # registers intent
    response(3, 4, "Hello world", HMap([("dubbo", "2.0.2")]))
    expect(fx, "call", 3, "ok")
    # V-REQ-2: add(int, long) with a null service version -> version ""; plain value (flag 1)
    c.call(request(4, "com.foo.UserService", None, "add", "IJ", [7, HLong(9)], HMap([("path", "com.foo.UserService")])),
           response(4, 1, 16), "id=4 add(7, 9L) version=null (V-REQ-2), flag 1")
    expect(fx, "call", 4, "ok")
    # V-REQ-GENERIC: $invoke
    c.call(generic_request(5), response(5, 1, "Hello world"), "id=5 $invoke (V-REQ-GENERIC), flag 1")
    expect(fx, "call", 5, "ok")
    # void: flag 2 (no attachments) and flag 5 (attachments)
    c.call(request(6, DEMO, "0.0.0", "ping", "", [], std_attachments()), response(6, 2), "id=6 ping() flag 2")
    expect(fx, "call", 6, "ok")
    c.call(request(7, DEMO, "0.0.0", "reset", "", [], std_attachments()), response(7, 5, attachments=dubbo_att),
           "id=7 reset() flag 5")
    expect(fx, "call", 7, "ok")
    # business exceptions: flag 0 and flag 3 (status 20)
    c.call(request(8, DEMO, "0.0.0", "fail", "Ljava/lang/String;", ["boom"], std_attachments()),
           response(8, 0, exception_object("java.lang.IllegalStateException", "simulated failure in fail()")),
           "id=8 fail() flag 0 exception")
    expect(fx, "call", 8, "exception")
    c.call(request(9, DEMO, "0.0.0", "fail", "Ljava/lang/String;", ["boom again"], std_attachments()),
           response(9, 3, exception_object("java.lang.IllegalStateException", "second failure", jdk17=True),
                    HMap([("dubbo", "2.0.2"), ("trace-id", "abc123")])),
           "id=9 fail() flag 3 exception + attachments")
    expect(fx, "call", 9, "exception")
    # group attachment
    c.call(request(10, DEMO, "1.0.0", "sayHello", "Ljava/lang/String;", ["group member"],
                   std_attachments(version="1.0.0", extra=[("group", "gray"), ("timeout", "3000"),
                                                           ("remote.application", "demo-consumer")])),
           response(10, 4, "Hello group member", dubbo_att), "id=10 sayHello group=gray")
    expect(fx, "call", 10, "ok")
    # every status other than 20 that travels on the wire, plus one unknown status
    errors = [
        (25, "Data length too large: 9437184, max payload: 8388608, channel: /10.0.0.2:20880"),
        (40, "Fail to decode request due to: java.io.IOException: bad descriptor"),
        (50, "Failed to send response: Response [id=13, status=20], cause: encode failed"),
        (60, "Not found exported service: com.example.MissingService:20880"),
        (70, "java.lang.RuntimeException: filter rejected the call"),
        (80, "java.util.concurrent.ExecutionException: dispatcher failed"),
        (90, "Unrecognized serialize type from consumer: 15"),
        (100, "Server side(10.0.0.2,20880) thread pool is exhausted, detail msg:Thread pool is EXHAUSTED!"),
        (77, "a status this decoder does not know"),
    ]
    for i, (status, msg) in enumerate(errors):
        rid = 11 + i
        c.call(request(rid, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", [f"status {status}"], std_attachments()),
               error_response(rid, status, msg), f"id={rid} status {status}")
        expect(fx, "call", rid, "error")
    c.close()
    return fx


def fx_segmentation(seed):
    fx = Fixture("segmentation", seed)
    svc = "com.example.EchoService"
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), ts_option=True)
    c.handshake()
    att = std_attachments(svc, "1.0.0")
    for k in range(1, 16):
        c.queue("c", request(k, svc, "1.0.0", "echo", "I", [k], att), f"req id={k}")
        c.send("c", k, note=f"(header split after byte {k})")
        c.send("c")
        c.ack("s")
        fx.wait(1)
        c.queue("s", response(k, 4, k, HMap([("dubbo", "2.0.2")])), f"resp id={k}")
        c.send("s")
        expect(fx, "call", k, "ok")
    # a response split inside its body
    c.queue("c", request(16, svc, "1.0.0", "text", "I", [300], att), "req id=16")
    c.send("c")
    fx.wait(2)
    c.queue("s", response(16, 1, "lorem ipsum dolor sit amet " * 11), "resp id=16")
    c.send("s", 16 + 100, note="(split inside the body)")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 16, "ok")
    # pipelining: three requests in one segment, answered 19, 17, 18; 17 and 18 share one segment
    for rid in (17, 18, 19):
        c.queue("c", request(rid, svc, "1.0.0", "echo", "I", [rid], att), f"req id={rid}")
    c.send("c", note="(three requests in one segment)")
    fx.wait(1)
    c.queue("s", response(19, 1, 19), "resp id=19")
    c.send("s")
    fx.wait(0.5)
    c.queue("s", response(17, 1, 17), "resp id=17")
    c.queue("s", response(18, 1, 18), "resp id=18")
    c.send("s", note="(two responses in one segment)")
    c.ack("c")
    expect(fx, "call", 19, "ok")
    expect(fx, "call", 17, "ok")
    expect(fx, "call", 18, "ok")
    # a segment that ends 5 bytes into the next frame's header
    off20, n20 = c.queue("c", request(20, svc, "1.0.0", "echo", "I", [20], att), "req id=20")
    c.queue("c", request(21, svc, "1.0.0", "echo", "I", [21], att), "req id=21")
    c.send("c", n20 + 5, note="(req 20 + first 5 bytes of req 21)")
    c.send("c")
    fx.wait(1)
    c.queue("s", response(20, 1, 20), "resp id=20")
    c.queue("s", response(21, 1, 21), "resp id=21")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 20, "ok")
    expect(fx, "call", 21, "ok")
    c.close()
    return fx


def fx_reorder(seed):
    fx = Fixture("reorder", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    att = std_attachments()

    def respond(rid, value):
        fx.wait(1)
        c.queue("s", response(rid, 1, value), f"resp id={rid}")
        c.send("s")
        c.ack("c")
        expect(fx, "call", rid, "ok")

    # 1: three segments arrive 3, 1, 2
    off, n = c.queue("c", request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["reordered " * 8], att), "req id=1")
    a, b = n // 3, 2 * n // 3
    c.send("c", n - b, off=off + b, note="(3rd segment arrives first)")
    c.ack("s", note="(duplicate ACK: the server still waits for req id=1 byte 0)")
    c.send("c", a, off=off, note="(1st segment)")
    c.send("c", b - a, off=off + a, note="(2nd segment)")
    respond(1, "Hello reordered")
    # 2: exact retransmission
    off, n = c.queue("c", request(2, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["retransmitted"], att), "req id=2")
    h = n // 2
    c.send("c", h)
    c.send("c")
    c.send("c", n - h, off=off + h, note="(exact retransmission)")
    respond(2, "Hello retransmitted")
    # 3: partial overlap with identical bytes
    off, n = c.queue("c", request(3, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["overlap"], att), "req id=3")
    c.send("c", 60)
    c.send("c", n - 40, off=off + 40, note="(overlaps the previous segment by 20 identical bytes)")
    respond(3, "Hello overlap")
    # 4: a retransmission of already-delivered bytes with DIFFERENT content -> ignored
    frame = request(4, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["original-value-4"], att)
    off, n = c.queue("c", frame, "req id=4")
    c.send("c")
    p = frame.index(b"original-value-4")
    forged = frame[p - 10:p] + b"tampered-value-4" + frame[p + 16:p + 26]
    c.send("c", len(forged), off=off + p - 10, data=forged,
           note="(retransmission of delivered bytes with DIFFERENT content: 'tampered-value-4')")
    respond(4, "Hello original-value-4")
    # 5: two overlapping out-of-order copies with different bytes, buffered behind a hole
    frame = request(5, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["original-value-5"], att)
    off, n = c.queue("c", frame, "req id=5")
    p = frame.index(b"original-value-5")
    c.send("c", 18, off=off + p - 10, note="(B: bytes p-10..p+8, out of order)")
    forged = b"tampered" + frame[p + 8:p + 20]
    c.send("c", 20, off=off + p, data=forged,
           note="(B': bytes p..p+20, out of order; p..p+8 DIFFERENT: 'tampered')")
    c.ack("s", note="(duplicate ACK)")
    c.send("c", p - 10, off=off, note="(A: bytes 0..p-10 fill the hole)")
    c.send("c", n - p - 20, off=off + p + 20, note="(C: the rest)")
    respond(5, "Hello original-value-5")
    c.close()
    return fx


def fx_gaps(seed):
    fx = Fixture("gaps", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    att = std_attachments()
    sh = lambda rid, arg: request(rid, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", [arg], att)
    c.call(sh(1, "before the gaps"), response(1, 1, "Hello before the gaps"), "id=1")
    expect(fx, "call", 1, "ok")
    # 2: a segment inside the request body never reaches the capture; the server's ACK covers it
    c.queue("c", request(2, DEMO, "0.0.0", "upload", "Ljava/lang/String;", ["chunk " * 40], att), "req id=2")
    c.send("c", 16 + 30)
    c.send("c", 100, capture=False, note="(LOST: not captured, but received by the server)")
    c.send("c")
    c.ack("s", note="(this ACK covers the lost segment -> request_gap)")
    fx.wait(1)
    c.queue("s", response(2, 1, 240), "resp id=2")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 2, "ok", "request_gap", "partial_body")
    c.call(sh(3, "after the request gap"), response(3, 1, "Hello after the request gap"), "id=3")
    expect(fx, "call", 3, "ok")
    # 4 and 5: the segment with the whole header of response 4 is lost
    c.queue("c", sh(4, "four"), "req id=4")
    c.queue("c", sh(5, "five"), "req id=5")
    c.send("c")
    c.ack("s")
    fx.wait(2)
    c.queue("s", response(4, 1, "response four " + "r" * 80), "resp id=4")
    c.queue("s", response(5, 1, "Hello five"), "resp id=5")
    c.send("s", 16 + 40, capture=False, note="(LOST: header + first 40 body bytes of resp 4)")
    c.send("s")
    c.ack("c", note="(this ACK covers the lost segment -> the server direction lost sync)")
    expect(fx, "call", 5, "ok", "midstream")
    c.call(sh(6, "after the response gap"), response(6, 1, "Hello after the response gap"), "id=6")
    expect(fx, "call", 6, "ok")
    c.close()
    expect(fx, "call", 4, "no_response")
    return fx


def fx_midstream(seed):
    fx = Fixture("midstream", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    att = std_attachments()
    sh = lambda rid, arg: request(rid, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", [arg], att)
    # before the capture: req 100 (all but its last 40 bytes) and resp 99 (all but its last 12 bytes)
    r100 = sh(100, "sent before the capture started")
    c.queue("c", r100, "req id=100")
    c.assume_sent("c", len(r100) - 40)
    p99 = response(99, 1, "answer ninety-nine")
    c.queue("s", p99, "resp id=99")
    c.assume_sent("s", len(p99) - 12)
    c.queue("c", sh(101, "first complete request"), "req id=101")
    c.send("c", note="(capture starts here, inside the body of req 100)")
    fx.wait(1)
    c.queue("s", response(100, 1, "Hello sent before the capture started"), "resp id=100")
    c.send("s", note="(first server bytes: tail of resp 99's body)")
    expect(fx, "orphan_response", 100, "ok", "midstream")
    fx.wait(1)
    c.queue("s", response(101, 1, "Hello first complete request"), "resp id=101")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 101, "ok", "midstream")
    c.call(sh(102, "second"), response(102, 1, "Hello second"), "id=102")
    expect(fx, "call", 102, "ok")
    c.close()
    return fx


def fx_seqwrap(seed):
    fx = Fixture("seqwrap", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), isn_c=0xFFFFF000, isn_s=0xFFFFF000)
    c.handshake()
    wrap = (1 << 32) - 0xFFFFF000 - 1    # stream offset whose sequence number is 0
    att = std_attachments()
    ids = [(1 << 63) - 3, (1 << 63) - 2, (1 << 63) - 1, -(1 << 63), -(1 << 63) + 1, -(1 << 63) + 2, -(1 << 63) + 3]
    for i, rid in enumerate(ids):
        c.queue("c", request(rid, DEMO, "0.0.0", "echo", "Ljava/lang/String;", [f"payload {i} " + "w" * 620], att),
                f"req id={rid}")
        c.send("c")
        fx.wait(1)
        off, n = c.queue("s", response(rid, 1, f"echo {i} " + "v" * 640), f"resp id={rid}")
        if off < wrap < off + n:
            c.send("s", wrap - off, note="(ends at sequence number 0xFFFFFFFF)")
            c.send("s", note="(starts at sequence number 0)")
        else:
            c.send("s")
        c.ack("c")
        expect(fx, "call", rid, "ok")
    assert len(c.d["c"].stream) > wrap + 500 and len(c.d["s"].stream) > wrap + 500
    c.close()
    return fx


def fx_vlan(seed):
    fx = Fixture("vlan", seed)
    a = Conn(fx, Link(1, vlans=[(0x8100, 100)]), ("10.1.0.1", fx.port()), ("10.1.0.2", 20880), label="vlan100")
    b = Conn(fx, Link(1, vlans=[(0x88A8, 200), (0x8100, 300)]), ("10.2.0.1", fx.port()), ("10.2.0.2", 20880),
             label="qinq200/300")
    att = std_attachments()
    a.handshake()
    b.handshake()
    a.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["vlan"], att), response(1, 1, "Hello vlan"), "id=1")
    expect(fx, "call", 1, "ok")
    b.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["qinq"], att), response(1, 1, "Hello qinq"), "id=1")
    expect(fx, "call", 1, "ok")
    b.call(request(2, DEMO, "0.0.0", "add", "II", [20, 22], att), response(2, 1, 42), "id=2")
    expect(fx, "call", 2, "ok")
    a.close()
    b.close()
    return fx


def fx_ipv6(seed):
    fx = Fixture("ipv6", seed)
    att = std_attachments()
    c6 = Conn(fx, Link(1), ("2001:db8::1", fx.port()), ("2001:db8::2", 20880), v6=True, label="v6")
    c6.handshake()
    c6.queue("c", request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["ipv6"], att), "req id=1")
    c6.send("c", hop_by_hop=True, note="(IPv6 with a Hop-by-Hop options header)")
    fx.wait(1)
    c6.queue("s", response(1, 4, "Hello ipv6", HMap([("dubbo", "2.0.2")])), "resp id=1")
    c6.send("s")
    c6.ack("c")
    expect(fx, "call", 1, "ok")
    c6.call(request(2, DEMO, "0.0.0", "add", "II", [1, 2], att), response(2, 1, 3), "id=2")
    expect(fx, "call", 2, "ok")
    c6.close()
    # IPv4 flow whose first request travels in two IP fragments (skipped by the decoder)
    c4 = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), label="v4")
    c4.handshake()
    c4.queue("c", request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["fragmented"], att), "req id=1")
    c4.send("c", fragment=True, note="(one TCP segment in two IPv4 fragments)")
    c4.ack("s", note="(the server reassembled and ACKs it)")
    fx.wait(1)
    c4.queue("s", response(1, 1, "Hello fragmented"), "resp id=1")
    c4.send("s")
    c4.ack("c")
    expect(fx, "orphan_response", 1, "ok")
    c4.call(request(2, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["after the fragments"], att),
            response(2, 1, "Hello after the fragments"), "id=2")
    expect(fx, "call", 2, "ok", "midstream")
    c4.call(request(3, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["in sync again"], att),
            response(3, 1, "Hello in sync again"), "id=3")
    expect(fx, "call", 3, "ok")
    c4.close()
    return fx


def short_exchange(fx, link):
    c = Conn(fx, link, (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    c.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["link"], std_attachments()),
           response(1, 4, "Hello link", HMap([("dubbo", "2.0.2")])), "id=1")
    expect(fx, "call", 1, "ok")
    c.call(request(2, DEMO, "0.0.0", "add", "II", [2, 3], std_attachments()), response(2, 1, 5), "id=2")
    expect(fx, "call", 2, "ok")
    c.close()


def fx_linktypes(seed):
    out = []
    for name, lt in (("linktype-sll", 113), ("linktype-sll2", 276), ("linktype-null", 0), ("linktype-raw", 101)):
        fx = Fixture(name, seed, linktype=lt, salt="linktypes")   # same salt: same ports, ISNs and times
        short_exchange(fx, Link(lt))
        out.append(fx)
    return out


def fx_pcapng(seed):
    fx = Fixture("pcapng-ns", seed, fmt="pcapng")
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    att = std_attachments()
    c.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["nanoseconds"], att),
           response(1, 1, "Hello nanoseconds"), "id=1")
    expect(fx, "call", 1, "ok")
    c.queue("c", request(2, DEMO, "0.0.0", "add", "II", [40, 2], att), "req id=2")
    c.send("c")
    fx.wait(1)
    c.queue("s", response(2, 1, 42), "resp id=2")
    fx.now += 789             # the only packet whose time has sub-microsecond digits
    c.send("s", note="(time has sub-microsecond digits: ...789 ns)")
    fx.now -= 789
    c.ack("c")
    expect(fx, "call", 2, "ok")
    c.call(request(3, DEMO, "0.0.0", "ping", "", [], att), response(3, 2), "id=3")
    expect(fx, "call", 3, "ok")
    c.close()
    return fx


def fx_events(seed):
    fx = Fixture("events", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    # client heartbeat, answered
    c.call(heartbeat_request(1), heartbeat_response(1), "heartbeat id=1 (client->server)")
    expect(fx, "heartbeat", 1, "ok")
    # call 2 pending while the SERVER sends heartbeat id 2 (ids of the two ends collide)
    c.queue("c", request(2, DEMO, "0.0.0", "slow", "", [], std_attachments()), "req id=2")
    c.send("c")
    fx.wait(1)
    c.queue("s", heartbeat_request(2), "heartbeat id=2 (server->client)")
    c.send("s")
    c.queue("c", heartbeat_response(2), "heartbeat response id=2 (client->server)")
    c.send("c")
    expect(fx, "heartbeat", 2, "ok")
    fx.wait(3)
    c.queue("s", response(2, 1, "slow done"), "resp id=2")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 2, "ok")
    # one-way request
    c.queue("c", request(3, DEMO, "0.0.0", "notify", "Ljava/lang/String;", ["fire and forget"], std_attachments(),
                         twoway=False), "one-way req id=3")
    c.send("c")
    c.ack("s")
    expect(fx, "oneway", 3, "oneway")
    # read-only event from the provider
    fx.wait(1)
    c.queue("s", event_request(3, "R"), "read-only event 'R' id=3 (server->client)")
    c.send("s")
    c.ack("c")
    expect(fx, "event", 3, "oneway")
    # unanswered heartbeat; the capture ends without FIN
    fx.wait(5)
    c.queue("c", heartbeat_request(4), "heartbeat id=4 (never answered)")
    c.send("c")
    c.ack("s")
    expect(fx, "heartbeat", 4, "no_response")
    return fx


def fx_hessian(seed):
    fx = Fixture("hessian-types", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), ts_option=True)
    c.handshake()
    svc = "com.example.TypesService"
    att = std_attachments(svc, "1.0.0")
    dub = HMap([("dubbo", "2.0.2")])

    def call(rid, method, desc, args, resp):
        req = request(rid, svc, "1.0.0", method, desc, args, att)
        c.queue("c", req, f"req id={rid} {method}")
        while c.d["c"].sent < len(c.d["c"].stream):
            c.send("c", min(1448, len(c.d["c"].stream) - c.d["c"].sent))
        c.ack("s")
        fx.wait(1)
        c.queue("s", resp, f"resp id={rid}")
        while c.d["s"].sent < len(c.d["s"].stream):
            c.send("s", min(1448, len(c.d["s"].stream) - c.d["s"].sent))
        c.ack("c")
        expect(fx, "call", rid, "ok")

    # 1: strings
    pattern = "0123456789abcdefghijklmnopqrstuvwxyzé中 "
    long_text = (pattern * 200)[:4095] + "😀" + (pattern * 200)[:9000 - 4097]
    assert len(utf16_units(long_text)) == 9000 and utf16_units(long_text)[4095] == 0xD83D
    call(1, "strings", "Ljava/lang/String;" * 5,
         ["héllo wörld", "中文", "smile 😀 ok", "test_go_hessian2\ud83d...", HStr(long_text, chunk=4096)],
         response(1, 4, "中文 😀 é", dub))
    # 2: numbers in every compact form
    ints = [0, 1, -1, -16, 47, 48, -17, 2047, -2048, 2048, -2049, 262143, -262144, 262144, -262145,
            2 ** 31 - 1, -2 ** 31]
    longs = [HLong(v) for v in (0, 15, -8, 16, -9, 2047, -2048, 2048, 262143, -262144, 262144, 2 ** 31 - 1,
                                -2 ** 31, 2 ** 31, -2 ** 31 - 1, 2 ** 63 - 1, -2 ** 63, 1600000000000)]
    doubles = [0.0, 1.0, -1.0, 127.0, -128.0, 128.0, 32767.0, -32768.0, 32768.0, 1.5, 0.1, 12.25, -0.001,
               3.14159, 1e10, float("nan"), float("inf")]
    call(2, "numbers", "Ljava/util/List;" * 3, [HList(ints), HList(longs), HList(doubles)],
         response(2, 1, HList([2.5, -0.5, HLong(-42)])))
    # 3: primitives re-typed by the descriptor
    call(3, "primitives", "ZBCSIJFD", [True, 5, "A", 5, 7, HLong(9), 1.5, 3.14159], response(3, 1, False))
    # 4: objects: two class definitions, the second User reuses definition #0; 17 classes -> 'O' form
    call(4, "objects", "Ldemo/User;Ldemo/Address;Ldemo/User;",
         [HObj("demo.User", [("age", 20), ("name", "tom")]),
          HObj("demo.Address", [("city", "Hangzhou"), ("zip", "310000")]),
          HObj("demo.User", [("age", 5), ("name", "amy")])],
         response(4, 1, HList([HObj(f"cls.K{i}", [("v", i)]) for i in range(17)])))
    # 5: references: to a finished list (expanded), to an object still being decoded ($ref), typed list refs
    shared = HList([1, 2, 3])
    node = HObj("demo.Node")
    node.fields = [("name", "loop"), ("next", HRef(node))]
    call(5, "references", "Ljava/util/List;Ljava/util/List;Ldemo/Node;[I",
         [shared, HRef(shared), node, HList([4, 5, 6], type="[int")],
         response(5, 1, HList([HList([1], type="java.util.LinkedList"), HList([2], type="java.util.LinkedList"),
                               HList(["a", "b", "c", "d", "e", "f", "g", "h", "i"], type="[string")])))
    # 6: maps: typed (LinkedHashMap, type reference on the second), untyped with non-string keys
    call(6, "maps", "Ljava/util/Map;Ljava/util/Map;Ljava/util/Map;",
         [HMap([("k", "v"), ("n", 1)], type="java.util.LinkedHashMap"),
          HMap([(1, 2), ("x", None), (True, "t")]),
          HMap([("inner", HMap([("deep", HList([], type="java.util.ArrayList"))]))], type="java.util.LinkedHashMap")],
         response(6, 1, HMap([("variable", HList(["v1", "v2"], variable=True)),
                              ("typedVariable", HList([HLong(1)], type="java.util.LinkedList", variable=True))],
                             type="java.util.TreeMap")))
    # 7: dates (ms form 0x4A and minute form 0x4B) and binaries (compact, 2-byte length, 'A' chunk + final)
    blob = bytes(range(256)) * 5
    call(7, "timesAndBlobs", "Ljava/util/Date;Ljava/util/Date;Ljava/util/Date;[B[B[B",
         [HDate(1600000000123), HDate(1599999960000), HDate(0), b"\x01\x02\x03", blob[:300], HBin(blob[:1200], [1000])],
         response(7, 4, HList([HDate(1700000000000), HObj("java.sql.Timestamp", [("value", HDate(1700000000500))])]), dub))
    return fx


def fx_non_dubbo(seed):
    fx = Fixture("non-dubbo", seed)
    http = Conn(fx, Link(1), (CLIENT_IP, fx.port()), ("10.0.0.3", 8080), label="http")
    http.handshake()
    http.queue_raw("c", b"GET /health HTTP/1.1\r\nHost: 10.0.0.3:8080\r\nUser-Agent: curl/8.0.1\r\nAccept: */*\r\n\r\n",
                    "text: HTTP request")
    http.send("c")
    fx.wait(1)
    http.queue_raw("s", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"UP\"}",
                    "text: HTTP response")
    http.send("s")
    http.ack("c")
    http.close()
    telnet = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), label="telnet")
    telnet.handshake()
    fx.wait(1)
    telnet.queue_raw("c", b"ls\r\n", "text: telnet command 'ls'")
    telnet.send("c")
    fx.wait(1)
    telnet.queue_raw("s", b"PROVIDER:\r\norg.apache.dubbo.demo.DemoService\r\n\r\ndubbo>", "text: telnet reply + prompt")
    telnet.send("s")
    telnet.ack("c")
    telnet.close()
    d = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), label="dubbo")
    d.handshake()
    d.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["world"], std_attachments()),
           response(1, 1, "Hello world"), "id=1")
    expect(fx, "call", 1, "ok")
    d.close()
    return fx


def fx_snaplen(seed):
    fx = Fixture("snaplen", seed, snaplen=96)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    c.queue("c", request(1, DEMO, "0.0.0", "upload", "Ljava/lang/String;", ["big " * 500], std_attachments()),
            "req id=1")
    c.send("c", 1448, note="(cut to 96 bytes by the snap length)")
    c.send("c", note="(cut to 96 bytes by the snap length)")
    c.ack("s")
    fx.wait(1)
    c.queue("s", response(1, 1, "ok"), "resp id=1")
    c.send("s")
    c.ack("c")
    expect(fx, "call", 1, "ok", "request_gap", "partial_body")
    tiny = request(2, "x.Y", None, "ping", "", [], HMap([]))
    assert 14 + 20 + 20 + len(tiny) <= 96
    c.call(tiny, response(2, 2), "id=2 (fits in the snap length)")
    expect(fx, "call", 2, "ok")
    c.call(heartbeat_request(3), heartbeat_response(3), "heartbeat id=3")
    expect(fx, "heartbeat", 3, "ok")
    c.close()
    return fx


def fx_multifile(seed):
    fx = Fixture("multifile", seed)
    fx.cap.name = "multifile-a"
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    c.queue("c", request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["across files"], std_attachments()),
            "req id=1")
    c.send("c")
    c.ack("s")
    fx.wait(2)
    fx.new_capture("multifile-b")
    c.queue("s", response(1, 4, "Hello across files", HMap([("dubbo", "2.0.2")])), "resp id=1")
    c.send("s")
    c.ack("c")
    c.close()
    fx.cases = [
        {"name": "multifile", "inputs": ["multifile-a.pcap", "multifile-b.pcap"],
         "intent": [("call", 1, "ok", [])]},
        {"name": "multifile-a", "inputs": ["multifile-a.pcap"], "intent": [("call", 1, "no_response", [])]},
        {"name": "multifile-b", "inputs": ["multifile-b.pcap"],
         "intent": [("orphan_response", 1, "ok", ["midstream"])]},
    ]
    return fx


def fx_truncated(seed):
    fx = Fixture("truncated-end", seed)
    att = std_attachments()
    c1 = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), label="conn1")
    c1.handshake()
    c1.call(request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["complete"], att),
            response(1, 1, "Hello complete"), "id=1")
    expect(fx, "call", 1, "ok")
    c2 = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880), label="conn2")
    c2.handshake()
    c1.queue("c", request(2, DEMO, "0.0.0", "download", "I", [300], att), "req id=2")
    c1.send("c")
    c1.ack("s")
    c2.queue("c", request(1, DEMO, "0.0.0", "upload", "Ljava/lang/String;", ["cut " * 50], att), "req id=1")
    c2.send("c", 60, note="(the rest of this request is never captured)")
    fx.wait(2)
    c1.queue("s", response(2, 1, "d" * 300), "resp id=2")
    c1.send("s", 16 + 50, note="(the capture ends inside this response)")
    expect(fx, "call", 2, "ok", "truncated", "partial_body")
    expect(fx, "call", 1, "no_response", "truncated", "partial_body")
    return fx


def fx_fastjson2(seed):
    """Dubbo 3.2 traffic in fastjson2 (id 23): every JSONB type byte and Dubbo's writer features."""
    J = jsonb
    fx = Fixture("fastjson2", seed)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    att = {"path": DEMO, "remote.application": "demo-consumer", "interface": DEMO, "version": "0.0.0",
           "timeout": "3000", "group": "g1"}
    c.call(fj2_request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["world"], att),
           fj2_response(1, 4, "Hello world", {"dubbo": "2.0.2"}), "id=1")
    expect(fx, "call", 1, "ok")
    # Every scalar form, as arguments declared Object so each is written with its own type byte.
    scalars = [0, 47, -16, 2047, -262144, 262143, 2**31 - 1, J.JLong(15), J.JLong(-8), J.JLong(2047), J.JLong(-262144),
               J.JLong(2**31 - 1), J.JLong(-2**63), J.JShort(-32768), J.JByte(-1), 0.0, 1.0, 3.0, 3.141592653589793,
               J.JFloat(5.0), J.JFloat(1.1), J.JBigInt(2**64 + 1), J.JBigInt(-5), J.JDecimal(12345, 2),
               J.JDecimal(-1, 3), J.JDecimal(7, 0), J.JDecimal(-(2**70), 5), J.JChar("中"), True, False, None,
               b"\x00\x01binary\xff", J.JDate(1_700_000_000_000), J.JDate(1_700_000_000_123),
               J.JInstant(1_700_000_000, 7), J.JLocalDate(2024, 5, 6), J.JLocalTime(10, 11, 12, 500_000_000),
               J.JLocalDateTime(2024, 5, 6, 10, 11, 12, 123_456_000),
               J.JLocalDateTime(2024, 5, 6, 10, 11, 12, 0, zone="Asia/Shanghai")]
    desc = "Ljava/lang/Object;" * len(scalars)
    c.call(fj2_request(2, DEMO, "0.0.0", "scalars", desc, scalars, att), fj2_response(2, 5, None, {"dubbo": "2.0.2"}),
           "id=2 (every scalar)")
    expect(fx, "call", 2, "ok")
    # Strings in every encoding; long Latin-1 (0x79 with a length int) and 16+ element arrays (0xA4).
    texts = [J.JStr("Hé", "latin1"), J.JStr("x" * 60, "latin1"), J.JStr("Hé 世界 😀", "utf8"),
             J.JStr("Hé 世界 😀", "utf16"), J.JStr("Hé 世界 😀", "utf16le"), J.JStr("Hé 世界 😀", "utf16be"),
             J.JStr("世界€😀", "gb18030"), list(range(20))]
    c.call(fj2_request(3, DEMO, "1.0.0", "texts", "Ljava/lang/String;" * 7 + "[I", texts, att),
           fj2_response(3, 2), "id=3 (string encodings)")
    expect(fx, "call", 3, "ok")
    # Beans with symbols reused, a shared object (a reference to a finished value), a cycle, typed collections.
    home = J.JBean("com.example.Address", [("city", "Hangzhou"), ("zip", 310000)], typed=False)
    user = J.JBean("com.example.User", [("id", J.JLong(5)), ("name", "ann"), ("home", home), ("work", home),
                                        ("tags", J.JTyped("java.util.LinkedList", ["a", "b"])),
                                        ("scores", J.JTyped("java.util.TreeMap", {"m": 1})), ("manager", None)])
    user.fields.append(("self", user))
    friend = J.JBean("com.example.User", [("id", J.JLong(6)), ("name", "bob")])
    c.call(fj2_request(4, "com.example.UserService", "", "save", "Lcom/example/User;Ljava/util/List;",
                       [user, [friend, friend]], att),
           fj2_response(4, 1, {"saved": True, "users": [friend]}), "id=4 (beans, references, a cycle)")
    expect(fx, "call", 4, "ok")
    c.call(fj2_request(5, DEMO, "0.0.0", "fail", "", [], att),
           fj2_response(5, 3, fj2_exception("java.lang.IllegalStateException", "boom"), {"dubbo": "2.0.2"}),
           "id=5 (business exception)")
    expect(fx, "call", 5, "exception")
    c.call(fj2_request(6, DEMO, "0.0.0", "missing", "", [], att),
           fj2_error_response(6, 70, "Not found exported service: demo"), "id=6 (status 70)")
    expect(fx, "call", 6, "error")
    c.call(dubbo_frame(0xE0 | FJ2, 0, 7, FJ2_NULL), dubbo_frame(0x20 | FJ2, 20, 7, FJ2_NULL), "heartbeat id=7")
    expect(fx, "heartbeat", 7, "ok")
    c.queue("c", fj2_request(8, DEMO, "0.0.0", "notify", "Ljava/lang/String;", ["fire"], att, twoway=False),
            "one-way id=8")
    c.send("c")
    c.ack("s")
    expect(fx, "oneway", 8, "oneway")
    c.queue("s", fj2_event(9, "R"), "read-only event id=9 (server->client)")
    c.send("s")
    c.ack("c")
    expect(fx, "event", 9, "oneway")
    c.close()
    return fx


def fx_snaplen_160(seed):
    """`tcpdump -s 160`: every packet cut at 160 bytes, so each body keeps only its first 90 bytes."""
    fx = Fixture("snaplen-160", seed, snaplen=160)
    c = Conn(fx, Link(1), (CLIENT_IP, fx.port()), (SERVER_IP, 20880))
    c.handshake()
    att = std_attachments()
    note = "(cut to 160 bytes by the snap length)"
    calls = [
        # Hessian2: dubbo version, service, version, method and descriptor fit in 90 bytes, the argument not.
        (request(1, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["x" * 200], att),
         response(1, 1, "y" * 200), ("request_gap", "response_gap", "partial_body")),
        # Hessian2 with a short argument that fits whole (the attachments do not).
        (request(2, DEMO, "0.0.0", "add", "II", [1, 2], att), response(2, 1, 3), ("request_gap", "partial_body")),
        # fastjson2: the names fit, the descriptor's part runs past the cut.
        (fj2_request(3, DEMO, "0.0.0", "sayHello", "Ljava/lang/String;", ["x" * 200], dict(att.pairs)),
         fj2_response(3, 1, "y" * 200), ("request_gap", "response_gap", "partial_body")),
        # fastjson2 with a short service: everything up to the first argument fits.
        (fj2_request(4, "a.B", "", "m", "J", [J_LONG_7], {"path": "a.B" * 20}),
         fj2_response(4, 3, fj2_exception("java.lang.RuntimeException", "z" * 100), {"dubbo": "2.0.2"}),
         ("request_gap", "response_gap", "partial_body")),
        # A service name longer than the head: nothing past the dubbo version is guessed.
        (request(5, "com.example." + "very.long." * 8 + "Service", "0.0.0", "m", "", [], att), response(5, 2),
         ("request_gap", "partial_body")),
    ]
    for req, resp, quality in calls:
        c.queue("c", req, "req")
        c.send("c", note=note if len(req) > 106 else "")
        c.ack("s")
        fx.wait(1)
        c.queue("s", resp, "resp")
        c.send("s", note=note if len(resp) > 106 else "")
        c.ack("c")
        rid = struct.unpack(">q", req[4:12])[0]
        outcome = "exception" if resp[:4] == bytes([0xDA, 0xBB, FJ2, 20]) and rid == 4 else "ok"
        expect(fx, "call", rid, outcome, *quality)
    c.close()
    return fx


J_LONG_7 = jsonb.JLong(7)


def all_fixtures(seed):
    out = []
    for f in (fx_basic, fx_segmentation, fx_reorder, fx_gaps, fx_midstream, fx_seqwrap, fx_vlan, fx_ipv6,
              fx_linktypes, fx_pcapng, fx_events, fx_hessian, fx_non_dubbo, fx_snaplen, fx_multifile, fx_truncated,
              fx_fastjson2, fx_snaplen_160):
        r = f(seed)
        out.extend(r if isinstance(r, list) else [r])
    return out


# =====================================================================================================
# Driver
# =====================================================================================================


def write_file(path: str, data: bytes):
    with open(path, "wb") as fh:
        fh.write(data)


def packets_listing(cap: Capture) -> str:
    lines = [f"# {cap.filename}: linktype {cap.linktype}, {cap.fmt}, snaplen {cap.snaplen}, {len(cap.packets)} packets",
             "# seq/ack are relative to the sender's/receiver's ISN+1 (seq=ISN for SYNs); <...> = Dubbo bytes carried"]
    ghosts = list(cap.ghosts)
    for i, ((t, data), note) in enumerate(zip(cap.packets, cap.notes), 1):
        while ghosts and ghosts[0][0] < i:
            lines.append(f"   -  (not in the capture)  {ghosts.pop(0)[1]}")
        sec, rest = divmod(t, 1_000_000_000)
        ts = f"{sec}.{rest:09d}" if cap.fmt == "pcapng" else f"{sec}.{rest // 1000:06d}"
        cut = f" (captured {cap.snaplen} of {len(data)})" if len(data) > cap.snaplen else ""
        lines.append(f"{i:4d}  {ts}  {note}{cut}")
    return "\n".join(lines) + "\n"


def run_tool(args) -> str:
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{p.stderr}")
    return p.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--validate", action="store_true", help="run tshark/capinfos on every written capture")
    args = ap.parse_args(argv)

    selftest()
    fixtures = all_fixtures(args.seed)
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for fx in fixtures:
        for cap in fx.captures:
            write_file(os.path.join(args.out, cap.filename), cap.to_bytes())
            write_file(os.path.join(args.out, cap.name + ".packets.txt"), packets_listing(cap).encode())
        cases = fx.cases or [{"name": fx.name, "inputs": [fx.captures[0].filename], "intent": fx.intent}]
        for case in cases:
            model = RefInspector()
            records = model.read([os.path.join(args.out, p) for p in case["inputs"]])
            got = [(r["kind"], r["request_id"], r["outcome"], r["quality"]) for r in records]
            want = [tuple(x) for x in case["intent"]]
            if got != want:
                raise SystemExit(f"{case['name']}: reference model disagrees with the fixture's intent\n"
                                 f"  got:  {got}\n  want: {want}")
            text = render_records(records)
            write_file(os.path.join(args.out, case["name"] + ".expected.jsonl"), text.encode())
            manifest.append({"name": case["name"], "inputs": case["inputs"],
                             "expected": case["name"] + ".expected.jsonl", "records": len(records),
                             "skipped_ip_fragments": model.stats.get("ip_fragments", 0)})
    write_file(os.path.join(args.out, "manifest.json"),
                     (json.dumps({"seed": args.seed, "cases": manifest}, indent=1) + "\n").encode())

    if args.validate:
        for fx in fixtures:
            for cap in fx.captures:
                path = os.path.join(args.out, cap.filename)
                run_tool(["capinfos", "-c", "-T", path])
                run_tool(["tshark", "-r", path, "-q"])
                conv = run_tool(["tshark", "-r", path, "-q", "-z", "conv,tcp"])
                streams = [l for l in conv.splitlines() if "<->" in l]
                print(f"{cap.filename}: {len(cap.packets)} packets, {len(streams)} TCP conversation(s)")
                for l in streams:
                    print("    " + " ".join(l.split()[:3]))
    print(f"wrote {sum(len(fx.captures) for fx in fixtures)} captures, {len(manifest)} expected files to {args.out}; "
          f"{CROSS_CHECKED[0]} decoded bodies matched the encoder's rendering")


if __name__ == "__main__":
    main()
