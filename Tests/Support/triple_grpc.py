#!/usr/bin/env python3
"""Real Triple (gRPC over HTTP/2) traffic on loopback, captured with tcpdump, for the Triple tests.

A PyPI `grpcio` server with a generic handler plays a Dubbo 3 Triple provider: interface-style methods take and
return Triple wrapper messages (TripleRequestWrapper / TripleResponseWrapper, protobuf fields written here,
arguments in Hessian 2), an IDL method takes a plain protobuf message. A `grpcio` client sends Triple's headers
(tri-service-version, tri-service-group, tri-consumer-appname, an attachment) and makes: unary calls, server /
client / bidi streaming, error statuses, a deadline that expires, gzip, a message larger than the flow-control
window, many concurrent streams, and hundreds of calls on one connection. tcpdump records it all on `lo`.

    triple_grpc.py --port 50061 --pcap out.pcap --truth out.jsonl [--reused 300] [--concurrent 40]

Every call is written to --truth as one JSON object per line, as the client saw it. Exit status 0 when every call
behaved as planned, 2 when a stack is missing, 1 otherwise. Nothing leaves loopback.
"""

import argparse
import json
import os
import struct
import sys
import threading
import time
from concurrent import futures

import loopback_capture

try:
    import grpc
except ImportError as error:
    print(f"missing grpcio: {error}; run: pip install grpcio", file=sys.stderr)
    sys.exit(2)

SERVICE = "org.apache.dubbo.demo.GreeterService"
IDL = "org.apache.dubbo.demo.IdlGreeter"
APP = "triple-test-consumer"
METADATA = (("tri-service-version", "1.0.0"), ("tri-service-group", "blue"), ("tri-consumer-appname", APP),
            ("traceid", "trace-7"))


# --- Hessian 2 (the compact forms hessian-lite writes), for the wrapper arguments -------------------------------

def hessian(value):
    if value is None:
        return b"N"
    if value is True:
        return b"T"
    if value is False:
        return b"F"
    if isinstance(value, int):
        if -0x10 <= value <= 0x2F:
            return bytes([0x90 + value])
        if -0x800 <= value <= 0x7FF:
            return bytes([0xC8 + (value >> 8), value & 0xFF])
        if -0x80000000 <= value <= 0x7FFFFFFF:
            return b"I" + struct.pack(">i", value)
        return b"L" + struct.pack(">q", value)
    if isinstance(value, str):
        units = len(value.encode("utf-16-le")) // 2
        data = value.encode("utf-8")
        if units <= 31:
            return bytes([units]) + data
        if units <= 1023:
            return bytes([0x30 + (units >> 8), units & 0xFF]) + data
        out = b""
        # chunks of at most 32768 UTF-16 units; only BMP text is used here, so one char = one unit
        while len(value) > 32768:
            chunk, value = value[:32768], value[32768:]
            out += b"R" + struct.pack(">H", len(chunk)) + chunk.encode("utf-8")
        return out + b"S" + struct.pack(">H", len(value)) + value.encode("utf-8")
    if isinstance(value, list):
        body = b"".join(hessian(v) for v in value)
        if len(value) <= 7:
            return bytes([0x78 + len(value)]) + body
        return b"\x58" + hessian(len(value)) + body
    if isinstance(value, dict):
        return b"H" + b"".join(hessian(k) + hessian(v) for k, v in value.items()) + b"Z"
    raise TypeError(type(value))


def hessian_read(data):
    """Reads back what `hessian` wrote (the client checks the server's answers with it)."""
    def read(i):
        b = data[i]
        if b == 0x4E: return None, i + 1
        if b == 0x54: return True, i + 1
        if b == 0x46: return False, i + 1
        if 0x80 <= b <= 0xBF: return b - 0x90, i + 1
        if 0xC0 <= b <= 0xCF: return ((b - 0xC8) << 8) + data[i + 1], i + 2
        if b == 0x49: return struct.unpack(">i", data[i + 1:i + 5])[0], i + 5
        if b <= 0x1F or 0x30 <= b <= 0x33 or b in (0x52, 0x53):
            text = ""
            while True:
                b = data[i]
                if b <= 0x1F: n, i, final = b, i + 1, True
                elif 0x30 <= b <= 0x33: n, i, final = ((b - 0x30) << 8) + data[i + 1], i + 2, True
                else: n, i, final = struct.unpack(">H", data[i + 1:i + 3])[0], i + 3, b == 0x53
                chars = data[i:].decode("utf-8", errors="ignore")[:n]
                text += chars
                i += len(chars.encode("utf-8"))
                if final: return text, i
        if 0x78 <= b <= 0x7F:
            out, i = [], i + 1
            for _ in range(b - 0x78):
                v, i = read(i)
                out.append(v)
            return out, i
        if b == 0x48:
            out, i = {}, i + 1
            while data[i] != 0x5A:
                k, i = read(i)
                v, i = read(i)
                out[k] = v
            return out, i + 1
        raise ValueError(f"hessian byte {b:#x} at {i}")
    return read(0)[0]


