#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the fuzzer and address sanitizers, then runs each for a bounded time.
#
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh              # every target, 60 s each (the default)
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh hessian     # one target (or several, by corpus name)
#
# Seeds come from Fuzz/Corpus/<target>/ (kept in the repository, regenerate with Fuzz/Corpus/make_seeds.py);
# what libFuzzer learns goes to Fuzz/.build-fuzz/corpus/<target>/ and crashes to Fuzz/.build-fuzz/artifacts/<target>/
# (both ignored by git). Exit status: 0 when no target found anything, 1 when one did (its input is named above),
# 2 for a usage or setup error, 3 when the targets did not build.
#
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel workers per target, default 1),
# FUZZ_RSS_MB (memory limit per input, default 2048), FUZZ_TIMEOUT (seconds one input may take, default 10),
# FUZZ_CONFIGURATION (debug or release, default release), DUBBO_INSPECTOR_ROOT (the main package, default the
# repository this script is in).
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$(pwd)

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
rss=${FUZZ_RSS_MB:-2048}
timeout_seconds=${FUZZ_TIMEOUT:-10}
configuration=${FUZZ_CONFIGURATION:-release}
export DUBBO_INSPECTOR_ROOT=${DUBBO_INSPECTOR_ROOT:-$repository}
# A crash must reach libFuzzer, which saves the input; Swift's own backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no

# corpus name → executable
declare -A executables=(
    [hessian]=FuzzHessian
    [jsonb]=FuzzJSONB
    [dubbo-stream]=FuzzDubboStream
    [triple]=FuzzTriple
    [dissector]=FuzzDissector
    [reassembly]=FuzzReassembly
    [pipeline]=FuzzPipeline
)
order=(hessian jsonb dubbo-stream triple dissector reassembly pipeline)
if [[ -d Fuzz/Corpus/registry-url && -d Fuzz/Sources/FuzzRegistryURL ]]; then
    executables[registry-url]=FuzzRegistryURL
    order+=(registry-url)
fi
if [[ -d Fuzz/Corpus/zookeeper && -d Fuzz/Sources/FuzzZooKeeper ]]; then
    executables[zookeeper]=FuzzZooKeeper
    order+=(zookeeper)
