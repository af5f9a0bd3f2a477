#!/usr/bin/env bash
# Demo: decode a bundled capture and print every Dubbo call in it (debug build: quickest to get going).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --libraries pkg-config
swift build --product dubbo-inspect >&2
exec .build/debug/dubbo-inspect read Fixtures/basic.pcap "$@"
