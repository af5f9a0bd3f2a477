#!/usr/bin/env bash
# The Debian package as CI checks it: scripts/package.sh builds it, then every check below runs on the .deb and on
# the binary extracted from it, from a directory outside the checkout, with no Swift toolchain on PATH or
# LD_LIBRARY_PATH. Ends with "package: N passed, N failed"; exits non-zero when a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/setup.sh dpkg-dev systemd binutils man-db tcpreplay curl strace

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
flunk() { failed=$((failed + 1)); echo "not ok - $*" >&2; }
check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
    local what=$1
    shift
    if "$@"; then pass "$what"; else flunk "$what"; fi
}

started=$(date +%s)
package_log=$(mktemp)
if ! bash scripts/package.sh 2>&1 | tee "$package_log"; then
    echo "package-test: FAILED: scripts/package.sh did not build the package (output above)" >&2
    echo "package: 0 passed, 1 failed"
    exit 1
fi
deb=$repo/$(tail -n 1 "$package_log")
echo "package-test: scripts/package.sh took $(( $(date +%s) - started )) s"

work=$(mktemp -d /tmp/dubbo-inspect-package-test.XXXXXX)
chmod 755 "$work" # the service check runs the binary as nobody
metrics_pid=
cleanup() {
    [[ -n $metrics_pid ]] && kill "$metrics_pid" 2>/dev/null || true
    rm -rf "$work" "$package_log"
}
trap cleanup EXIT

# --- the .deb itself --------------------------------------------------------------------------------------------
arch=$(dpkg --print-architecture)
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
check "file name is dubbo-inspect_<version>_<arch>.deb ($(basename "$deb"))" \
    test "$(basename "$deb")" = "dubbo-inspect_${version}_${arch}.deb"
check "control: Package dubbo-inspect, Architecture $arch" \
    test "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Architecture)" = "dubbo-inspect $arch"
dpkg-deb -I "$deb" >"$work/info"
check "maintainer scripts and conffiles are in the package" \
    grep -q -E '^ .* postinst' "$work/info"
check "conffiles lists /etc/default/dubbo-inspect" \
    bash -c '[[ $(dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles) == /etc/default/dubbo-inspect ]]' _ "$deb"

dpkg-deb -c "$deb" | awk '{ print $1, $NF }' >"$work/contents"
for path in ./usr/bin/dubbo-inspect \
    ./usr/share/man/man1/dubbo-inspect.1.gz ./usr/share/man/man1/dubbo-inspect.read.1.gz \
    ./usr/share/man/man1/dubbo-inspect.live.1.gz ./usr/share/man/man1/dubbo-inspect.report.1.gz \
    ./usr/share/man/man1/dubbo-inspect.registry.1.gz \
    ./usr/share/bash-completion/completions/dubbo-inspect ./usr/share/zsh/vendor-completions/_dubbo-inspect \
    ./usr/share/fish/vendor_completions.d/dubbo-inspect.fish \
    ./usr/lib/systemd/system/dubbo-inspect-live@.service ./etc/default/dubbo-inspect \
    ./usr/share/doc/dubbo-inspect/README.md ./usr/share/doc/dubbo-inspect/copyright \
    ./usr/share/doc/dubbo-inspect/changelog.gz ./usr/share/doc/dubbo-inspect/docs/LIVE.md \
    ./usr/share/doc/dubbo-inspect/docs/RECORDS.md; do
    check "dpkg-deb -c lists $path" grep -q -F " $path" "$work/contents"
done
check "the binary is installed -rwxr-xr-x, the settings file -rw------- (it may hold a Redis password)" \
    bash -c 'grep -q -F -- "-rwxr-xr-x ./usr/bin/dubbo-inspect" "$1" && grep -q -F -- "-rw------- ./etc/default/dubbo-inspect" "$1"' \
    _ "$work/contents"

# --- the extracted binary, outside the checkout, without the toolchain -------------------------------------------
root=$work/root
dpkg-deb -x "$deb" "$root"
binary=$root/usr/bin/dubbo-inspect
clean_env=(env -i "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$work" "LANG=C.UTF-8")
check "the clean environment has no swift on PATH" \
    bash -c '! "$@" sh -c "command -v swift" >/dev/null' _ "${clean_env[@]}"

ldd "$binary" >"$work/ldd"
check "ldd lists no Swift runtime library (libswift*, Foundation, libdispatch, BlocksRuntime)" \
    bash -c '! grep -E "libswift|Foundation|libdispatch|BlocksRuntime" "$1"' _ "$work/ldd"