# --- protobuf wire format (the wrapper messages and the IDL message) ------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def hessian_object(class_name, fields):
    """One object with its class definition first ('C', name, field count, field names, then 0x60 + values)."""
    return (b"C" + hessian(class_name) + hessian(len(fields)) + b"".join(hessian(name) for name in fields)
            + bytes([0x60]) + b"".join(fields.values()))


# What hessian-lite writes for a Throwable: its fields in declaration order, the cause pointing back at the
# exception itself (reference #0) as Throwable does when there is none, an empty stack trace array.
def hessian_exception(class_name, message):
    return hessian_object(class_name, {
        "detailMessage": hessian(message),
        "cause": b"Q" + hessian(0),
        "stackTrace": bytes([0x70]) + hessian("[java.lang.StackTraceElement"),
    })


def request_wrapper(args, types):
    return field(1, "hessian4") + b"".join(field(2, hessian(a)) for a in args) + b"".join(field(3, t) for t in types)


def response_wrapper(value, type_name):
    return field(1, "hessian4") + field(2, hessian(value)) + field(3, type_name)


def parse_fields(data):
    i, out = 0, []
    while i < len(data):
        key, shift = 0, 0
        while True:
            b = data[i]; i += 1
            key |= (b & 0x7F) << shift; shift += 7
            if not b & 0x80: break
        number, wire = key >> 3, key & 7
        if wire == 0:
            v, shift = 0, 0
            while True:
                b = data[i]; i += 1
                v |= (b & 0x7F) << shift; shift += 7
                if not b & 0x80: break
            out.append((number, v))
        elif wire == 2:
            n, shift = 0, 0
            while True:
                b = data[i]; i += 1
                n |= (b & 0x7F) << shift; shift += 7
                if not b & 0x80: break
            out.append((number, data[i:i + n])); i += n
        else:
            raise ValueError(wire)
    return out


def unwrap_request(data):
    fields = parse_fields(data)
    assert fields[0] == (1, b"hessian4"), fields[0]
    return [hessian_read(v) for n, v in fields if n == 2]


def unwrap_response(data):
    fields = dict(parse_fields(data))
    return hessian_read(fields[2])


# --- the provider ---------------------------------------------------------------------------------------------

def identity(b):
    return b


def say_hello(request, context):
    name, times = unwrap_request(request)
    if name.startswith("gz"):
        context.set_compression(grpc.Compression.Gzip)  # the answer to the gzip request is compressed too
    return response_wrapper(f"hello {name} x{times}", "java.lang.String")


def greet_stream(request, context):
    name, count = unwrap_request(request)
    for index in range(count):
        yield response_wrapper(f"{name}#{index}", "java.lang.String")


def collect(request_iterator, context):
    names = [unwrap_request(r)[0] for r in request_iterator]
    return response_wrapper(",".join(names), "java.lang.String")


def chat(request_iterator, context):
    for request in request_iterator:
        yield response_wrapper("re:" + unwrap_request(request)[0], "java.lang.String")


def fail(request, context):
    (code,) = unwrap_request(request)
    context.abort(grpc.StatusCode.NOT_FOUND, f"no user {code} – ünïcode")


# A google.rpc.Status {code 7, message "denied"} written by hand (protobuf wire format: field 1 varint, field 2
# string), sent as grpc-status-details-bin with Dubbo's tri-exception-code beside it.
DENIED_DETAILS = bytes([0x08, 0x07, 0x12, 0x06]) + b"denied"


def denied(request, context):
    context.set_trailing_metadata((("tri-exception-code", "7"), ("grpc-status-details-bin", DENIED_DETAILS)))
    context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied")


BIZ_EXCEPTION = "com.example.NoCreditException"


def thrown(request, context):
    """A business exception as Dubbo 3 sends it (ExceptionCustomizerWrapper, ReflectionPackableMethod): the
    response headers carry tri-exception-code 3, the message is a TripleResponseWrapper whose data is the
    Hessian-serialized Throwable (type = the method's return type), the trailers grpc-status UNKNOWN and the
    exception's message."""
    (user,) = unwrap_request(request)
    context.send_initial_metadata((("tri-exception-code", "3"),))
    message = f"no credit for {user}"
    yield field(1, "hessian4") + field(2, hessian_exception(BIZ_EXCEPTION, message)) + field(3, "java.lang.String")
    context.set_code(grpc.StatusCode.UNKNOWN)
    context.set_details(message)


