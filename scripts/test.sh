#!/usr/bin/env bash
# The whole test suite, as CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh libpcap-dev libhiredis-dev pkg-config redis-server chromium tcpreplay prometheus
# Independent Python Dubbo stacks that the live-capture tests run on loopback (Tests/Support/dubbo_loopback.py).
python3 -c "import dubbo.server, dubbo_ssl.client" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        dubbo-py==0.2.2 dubbo-ssl-python==0.9.6
# The official OTLP protobuf definitions, for the OTLP/HTTP test receiver (Tests/Support/otlp/otlp_receiver.py).
python3 -c "import opentelemetry.proto.collector.trace.v1.trace_service_pb2" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        opentelemetry-proto==1.45.2 protobuf
swift build --build-tests
swift test --skip-build