check "ldd resolves every library (nothing 'not found')" bash -c '! grep -q "not found" "$1"' _ "$work/ldd"
check "no RUNPATH/RPATH pointing into the build machine (only \$ORIGIN may appear)" \
    bash -c '! readelf -d "$1" | grep -E "R(UN)?PATH" | grep -v -F "[\$ORIGIN]"' _ "$binary"
# Every library the binary needs directly comes from a package named in Depends.
depends_names=" $(sed 's/ *([^)]*)//g; s/ *| */ /g; s/, */ /g' <<<"$depends") "
for needed in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    # `name => path (address)`, or for the loader `path (address)`.
    path=$(awk -v lib="$needed" '$1 == lib { print $3 } $1 ~ ("/" lib "$") { print $1 }' "$work/ldd" | head -n 1)
    # dpkg knows a library by the path its package ships (/lib/… or /usr/lib/… on a merged /usr).
    owner=$( { dpkg -S "$path" || dpkg -S "$(readlink -f "$path")"; } 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    check "$needed ($path) comes from ${owner:-no package}, which Depends names" \
        bash -c '[[ -n $1 && $2 == *" $1 "* ]]' _ "$owner" "$depends_names"
done
for package in adduser libpcap0.8 libhiredis0.14; do
    check "Depends names $package ($depends)" bash -c '[[ $2 == *" $1 "* ]]' _ "$package" "$depends_names"
done

head_commit=$(git rev-parse --short=12 HEAD)
cd "$work"
version_line=$("${clean_env[@]}" "$binary" --version)
check "--version names the package version and this checkout's commit $head_commit ($version_line)" \
    bash -c '[[ $1 =~ ^"$2 (commit $3"(-dirty)?")"$ ]]' _ "$version_line" "$version" "$head_commit"

cp "$repo/Fixtures/basic.pcap" "$work/"
"${clean_env[@]}" "$binary" read basic.pcap --format jsonl >"$work/basic.jsonl" 2>"$work/basic.summary"
check "read basic.pcap --format jsonl from $work equals Fixtures/basic.expected.jsonl" \
    cmp -s "$work/basic.jsonl" "$repo/Fixtures/basic.expected.jsonl"
cd "$repo"

# --- man pages and completions -----------------------------------------------------------------------------------
for page in dubbo-inspect dubbo-inspect.live; do
    MANWIDTH=100 man -l "$root/usr/share/man/man1/$page.1.gz" 2>/dev/null >"$work/$page.txt" || true
done
check "man dubbo-inspect renders and lists the subcommands" \
    bash -c 'grep -q "read" "$1" && grep -q "live" "$1" && grep -q "report" "$1" && grep -q "registry" "$1"' \
    _ "$work/dubbo-inspect.txt"
check "man dubbo-inspect.live renders --metrics-listen and --otlp-endpoint" \
    bash -c 'grep -q -- "--metrics-listen" "$1" && grep -q -- "--otlp-endpoint" "$1"' _ "$work/dubbo-inspect.live.txt"
# bash: completing `dubbo-inspect <TAB>` offers the subcommands, `dubbo-inspect live --met<TAB>` the option.
complete_words() {
    "${clean_env[@]}" PATH="$root/usr/bin:/usr/bin:/bin" bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _dubbo-inspect dubbo-inspect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$root/usr/share/bash-completion/completions/dubbo-inspect" "$@"
}
check "bash completes 'dubbo-inspect <TAB>' to the subcommands" \
    bash -c '[[ $(sort <<<"$1" | tr "\n" " ") == *"live "*"read "*"registry "*"report "* ]]' _ "$(complete_words dubbo-inspect '')"
check "bash completes 'dubbo-inspect live --metrics-l<TAB>' to --metrics-listen" \
    test "$(complete_words dubbo-inspect live --metrics-l)" = "--metrics-listen"
check "zsh and fish completion scripts name the subcommands" \
    bash -c 'grep -q "live" "$1" && grep -q "registry" "$1" && grep -q "live" "$2" && grep -q "registry" "$2"' \
    _ "$root/usr/share/zsh/vendor-completions/_dubbo-inspect" "$root/usr/share/fish/vendor_completions.d/dubbo-inspect.fish"

# --- the systemd unit --------------------------------------------------------------------------------------------
unit=$root/usr/lib/systemd/system/dubbo-inspect-live@.service
# verify needs the binary at its path and the units it refers to: the extracted tree plus the host's units.
sysroot=$work/sysroot
mkdir -p "$sysroot/usr/lib/systemd/system"
cp -a /usr/lib/systemd/system/. "$sysroot/usr/lib/systemd/system/"
cp -a "$root/." "$sysroot/"
mkdir -p "$sysroot/bin"
cp -L /bin/sh "$sysroot/bin/sh"
verify_output=$(MANPATH=$sysroot/usr/share/man systemd-analyze verify --root="$sysroot" dubbo-inspect-live@eth0.service 2>&1) \
    && verify_status=0 || verify_status=$?
check "systemd-analyze verify dubbo-inspect-live@eth0.service passes with no warning${verify_output:+: $verify_output}" \
    test "$verify_status" = 0 -a -z "$verify_output"
exposure=$(systemd-analyze security --offline=true --root="$sysroot" dubbo-inspect-live@eth0.service 2>/dev/null \
    | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure ${exposure:-?} is below 3.0" \
    awk -v e="${exposure:-99}" 'BEGIN { exit !(e < 3.0) }'
setting() { sed -n "s/^$1=//p" "$unit"; }
check "the service runs as User=dubbo-inspect, Group=dubbo-inspect" \
    test "$(setting User) $(setting Group)" = "dubbo-inspect dubbo-inspect"
check "AmbientCapabilities and CapabilityBoundingSet are exactly CAP_NET_RAW CAP_NET_ADMIN" \
    test "$(setting AmbientCapabilities)|$(setting CapabilityBoundingSet)" = "CAP_NET_RAW CAP_NET_ADMIN|CAP_NET_RAW CAP_NET_ADMIN"
for rule in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes Restart=on-failure \
    StandardOutput=journal; do
    check "the unit sets $rule" grep -q -x "$rule" "$unit"
done
check "RestrictAddressFamilies allows AF_PACKET (the capture socket)" \
    bash -c '[[ " $1 " == *" AF_PACKET "* ]]' _ "$(setting RestrictAddressFamilies)"
check "postinst creates the dubbo-inspect system user" \
    bash -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./postinst | sed -z "s/\\\\\n//g" \
        | grep -q -E "adduser --system --group .* dubbo-inspect"' _ "$deb"

# The unit's command, with the settings file's values, run as the service would be: an unprivileged user holding
# only CAP_NET_RAW/CAP_NET_ADMIN as ambient capabilities, no new privileges, no --user, the environment systemd
# gives it. Traffic is the basic fixture replayed onto loopback; its calls must show in the Prometheus endpoint.
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec_line=$(setting ExecStart)
check "ExecStart is /bin/sh -c 'SCRIPT' dubbo-inspect-live %i (the interface reaches the shell as \$1, not as code)" \
    bash -c '[[ $1 == "/bin/sh -c '"'"'"*"'"'"' dubbo-inspect-live %i" ]]' _ "$exec_line"
# The script as the shell gets it: systemd turns `$$` into `$`.
script=${exec_line#*\'}
script=${script%\'*}
script=${script//\$\$/\$}
check "the script execs dubbo-inspect live --interface \$1 with --metrics-listen, and never --user" \
    bash -c '[[ $1 == *"exec /usr/bin/dubbo-inspect live --interface \"\$1\" --metrics-listen "* && $1 != *--user* ]]' \
    _ "$script"
# The settings file as systemd reads it (NAME=value, surrounding double quotes removed), then the test's own values.
service_env=("PATH=/usr/sbin:/usr/bin:/sbin:/bin" "LANG=C.UTF-8")
while IFS= read -r line; do
    value=${line#*=}
    value=${value#\"}
    service_env+=("${line%%=*}=${value%\"}")
done < <(grep -E '^[A-Z_]+=' "$root/etc/default/dubbo-inspect")
# FILTER has spaces (it must reach --filter as one word) and keeps other loopback traffic out of the count.
service_env+=("METRICS_LISTEN=127.0.0.1:$metrics_port" "FILTER=net 10.0.0.0/24" "EXTRA_OPTIONS=--duration 8")
nobody_group=$(id -gn nobody)
strace -f -qq -o "$work/trace" setpriv --reuid=nobody --regid="$nobody_group" --clear-groups --no-new-privs \
    --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin \
    --bounding-set=-all,+net_raw,+net_admin \
    env -i "${service_env[@]}" /bin/sh -c "${script//\/usr\/bin\/dubbo-inspect/$binary}" dubbo-inspect-live lo \
    >"$work/service.out" 2>"$work/service.err" &
metrics_pid=$!
metrics=
for _ in $(seq 1 50); do # bounded: 5 s for the endpoint to come up
    metrics=$(curl -s --max-time 1 "http://127.0.0.1:$metrics_port/metrics" || true)
    [[ -n $metrics ]] && break
    sleep 0.1
done
tcpreplay --quiet --intf1=lo --pps=200 "$repo/Fixtures/basic.pcap" >/dev/null 2>&1 || true
expected_calls=$(grep -c '"kind":"call"' Fixtures/basic.expected.jsonl)
calls=0
for _ in $(seq 1 30); do # bounded: 3 s for the calls to be counted
    metrics=$(curl -s --max-time 1 "http://127.0.0.1:$metrics_port/metrics" || true)
    calls=$(awk '/^dubbo_calls_total/ { sum += $NF } END { print sum + 0 }' <<<"$metrics")
    (( calls >= expected_calls )) && break
    sleep 0.1
done
wait "$metrics_pid" && service_status=0 || service_status=$?
metrics_pid=
check "as nobody with only ambient CAP_NET_RAW/CAP_NET_ADMIN the service's command captures on lo and exits 0 \
(status $service_status: $(tr '\n' ' ' <"$work/service.err" | cut -c1-300))" test "$service_status" = 0
check "PORTS and FILTER from the settings reached the capture filter whole" \
    grep -q -F "filter '(tcp and (port 20880)) and (net 10.0.0.0/24)'" "$work/service.err"
check "its Prometheus endpoint counted the replayed fixture's $expected_calls calls (dubbo_calls_total = $calls)" \
    test "$calls" = "$expected_calls"

# What that run did must pass the unit's sandbox: every system call its SystemCallFilter lines, every socket family
# its RestrictAddressFamilies, and no writable+executable memory (MemoryDenyWriteExecute).
sandbox_problems=$(python3 - "$work/trace" "$binary" "$unit" <<'PYTHON'
import re, subprocess, sys
trace, binary, unit = sys.argv[1:]

def expand(group, seen=None):
    """The system calls of a systemd group (`@name`), nested groups included; a plain name is itself."""
    if not group.startswith("@"):
        return {group}
    seen = seen or set()
    if group in seen:
        return set()
    seen.add(group)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
    calls = set()
    for line in listing:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        calls |= expand(item, seen)
    return calls

allowed, families = None, set()
for line in open(unit):
    key, _, value = line.strip().partition("=")
    if key == "RestrictAddressFamilies":
        families |= set(value.split())
    if key != "SystemCallFilter":
        continue
    deny = value.startswith("~")
    names = set().union(*(expand(item) for item in value.lstrip("~").split()))
    if allowed is None:
        if deny:
            sys.exit("the unit's first SystemCallFilter is a deny list; this check expects an allow list")
        allowed = names
    elif deny:
        allowed -= names
    else:
        allowed |= names

used, problems, started = set(), [], False
for line in open(trace):
    match = re.match(r"\d+\s+([a-z0-9_]+)\((.*)", line)
    if not match:
        continue
    call, arguments = match.groups()
    if arguments.startswith(f'"{binary}"') and call == "execve":
        started = True
        continue
    if not started:
        continue
    used.add(call)
    if call == "socket":
        family = arguments.split(",", 1)[0]
        if family not in families:
            problems.append(f"socket family {family}")
    if call in ("mmap", "mprotect", "pkey_mprotect") and "PROT_EXEC" in arguments and (
            "PROT_WRITE" in arguments or call != "mmap"):
        problems.append(f"{call} making memory executable")
if not used:
    sys.exit("no system calls traced after exec of the binary")
problems += [f"system call {call}" for call in sorted(used - allowed)]
print(", ".join(sorted(set(problems))))
PYTHON
) && sandbox_status=0 || sandbox_status=$?
check "the live run stays inside the unit's system call filter, address families and W^X${sandbox_problems:+ (outside: $sandbox_problems)}" \
    test "$sandbox_status" = 0 -a -z "$sandbox_problems"

echo "package-test: $(( $(date +%s) - started )) s in all"
echo "package: $passed passed, $failed failed"
(( failed == 0 ))
