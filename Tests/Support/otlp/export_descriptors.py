#!/usr/bin/env python3
"""Writes the OTLP trace and metrics protobuf definitions that PyPI `opentelemetry-proto` carries (the same ones the
test receiver decodes with) as a FileDescriptorSet, for `protoc --descriptor_set_in`.

    python3 export_descriptors.py OUT.desc
"""
import sys

from google.protobuf import descriptor_pb2
import opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 as metrics_service
import opentelemetry.proto.collector.trace.v1.trace_service_pb2 as trace_service


def main():
    seen, out = set(), descriptor_pb2.FileDescriptorSet()

    def add(file_descriptor):
        if file_descriptor.name in seen:
            return
        for dependency in file_descriptor.dependencies:
            add(dependency)
        seen.add(file_descriptor.name)
        proto = descriptor_pb2.FileDescriptorProto()
        file_descriptor.CopyToProto(proto)
        out.file.append(proto)

    add(trace_service.DESCRIPTOR)
    add(metrics_service.DESCRIPTOR)
    with open(sys.argv[1], "wb") as handle:
        handle.write(out.SerializeToString())
    print("\n".join(proto.name for proto in out.file))


if __name__ == "__main__":
    main()
