#!/usr/bin/env bash
# Runs the suites that exercise threads (record thread, decoding thread, shards and their merge, live capture and
# view, packet queue, metrics server, registry watcher, OTLP exporter) under ThreadSanitizer. Any report from the tests or from a dubbo-inspect they
# start fails the run. Not part of .ci/run (it adds a third build); run it after changing threaded code.
#
#   bash scripts/tsan.sh
#
# Locks are pthread mutexes (InspectorCore.Locked, WaitableState): Synchronization.Mutex locks inside the
# uninstrumented standard library, which ThreadSanitizer cannot see, so every access under one reads as a race.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-tsan
# The C library's malloc (DUBBO_INSPECT_MALLOC, Package.swift): the sanitizer's runtime replaces it anyway.
export DUBBO_INSPECT_MALLOC=system
swift build --build-tests --sanitize=thread --scratch-path "$scratch"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
suites="LockedTests|RecordPipeTests|DecodeThreadTests|RecordMergeTests|CLIEdgeTests|PacketQueueTests|LiveAgreementTests|MetricsServerTests|LiveMetricsTests|RedisRegistryTests"
suites+="|LiveCaptureTests|ExporterTests|OTLPExportTests|RegistryJoinTests|ReportTests"
status=0
TSAN_OPTIONS="log_path=$reports/report second_deadlock_stack=1" \
    timeout --signal=KILL 1800 "$scratch/x86_64-unknown-linux-gnu/debug/DubboInspectorPackageTests.xctest" \
    --testing-library swift-testing --filter "$suites" || status=$?
found=$(find "$reports" -type f | wc -l)
if [[ $found -gt 0 ]]; then
    echo "ThreadSanitizer reported in $found process(es):" >&2
    grep -h "^SUMMARY" "$reports"/* | sort | uniq -c >&2
    exit 1
fi
if [[ $status -ne 0 ]]; then
    echo "the threaded suites failed under ThreadSanitizer (exit $status)" >&2
    exit "$status"
fi
echo "ThreadSanitizer: no report from the threaded suites"
