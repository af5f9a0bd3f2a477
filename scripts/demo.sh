#!/usr/bin/env bash
# Demo: decode a bundled capture and print every Dubbo call in it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh libpcap-dev libhiredis-dev pkg-config
swift build -c release --product dubbo-inspect >&2
exec .build/release/dubbo-inspect read Fixtures/basic.pcap "$@"
