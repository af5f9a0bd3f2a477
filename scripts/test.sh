#!/usr/bin/env bash
# The whole test suite, as CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --libraries pkg-config redis-server chromium tcpreplay prometheus \
    zookeeper libhessian-java default-jdk-headless tcpdump tshark
# A real gRPC stack for the Triple tests (Tests/Support/triple_grpc.py): server and client on loopback.
python3 -c "import grpc" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore grpcio==1.85.3
# Dubbo's own Python Triple (Tests/Support/apache_dubbo_triple.py). Its package is also named `dubbo`, like
# dubbo-py's, so it lives in its own directory (the test puts it on PYTHONPATH) instead of site-packages.
[[ -d .build/python-apache-dubbo/dubbo ]] \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --target .build/python-apache-dubbo apache-dubbo==3.0.0b1
# Independent Python Dubbo stacks that the live-capture tests run on loopback (Tests/Support/dubbo_loopback.py).
# apache-dubbo installed into site-packages would replace dubbo-py's `dubbo` package (same name), so the check asks
# for a function only dubbo-py's server has, and a failed check reinstalls it over whatever is there.
python3 -c "import dubbo.server, dubbo_ssl.client; dubbo.server._get_dubbo_request_handler" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --force-reinstall \
        dubbo-py==0.2.2 dubbo-ssl-python==0.9.6
# kazoo writes ZooKeeper registrations as Dubbo does (Tests/Support/zk_registry.py).
python3 -c "import kazoo.client" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore kazoo==2.11.0
# The official OTLP protobuf definitions, for the OTLP/HTTP test receiver (Tests/Support/otlp/otlp_receiver.py).
python3 -c "import opentelemetry.proto.collector.trace.v1.trace_service_pb2" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        opentelemetry-proto==1.45.2 protobuf
swift build --build-tests
swift test --skip-build

# The Debian package (scripts/package-test.sh): static release build, the .deb's contents and Depends, the extracted
# binary run outside the checkout without the toolchain, man pages, completions, the systemd unit. About 4 min from
# a clean checkout (the release build), 1-2 min when it is up to date. DUBBO_PACKAGE_TEST=0 skips it (a quick local run).
if [[ ${DUBBO_PACKAGE_TEST:-1} == 0 ]]; then
    echo "test.sh: package checks skipped (DUBBO_PACKAGE_TEST=0)"
else
    bash scripts/package-test.sh
fi

# Hostile-input passes (docs/LIMITS.md, Fuzz/README.md): the suite again under the address sanitizer, then a short
# fuzzing pass over every libFuzzer target. DUBBO_HOSTILE_PASSES=0 skips both (a quick local run); CI runs them.
if [[ ${DUBBO_HOSTILE_PASSES:-1} == 0 ]]; then
    echo "test.sh: address-sanitizer and fuzzing passes skipped (DUBBO_HOSTILE_PASSES=0)"
    exit 0
fi
fail() { echo "test.sh: FAILED: $*" >&2; exit 1; }

started=$(date +%s)
echo "== address sanitizer: build"
# The C library's malloc (DUBBO_INSPECT_MALLOC, Package.swift): the sanitizer's runtime replaces it anyway.
export DUBBO_INSPECT_MALLOC=system
swift build --sanitize=address --build-tests --scratch-path .build-asan \
    || fail "the address-sanitizer build did not compile"
asan_bin=$(swift build --sanitize=address --scratch-path .build-asan --show-bin-path)
echo "address-sanitizer build: $(( $(date +%s) - started )) s"
started=$(date +%s)
echo "== address sanitizer: tests"
# Leaks are checked too (at exit, in this process and in every dubbo-inspect it starts); the suppressions cover
# Foundation's Process/FileHandle and once-initialised test vectors only, never the tool's own code.
# Some tests run the tool as an unprivileged user, and LeakSanitizer reads the suppressions as that user at exit:
# a world-readable copy, so a checkout in a private directory (mktemp -d) works too.
suppressions=$(mktemp /tmp/dubbo-inspect-lsan.XXXXXX)
trap 'rm -f "$suppressions"' EXIT
cp Tests/Support/lsan-suppressions.txt "$suppressions"
chmod 644 "$suppressions"
LSAN_OPTIONS=suppressions=$suppressions:print_suppressions=0 \
    "$asan_bin/DubboInspectorPackageTests.xctest" --testing-library swift-testing \
    || fail "the test suite under the address sanitizer (a memory error, leak or failing test is reported above)"
echo "address-sanitizer tests: $(( $(date +%s) - started )) s"

started=$(date +%s)
echo "== fuzzing: ${FUZZ_SECONDS:-45} s per target, seeds from Fuzz/Corpus"
fuzz_status=0
FUZZ_SECONDS=${FUZZ_SECONDS:-45} bash scripts/fuzz.sh || fuzz_status=$?
case $fuzz_status in
    0) ;;
    1) fail "fuzzing found a crash, leak, hang or memory bomb (its input is named above; replay it with the target binary)" ;;
    3) fail "the fuzz targets did not build (see the compiler output above)" ;;
    *) fail "scripts/fuzz.sh stopped with status $fuzz_status" ;;
esac
echo "fuzzing (build and run): $(( $(date +%s) - started )) s"