def slow(request, context):
    (milliseconds,) = unwrap_request(request)
    time.sleep(milliseconds / 1000.0)
    return response_wrapper(milliseconds, "java.lang.Integer")


def size_of(request, context):
    (text,) = unwrap_request(request)
    return response_wrapper(len(text), "java.lang.Integer")


def idl_echo(request, context):
    return request


class Provider(grpc.GenericRpcHandler):
    def __init__(self):
        u, ss, cs, bd = (grpc.unary_unary_rpc_method_handler, grpc.unary_stream_rpc_method_handler,
                         grpc.stream_unary_rpc_method_handler, grpc.stream_stream_rpc_method_handler)
        self.methods = {
            f"/{SERVICE}/sayHello": u(say_hello, identity, identity),
            f"/{SERVICE}/greetStream": ss(greet_stream, identity, identity),
            f"/{SERVICE}/collect": cs(collect, identity, identity),
            f"/{SERVICE}/chat": bd(chat, identity, identity),
            f"/{SERVICE}/fail": u(fail, identity, identity),
            f"/{SERVICE}/denied": u(denied, identity, identity),
            f"/{SERVICE}/thrown": ss(thrown, identity, identity),
            f"/{SERVICE}/slow": u(slow, identity, identity),
            f"/{SERVICE}/sizeOf": u(size_of, identity, identity),
            f"/{IDL}/Echo": u(idl_echo, identity, identity),
        }

    def service(self, details):
        return self.methods.get(details.method)


