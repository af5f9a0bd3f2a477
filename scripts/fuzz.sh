#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the fuzzer and address sanitizers, then runs each for a bounded time.
#
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh              # every target, 60 s each (the default)
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh hessian     # one target (or several, by corpus name)
#
# Seeds come from Fuzz/Corpus/<target>/ (kept in the repository, regenerate with Fuzz/Corpus/make_seeds.py);
# what libFuzzer learns goes to Fuzz/.build-fuzz/corpus/<target>/ and crashes to Fuzz/.build-fuzz/artifacts/<target>/
# (both ignored by git). Exit status: 0 when no target found anything, 1 when one did (its input is named above).
#
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel workers per target, default 1),
# FUZZ_RSS_MB (memory limit per input, default 2048), FUZZ_CONFIGURATION (debug or release, default release),
# DUBBO_INSPECTOR_ROOT (the main package, default the repository this script is in).
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$(pwd)

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
rss=${FUZZ_RSS_MB:-2048}
configuration=${FUZZ_CONFIGURATION:-release}
export DUBBO_INSPECTOR_ROOT=${DUBBO_INSPECTOR_ROOT:-$repository}
# A crash must reach libFuzzer, which saves the input; Swift's own backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no

# corpus name → executable
declare -A executables=(
    [hessian]=FuzzHessian
    [dubbo-stream]=FuzzDubboStream
    [dissector]=FuzzDissector
    [reassembly]=FuzzReassembly
    [pipeline]=FuzzPipeline
)
order=(hessian dubbo-stream dissector reassembly pipeline)
if [[ -d Fuzz/Corpus/registry-url && -d Fuzz/Sources/FuzzRegistryURL ]]; then
    executables[registry-url]=FuzzRegistryURL
    order+=(registry-url)
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
             targets: ["InspectorCore", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire"]),
    .library(name: "DubboInspectorKit",
             targets: ["InspectorCore", "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire",
                       "Correlation", "Registry", "Reporting", "InspectorCLI"]),
MISSING
    exit 2
fi

scratch=Fuzz/.build-fuzz
build_start=$(date +%s)
products=()
for name in "${selected[@]}"; do products+=(--product "${executables[$name]}"); done
for product in "${products[@]}"; do
    [[ $product == --product ]] && continue
    swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration" \
        --sanitize=fuzzer --sanitize=address --product "$product"
done
echo "fuzz build: $(( $(date +%s) - build_start )) s"
bin=$(swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration" \
    --sanitize=fuzzer --sanitize=address --show-bin-path)

failed=()
for name in "${selected[@]}"; do
    corpus=$scratch/corpus/$name
    artifacts=$scratch/artifacts/$name
    mkdir -p "$corpus" "$artifacts"
    log=$scratch/$name.log
    echo "== $name: ${seconds} s"
    status=0
    parallel=()
    if [[ $jobs -gt 1 ]]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: growing past it is a memory bomb. Both count
    # as findings. timeout(1) is a backstop in case the fuzzer itself wedges.
    timeout --signal=KILL $(( seconds + 120 )) "$bin/${executables[$name]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
        "${parallel[@]}" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" "Fuzz/Corpus/$name" >"$log" 2>&1 || status=$?
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done [0-9]+ runs" "$log" || true
    if [[ $status -ne 0 ]] || ls "$artifacts" | grep -qE '^(crash|leak|timeout|oom|slow-unit)-'; then
        echo "!! $name found something (exit $status):"
        grep -E "invariant violated|ERROR: |SUMMARY: |Fatal error" "$log" | head -5 || true
        ls -1 "$artifacts" | sed "s|^|   $artifacts/|"
        failed+=("$name")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found problems in: ${failed[*]} (reproduce: $bin/<Target> <artifact>)" >&2
    exit 1
fi
echo "fuzzing found nothing in: ${selected[*]}"
