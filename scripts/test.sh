#!/usr/bin/env bash
# The whole test suite, as CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh libpcap-dev libhiredis-dev pkg-config redis-server chromium tcpreplay prometheus
swift build --build-tests
swift test --skip-build