# --- the consumer ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pcap", required=True)
    parser.add_argument("--truth", required=True)
    parser.add_argument("--reused", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=40)
    options = parser.parse_args()

    tcpdump = loopback_capture.start(options.port, options.pcap)
    if tcpdump is None:
        return 1

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), handlers=[Provider()])
    server.add_insecure_port(f"127.0.0.1:{options.port}")
    server.start()
    truth = []
    failures = []

    def record(path, code, details=None, sent=None, received=None, request_messages=1, response_messages=1, **extra):
        truth.append(dict(path=path, code=code.name, details=details, sent=sent, received=received,
                          request_messages=request_messages, response_messages=response_messages, **extra))

    def expect(condition, what):
        if not condition:
            failures.append(what)

    channel = grpc.insecure_channel(f"127.0.0.1:{options.port}")
    grpc.channel_ready_future(channel).result(timeout=10)
    path = f"/{SERVICE}/sayHello"
    unary = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)

    answer = unwrap_response(unary(request_wrapper(["user-42", 7], ["java.lang.String", "int"]), metadata=METADATA, timeout=10))
    expect(answer == "hello user-42 x7", answer)
    record(path, grpc.StatusCode.OK, sent=["user-42", 7], received=answer, phase="first")

    stream_path = f"/{SERVICE}/greetStream"
    server_stream = channel.unary_stream(stream_path, request_serializer=identity, response_deserializer=identity)
    answers = [unwrap_response(r) for r in server_stream(request_wrapper(["ann", 5], ["java.lang.String", "int"]), metadata=METADATA, timeout=10)]
    expect(answers == [f"ann#{i}" for i in range(5)], answers)
    record(stream_path, grpc.StatusCode.OK, sent=["ann", 5], received=answers, response_messages=5, phase="server_stream")

    collect_path = f"/{SERVICE}/collect"
    client_stream = channel.stream_unary(collect_path, request_serializer=identity, response_deserializer=identity)
    names = ["a", "b", "c", "d"]
    answer = unwrap_response(client_stream(iter([request_wrapper([n], ["java.lang.String"]) for n in names]), metadata=METADATA, timeout=10))
    expect(answer == "a,b,c,d", answer)
    record(collect_path, grpc.StatusCode.OK, sent=names, received=answer, request_messages=4, phase="client_stream")

    chat_path = f"/{SERVICE}/chat"
    bidi = channel.stream_stream(chat_path, request_serializer=identity, response_deserializer=identity)
    answers = [unwrap_response(r) for r in bidi(iter([request_wrapper([n], ["java.lang.String"]) for n in ["x", "y", "z"]]), metadata=METADATA, timeout=10)]
    expect(answers == ["re:x", "re:y", "re:z"], answers)
    record(chat_path, grpc.StatusCode.OK, sent=["x", "y", "z"], received=answers, request_messages=3, response_messages=3, phase="bidi")

    for method, code in (("fail", grpc.StatusCode.NOT_FOUND), ("denied", grpc.StatusCode.PERMISSION_DENIED)):
        call = channel.unary_unary(f"/{SERVICE}/{method}", request_serializer=identity, response_deserializer=identity)
        try:
            call(request_wrapper([404], ["int"]), metadata=METADATA, timeout=10)
            failures.append(f"{method} succeeded")
        except grpc.RpcError as error:
            expect(error.code() == code, error.code())
            # The trailers as the client received them (binary values as hex).
            trailers = {key: value.hex() if isinstance(value, bytes) else value for key, value in (error.trailing_metadata() or ())}
            record(f"/{SERVICE}/{method}", error.code(), details=error.details(), sent=[404], response_messages=0, phase="error",
                   trailers=trailers)

    # A unary method on the wire (one message each way); called as a stream so the client gets the message that
    # precedes the failed status.
    thrown_call = channel.unary_stream(f"/{SERVICE}/thrown", request_serializer=identity, response_deserializer=identity)
    received = []
    responses = thrown_call(request_wrapper(["user-42"], ["java.lang.String"]), metadata=METADATA, timeout=10)
    try:
        for message in responses:
            received.append(message)
        failures.append("thrown succeeded")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNKNOWN, error.code())
        headers = dict(responses.initial_metadata() or ())
        expect(headers.get("tri-exception-code") == "3", f"thrown headers {headers}")
        expect(len(received) == 1, f"thrown: {len(received)} messages")
        record(f"/{SERVICE}/thrown", error.code(), details=error.details(), sent=["user-42"], phase="exception",
               exception=f"{BIZ_EXCEPTION}: no credit for user-42", exception_code=headers.get("tri-exception-code"))

    missing = channel.unary_unary(f"/{SERVICE}/noSuchMethod", request_serializer=identity, response_deserializer=identity)
    try:
        missing(request_wrapper([], []), metadata=METADATA, timeout=10)
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, error.code())
        record(f"/{SERVICE}/noSuchMethod", error.code(), details=error.details(), sent=[], response_messages=0, phase="error")

    slow_call = channel.unary_unary(f"/{SERVICE}/slow", request_serializer=identity, response_deserializer=identity)
    try:
        slow_call(request_wrapper([800], ["int"]), metadata=METADATA, timeout=0.2)
        failures.append("slow call beat its deadline")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, error.code())
        record(f"/{SERVICE}/slow", error.code(), sent=[800], response_messages=0, phase="deadline")
    time.sleep(1.0)  # let the server finish the slow call before anything else

    # grpc compresses only what shrinks: a long, repetitive argument and answer
    zipped = "gz" + "zip me " * 600
    answer = unwrap_response(unary(request_wrapper([zipped, 3], ["java.lang.String", "int"]), metadata=METADATA,
                                   timeout=10, compression=grpc.Compression.Gzip))
    expect(answer == f"hello {zipped} x3", answer[:40])
    record(path, grpc.StatusCode.OK, sent=[zipped, 3], received=answer, phase="gzip")

    big = "B" * 200_000  # larger than the 64 KiB initial flow-control window
    size_call = channel.unary_unary(f"/{SERVICE}/sizeOf", request_serializer=identity, response_deserializer=identity)
    answer = unwrap_response(size_call(request_wrapper([big], ["java.lang.String"]), metadata=METADATA, timeout=10))
    expect(answer == 200_000, answer)
    record(f"/{SERVICE}/sizeOf", grpc.StatusCode.OK, sent=["<200000 B>"], received=answer, phase="big")

    idl = channel.unary_unary(f"/{IDL}/Echo", request_serializer=identity, response_deserializer=identity)
    message = field(1, 42) + field(2, "user-42")
    echoed = idl(message, metadata=METADATA, timeout=10)
    expect(echoed == message, echoed)
    record(f"/{IDL}/Echo", grpc.StatusCode.OK, sent=[{"1": 42, "2": "user-42"}], received={"1": 42, "2": "user-42"}, phase="idl")

    pending = [unary.future(request_wrapper([f"c{i}", i], ["java.lang.String", "int"]), metadata=METADATA, timeout=20)
               for i in range(options.concurrent)]
    for i, future in enumerate(pending):
        answer = unwrap_response(future.result())
        expect(answer == f"hello c{i} x{i}", answer)
        record(path, grpc.StatusCode.OK, sent=[f"c{i}", i], received=answer, phase="concurrent")

    for i in range(options.reused):
        answer = unwrap_response(unary(request_wrapper([f"r{i}", i % 100], ["java.lang.String", "int"]), metadata=METADATA, timeout=10))
        expect(answer == f"hello r{i} x{i % 100}", answer)
        record(path, grpc.StatusCode.OK, sent=[f"r{i}", i % 100], received=answer, phase="reused")

    channel.close()
    server.stop(grace=1).wait()
    time.sleep(1.0)  # the last packets reach tcpdump
    loopback_capture.stop(tcpdump)

    with open(options.truth, "w") as out:
        for item in truth:
            out.write(json.dumps(item) + "\n")
    for failure in failures:
        print(f"unexpected: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