fi
selected=("$@")
if [[ ${#selected[@]} -eq 0 ]]; then selected=("${order[@]}"); fi
for name in "${selected[@]}"; do
    [[ -n ${executables[$name]:-} ]] || { echo "unknown fuzz target '$name' (have: ${order[*]})" >&2; exit 2; }
done

if ! grep -q '"DubboInspectorKit"' "$DUBBO_INSPECTOR_ROOT/Package.swift" \
    || ! grep -q '"DubboInspectorDecoders"' "$DUBBO_INSPECTOR_ROOT/Package.swift"; then
    cat >&2 <<'MISSING'
The fuzz package needs two library products in the main Package.swift (products: [...]):
    .library(name: "DubboInspectorDecoders",
             targets: ["InspectorCore", "NetworkLayers", "TCPReassembly", "Hessian2", "FastJSON2", "DubboWire"]),
    .library(name: "DubboInspectorKit",
             targets: ["InspectorCore", "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire",
                       "Correlation", "AnalysisPipeline", "Registry", "RegistryJoin", "RecordFormats",
                       "LatencyReports"]),
MISSING
    exit 2
fi

scratch=Fuzz/.build-fuzz
# SwiftPM passes its two --sanitize options to swiftc as two -sanitize= flags, and swiftc (6.3) keeps only the last
# one: the Swift code would get address-sanitizer checks but no coverage, and libFuzzer would fuzz blind ("no
# interesting inputs were found"). The combined flag after them instruments for both; SwiftPM's own options stay
# for linking (libFuzzer's main, the sanitizer runtimes) and for the C targets.
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration"
       --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
build_start=$(date +%s)
build_failed() { echo "fuzz build failed (exit $1): the fuzz targets did not compile or link" >&2; exit 3; }
if [[ ${#selected[@]} -eq ${#order[@]} ]]; then
    "${build[@]}" || build_failed $?
else
    for name in "${selected[@]}"; do "${build[@]}" --product "${executables[$name]}" || build_failed $?; done
fi
echo "fuzz build: $(( $(date +%s) - build_start )) s"
bin=$("${build[@]}" --show-bin-path)

failed=()
for name in "${selected[@]}"; do
    corpus=$scratch/corpus/$name
    artifacts=$scratch/artifacts/$name
    mkdir -p "$corpus" "$artifacts"
    log=$scratch/$name.log
    echo "== $name: ${seconds} s"
    executable=$bin/${executables[$name]}
    # Coverage instrumentation must be there, or the run proves nothing.
    # (No pipe into grep -q here: with pipefail, readelf's SIGPIPE would fail the test.)
    if command -v readelf >/dev/null && [[ $(readelf -S "$executable") != *__sancov_cntrs* ]]; then
        echo "!! $executable has no coverage instrumentation" >&2
        failed+=("$name")
        continue
    fi
    parallel=()
    if [[ $jobs -gt 1 ]]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
    : >"$log"
    found=()
    stalls=0
    deadline=$(( $(date +%s) + seconds ))
    # libFuzzer stops at its first timeout. When that timeout was only the machine stalling (see the replay below),
    # the target goes on for the time that is left, so a stall does not cut a long run short; at most 20 restarts.
    for _ in $(seq 20); do
        remaining=$(( deadline - $(date +%s) ))
        [[ $remaining -gt 0 ]] || break
        # Findings of this round only: artifacts newer than this marker (older ones were reported before).
        round=$scratch/$name.round
        touch "$round"
        status=0
        # -timeout: one input taking FUZZ_TIMEOUT s is a hang; -rss_limit_mb: growing past it is a memory bomb. Both
        # count as findings. timeout(1) is a backstop in case the fuzzer itself wedges.
        timeout --signal=KILL $(( remaining + 120 )) "$executable" \
            -max_total_time="$remaining" -timeout="$timeout_seconds" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
            "${parallel[@]}" -print_final_stats=1 \
            -artifact_prefix="$artifacts/" "$corpus" "Fuzz/Corpus/$name" >>"$log" 2>&1 || status=$?
        mapfile -t -O "${#found[@]}" found < <(find "$artifacts" -maxdepth 1 -type f -newer "$round" \
            \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \) | sort)
        # A timeout or slow unit is also what a starved machine produces (a benchmark beside a nice -n 19 fuzzer):
        # replay it alone and count it only when it is slow again.
        noise=0
        while IFS= read -r slow; do
            replay_start=$(date +%s%N)
            replay_status=0
            timeout --signal=KILL $(( timeout_seconds * 3 )) "$executable" -timeout="$timeout_seconds" \
                -rss_limit_mb="$rss" "$slow" >/dev/null 2>&1 || replay_status=$?
            replay_ms=$(( ($(date +%s%N) - replay_start) / 1000000 ))
            if [[ $replay_status -ne 0 || $replay_ms -ge $(( timeout_seconds * 500 )) ]]; then
                found+=("$slow")
            else
                echo "   ($(basename "$slow") took ${replay_ms} ms on replay: the machine stalled, not counted)"
                noise=$(( noise + 1 ))
            fi
        done < <(find "$artifacts" -maxdepth 1 -type f -newer "$round" \( -name 'timeout-*' -o -name 'slow-unit-*' \) | sort)
        # libFuzzer exits 70 on a timeout; when every timeout was a stall, that exit is not a finding either.
        if [[ $status -eq 70 && $noise -gt 0 && ${#found[@]} -eq 0 ]]; then
            status=0
            stalls=$(( stalls + 1 ))
            continue
        fi
        break
    done
    awk '/^stat::number_of_executed_units:/ { units += $2 } /^stat::peak_rss_mb:/ { if ($2 > peak) peak = $2 }
         END { printf "   executed %d inputs, peak RSS %d MB\n", units, peak }' "$log"
    if [[ $stalls -gt 0 ]]; then echo "   (restarted $stalls time(s) after a stall)"; fi
    grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 \
        | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[0-9]+[a-zA-Z]*).*/   \1/' || true
    if [[ $status -ne 0 || ${#found[@]} -gt 0 ]]; then
        echo "!! $name found something (exit $status):"
        grep -E "invariant violated|ERROR: |SUMMARY: |Fatal error|ALARM: |slowest_unit" "$log" | head -5 | sed 's/^/   /' || true
        if [[ ${#found[@]} -eq 0 ]]; then
            echo "   no input was saved; the log is $log"
        fi
        for artifact in "${found[@]}"; do echo "   artifact: $artifact"; done
        failed+=("$name")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found problems in: ${failed[*]} (reproduce: $bin/<Target> <artifact>)" >&2
    exit 1
fi
echo "fuzzing found nothing in: ${selected[*]}"
