"""A fastjson2 JSONB writer for the fixtures, written from the format's specification only (PROTOCOL.md §3.6.1,
alibaba/fastjson2 docs/JSONB/jsonb_format_en.md), never from the decoder under test.

It writes values the way Dubbo's FastJson2ObjectOutput asks fastjson2 to (WriteClassName, FieldBased,
WriteNameAsSymbol, ReferenceDetection, WriteNulls, NotWriteHashMapArrayListClassName): beans and typed collections
carry their type name as a symbol, bean field names are symbols, map keys are plain strings, a value written a second
time in the same document becomes a reference path. Every `value()` call returns the JSON the record must show
(docs/RECORDS.md), so the expected files say what the encoder meant, not what a decoder found.
"""

from __future__ import annotations

import base64
import datetime
import struct


class RawNumber(str):
    """Exact decimal digits (BigInteger/BigDecimal), rendered verbatim as a JSON number."""


# Java types the writer must tell apart (plain Python ints are Java ints, floats are doubles).
class JLong(int): pass
class JShort(int): pass
class JByte(int): pass
class JChar(str): pass


class JFloat:
    def __init__(self, v: float):
        self.v = v


class JBigInt:
    def __init__(self, v: int):
        self.v = v


class JDecimal:
    def __init__(self, unscaled: int, scale: int):
        self.unscaled, self.scale = unscaled, scale


class JDate:
    """java.util.Date: epoch milliseconds."""
    def __init__(self, ms: int):
        self.ms = ms


class JInstant:
    def __init__(self, seconds: int, nanos: int):
        self.seconds, self.nanos = seconds, nanos


class JLocalDate:
    def __init__(self, y, m, d):
        self.y, self.m, self.d = y, m, d


class JLocalTime:
    def __init__(self, h, mi, s, nanos=0):
        self.h, self.mi, self.s, self.nanos = h, mi, s, nanos


class JLocalDateTime:
    def __init__(self, y, m, d, h, mi, s, nanos=0, zone=None):
        self.y, self.m, self.d, self.h, self.mi, self.s, self.nanos, self.zone = y, m, d, h, mi, s, nanos, zone


class JStr:
    """A string written in a chosen encoding: latin1, utf8, utf16 (with a byte-order mark), utf16le, utf16be, gb18030."""
    def __init__(self, s: str, encoding: str):
        self.s, self.encoding = s, encoding


class JBean:
    """A Java object: class name and fields in written order (a field may hold the bean itself: a cycle).
    `typed=False`: a field whose declared type is exactly the object's class, which WriteClassName leaves untyped
    (so it reads, and renders, as a plain object)."""
    def __init__(self, cls: str, fields=None, typed=True):
        self.cls, self.fields, self.typed = cls, list(fields or []), typed


class JTyped:
    """A collection written with its class name (a LinkedList, a TreeMap, an Object[] …)."""
    def __init__(self, cls: str, value):
        self.cls, self.value = cls, value


def float32_text(v: float) -> float:
    """The shortest decimal that reads back as the same float32, as Java prints a float."""
    f = struct.unpack(">f", struct.pack(">f", v))[0]
    for digits in range(1, 10):
        text = f"{f:.{digits}g}"
        if struct.unpack(">f", struct.pack(">f", float(text)))[0] == f:
            return float(text)
    return f


def clock_text(h, mi, s, nanos) -> str:
    text = f"{h:02d}:{mi:02d}:{s:02d}"
    if nanos:
        if nanos % 1_000_000 == 0:
            text += f".{nanos // 1_000_000:03d}"
        elif nanos % 1000 == 0:
            text += f".{nanos // 1000:06d}"
        else:
            text += f".{nanos:09d}"
    return text


def date_ms_text(ms: int) -> str:
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{ms % 1000:03d}" if ms % 1000 else "") + "Z"


def decimal_text(unscaled: int, scale: int) -> str:
    if scale == 0:
        return str(unscaled)
    if scale < 0:
        return f"{unscaled}E+{-scale}"
    digits = str(abs(unscaled)).rjust(scale + 1, "0")
    return ("-" if unscaled < 0 else "") + digits[:-scale] + "." + digits[-scale:]


PATH_ESCAPED = set("/:;`.~!@#%^&*[]<>?()-+=\\\"',")


class JSONBWriter:
    """One JSONB document. `value()` appends a value and returns its rendering."""

    def __init__(self):
        self.out = bytearray()
        self.symbols: dict[str, int] = {}
        self.seen: dict[int, list] = {}     # id(object) -> [path, rendering or None while being written]

    # -- numbers --------------------------------------------------------------------------------------

    def int32(self, v: int):
        if -16 <= v <= 47:
            self.out.append(v & 0xFF)
        elif -2048 <= v <= 2047:
            self.out += bytes([0x38 + (v >> 8), v & 0xFF])
        elif -262144 <= v <= 262143:
            self.out += bytes([0x44 + (v >> 16), (v >> 8) & 0xFF, v & 0xFF])
        else:
            self.out += b"\x48" + struct.pack(">i", v)

    def int64(self, v: int):
        if -8 <= v <= 15:
            self.out.append(0xD8 + v + 8)
        elif -2048 <= v <= 2047:
            self.out += bytes([0xD0 + (v >> 8), v & 0xFF])
        elif -262144 <= v <= 262143:
            self.out += bytes([0xC4 + (v >> 16), (v >> 8) & 0xFF, v & 0xFF])
        elif -(1 << 31) <= v < (1 << 31):
            self.out += b"\xbf" + struct.pack(">i", v)
        else:
            self.out += b"\xbe" + struct.pack(">q", v)

    # -- strings --------------------------------------------------------------------------------------

    def string(self, s: str, encoding: str | None = None):
        if encoding is None:
            encoding = "latin1" if all(ord(c) < 256 for c in s) else "utf8"
        if encoding == "latin1":
            data = s.encode("latin-1")
            if len(data) <= 47:
                self.out.append(0x49 + len(data))
                self.out += data
                return
            code = 0x79
        else:
            code, data = {
                "utf8": (0x7A, s.encode("utf-8")),
                "utf16": (0x7B, b"\xff\xfe" + s.encode("utf-16-le")),
                "utf16le": (0x7C, s.encode("utf-16-le")),
                "utf16be": (0x7D, s.encode("utf-16-be")),
                "gb18030": (0x7E, s.encode("gb18030")),
            }[encoding]
        self.out.append(code)
        self.int32(len(data))
        self.out += data

    def name(self, key: str):
        """A bean field name under WriteNameAsSymbol: defined the first time, then referred to by number."""
        self.out.append(0x7F)
        if key in self.symbols:
            self.int32(self.symbols[key])
            return
        self.string(key)
        self.symbols[key] = len(self.symbols)
        self.int32(self.symbols[key])

    def type_name(self, cls: str):
        self.out.append(0x92)
        if cls in self.symbols:
            self.int32(self.symbols[cls])
            return
        self.string(cls)
        self.symbols[cls] = len(self.symbols)
        self.int32(self.symbols[cls])

    # -- values ---------------------------------------------------------------------------------------

    def value(self, v, path: str = "$", parent=None):
        if isinstance(v, (JBean, JTyped, dict, list)):
            entry = self.seen.get(id(v))
            if entry is not None:
                # ReferenceDetection: the parent itself is "..", anything else its path from the root.
                ref = ".." if v is parent else entry[0]
                self.out.append(0x93)
                self.string(ref)
                return entry[1] if entry[1] is not None else {"$ref": ref}
            self.seen[id(v)] = [path, None]
            rendered = self.container(v, path)
            self.seen[id(v)][1] = rendered
            return rendered
        if v is None:
            self.out.append(0xAF)
            return None
        if v is True or v is False:
            self.out.append(0xB1 if v else 0xB0)
            return v
        if isinstance(v, JLong):
            self.int64(int(v))
            return int(v)
        if isinstance(v, JShort):
            self.out += b"\xbc" + struct.pack(">h", int(v))
            return int(v)
        if isinstance(v, JByte):
            self.out += b"\xbd" + struct.pack(">b", int(v))
            return int(v)
        if isinstance(v, int):
            self.int32(v)
            return v
        if isinstance(v, float):
            if v == 0 and str(v)[0] != "-":
                self.out.append(0xB2)
            elif v == 1:
                self.out.append(0xB3)
            elif v == int(v) and abs(v) < 2 ** 62:
                self.out.append(0xB4)
                self.int64(int(v))
            else:
                self.out += b"\xb5" + struct.pack(">d", v)
            return v
        if isinstance(v, JFloat):
            f = struct.unpack(">f", struct.pack(">f", v.v))[0]
            if f == int(f) and abs(f) < 2 ** 31:
                self.out.append(0xB6)
                self.int32(int(f))
            else:
                self.out += b"\xb7" + struct.pack(">f", f)
            return float32_text(f)
        if isinstance(v, JBigInt):
            if -(1 << 63) <= v.v < (1 << 63):
                self.out.append(0xBA)
                self.int64(v.v)
            else:
                data = v.v.to_bytes((v.v.bit_length() + 8) // 8, "big", signed=True)
                self.out.append(0xBB)
                self.int32(len(data))
                self.out += data
            return RawNumber(str(v.v))
        if isinstance(v, JDecimal):
            if v.scale == 0 and -(1 << 63) <= v.unscaled < (1 << 63):
                self.out.append(0xB8)
                self.int64(v.unscaled)
            else:
                self.out.append(0xB9)
                self.int32(v.scale)
                if -(1 << 31) <= v.unscaled < (1 << 31):
                    self.int32(v.unscaled)
                elif -(1 << 63) <= v.unscaled < (1 << 63):
                    self.int64(v.unscaled)
                else:
                    data = v.unscaled.to_bytes((v.unscaled.bit_length() + 8) // 8, "big", signed=True)
                    self.out.append(0xBB)
                    self.int32(len(data))
                    self.out += data
            return RawNumber(decimal_text(v.unscaled, v.scale))
        if isinstance(v, JChar):
            self.out.append(0x90)
            self.int32(ord(v))
            return str(v)
        if isinstance(v, JStr):
            self.string(v.s, v.encoding)
            return v.s
        if isinstance(v, str):
            self.string(v)
            return v
        if isinstance(v, bytes):
            self.out.append(0x91)
            self.int32(len(v))
            self.out += v
            return {"$binary": base64.b64encode(v).decode()}
        if isinstance(v, JDate):
            # Dubbo's Date: whole seconds as 0xAC, otherwise milliseconds as 0xAB.
            if v.ms % 1000 == 0 and -(1 << 31) <= v.ms // 1000 < (1 << 31):
                self.out += b"\xac" + struct.pack(">i", v.ms // 1000)
            else:
                self.out += b"\xab" + struct.pack(">q", v.ms)
            return {"$date": date_ms_text(v.ms)}
        if isinstance(v, JInstant):
            self.out.append(0xAE)
            self.int64(v.seconds)
            self.int32(v.nanos)
            if v.nanos % 1_000_000 == 0:
                return {"$date": date_ms_text(v.seconds * 1000 + v.nanos // 1_000_000)}
            t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=v.seconds)
            return {"$date": t.strftime("%Y-%m-%dT") + clock_text(t.hour, t.minute, t.second, v.nanos) + "Z"}
        if isinstance(v, JLocalDate):
            self.out += b"\xa9" + struct.pack(">hBB", v.y, v.m, v.d)
            return {"$date": f"{v.y:04d}-{v.m:02d}-{v.d:02d}"}
        if isinstance(v, JLocalTime):
            self.out += bytes([0xA7, v.h, v.mi, v.s])
            self.int32(v.nanos)
            return {"$date": clock_text(v.h, v.mi, v.s, v.nanos)}
        if isinstance(v, JLocalDateTime):
            self.out += bytes([0xA8 if v.zone is None else 0xAA]) + struct.pack(">hBBBBB", v.y, v.m, v.d, v.h, v.mi, v.s)
            self.int32(v.nanos)
            text = f"{v.y:04d}-{v.m:02d}-{v.d:02d}T" + clock_text(v.h, v.mi, v.s, v.nanos)
            if v.zone is not None:
                self.string(v.zone)
                text += v.zone if v.zone[0] in "+-Z" else f"[{v.zone}]"
            return {"$date": text}
        raise TypeError(f"cannot write {type(v)}")

    @staticmethod
    def child_path(path: str, key) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return path + "." + "".join("\\" + c if c in PATH_ESCAPED else c for c in key)

    def container(self, v, path: str):
        if isinstance(v, JBean):
            if v.typed:
                self.type_name(v.cls)
            self.out.append(0xA6)
            rendered = {"$class": v.cls} if v.typed else {}
            for key, field in v.fields:
                self.name(key)
                rendered[key] = self.value(field, self.child_path(path, key), v)
            self.out.append(0xA5)
            return rendered
        if isinstance(v, JTyped):
            self.type_name(v.cls)
            # The wrapper and its collection are one value at one path.
            inner = v.value
            self.seen[id(inner)] = [path, None]
            rendered = self.container(inner, path)
            self.seen[id(inner)][1] = rendered
            return rendered
        if isinstance(v, dict):
            self.out.append(0xA6)
            rendered = {}
            for key, field in v.items():
                self.string(key)
                rendered[key] = self.value(field, self.child_path(path, key), v)
            self.out.append(0xA5)
            return rendered
        if len(v) <= 15:
            self.out.append(0x94 + len(v))
        else:
            self.out.append(0xA4)
            self.int32(len(v))
        return [self.value(x, self.child_path(path, i), v) for i, x in enumerate(v)]


def document(v) -> tuple[bytes, object]:
    """One value as an independent JSONB document, and its rendering."""
    w = JSONBWriter()
    rendered = w.value(v)
    return bytes(w.out), rendered


def parts(values) -> tuple[bytes, list]:
    """Dubbo's fastjson2 body: each value a 4-byte big-endian length and its document. Returns the body and, per part,
    (end offset in the body, rendering)."""
    body = bytearray()
    out = []
    for v in values:
        doc, rendered = document(v)
        body += struct.pack(">I", len(doc)) + doc
        out.append((len(body), rendered))
    return bytes(body), out


def selftest():
    """The byte-exact example of PROTOCOL.md §3.6.1 and the DeepFlow capture's first parts (§3.6)."""
    a = JBean("A", [("city", "HZ"), ("zip", 7)], typed=False)
    u = JBean("Probe$U", [("d", JDate(1_700_000_000_000)), ("home", a), ("id", JLong(5)), ("work", a)])
    doc, rendered = document(u)

    def s(t):
        return bytes([0x49 + len(t)]) + t.encode()
    want = (b"\x92" + s("Probe$U") + b"\x00\xa6" + b"\x7f" + s("d") + b"\x01\xac\x65\x53\xf1\x00"
            + b"\x7f" + s("home") + b"\x02\xa6\x7f" + s("city") + b"\x03" + s("HZ")
            + b"\x7f" + s("zip") + b"\x04\x07\xa5" + b"\x7f" + s("id") + b"\x05\xe5" + b"\x7f" + s("work") + b"\x06\x93"
            + s("$.home") + b"\xa5")
    assert doc == want, doc.hex(" ")
    assert rendered["work"] == {"city": "HZ", "zip": 7}
    body, _ = parts(["2.0.2", "com.byd.cloud.pub.usercenter.api.UserService", "0.0.0", "queryUserInfoDetail",
                     "Ljava/lang/Long;", JLong(107396379512545280)])
    assert body.hex() == (
        "000000064e322e302e32" "0000002d75" + "com.byd.cloud.pub.usercenter.api.UserService".encode().hex()
        + "000000064e302e302e30" "000000145c" + "queryUserInfoDetail".encode().hex()
        + "0000001159" + "Ljava/lang/Long;".encode().hex() + "00000009be017d8c702b022000"), body.hex()
