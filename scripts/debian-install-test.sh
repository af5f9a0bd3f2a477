#!/usr/bin/env bash
# Installs the package into a clean Debian root, as on a fresh host without a Swift toolchain: debootstrap (minbase,
# the host's release and mirror), `dpkg -i` the .deb, `apt-get -f install` to bring in what Depends names, then
# `dubbo-inspect read` on a fixture inside the root (chroot), the service user, and a purge. Needs root and the
# Debian mirror; takes a few minutes, so CI does not run it (README, Install).
#
#   bash scripts/debian-install-test.sh [PACKAGE.deb]     # default: build it with scripts/package.sh
#   DEBIAN_MIRROR=URL                                     # default: the mirror the host's apt uses for its release
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/setup.sh debootstrap
fail() { echo "debian-install-test: FAILED: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (debootstrap, chroot)"

started=$(date +%s)
deb=${1:-}
if [[ -z $deb ]]; then
    deb=$(bash scripts/package.sh | tail -n 1)
fi
[[ -f $deb ]] || fail "no package at '$deb'"
deb=$(readlink -f "$deb")
version=$(dpkg-deb -f "$deb" Version)

suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
# The mirror apt already uses here for "<suite>/main" (so a proxy or local mirror set up for apt applies too).
mirror=${DEBIAN_MIRROR:-$(apt-cache policy | awk -v s="$suite/main" '$3 == s && $2 ~ /^https?:/ { print $2; exit }')}
[[ -n $mirror ]] || fail "no Debian mirror found for $suite in apt's sources; set DEBIAN_MIRROR"

target=$(mktemp -d /var/tmp/dubbo-inspect-debian-root.XXXXXX)
cleanup() {
    umount "$target/proc" 2>/dev/null || true
    rm -rf --one-file-system "$target"
}
trap cleanup EXIT

echo "== debootstrap --variant=minbase $suite (from apt's mirror for $suite)"
step=$(date +%s)
debootstrap --variant=minbase "$suite" "$target" "$mirror" >"$target.log" 2>&1 \
    || { tail -n 20 "$target.log" >&2; rm -f "$target.log"; fail "debootstrap"; }
rm -f "$target.log"
debootstrap_seconds=$(( $(date +%s) - step ))
echo "debootstrap: $debootstrap_seconds s"

cp /etc/resolv.conf "$target/etc/resolv.conf"
mount -t proc proc "$target/proc"
in_root() { chroot "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
in_root sh -c 'command -v swift' >/dev/null && fail "the clean root has a swift on PATH"
cp "$deb" "$target/tmp/"
cp Fixtures/basic.pcap "$target/tmp/basic.pcap"

echo "== dpkg -i $(basename "$deb")"
step=$(date +%s)
# minbase has neither libpcap, hiredis nor adduser: dpkg must refuse to configure, naming them.
if in_root dpkg -i "/tmp/$(basename "$deb")" >"$target/tmp/dpkg.log" 2>&1; then
    fail "dpkg -i succeeded without the dependencies; is Depends empty?"
fi
grep -q "dependency problems" "$target/tmp/dpkg.log" || { cat "$target/tmp/dpkg.log" >&2; fail "dpkg -i failed for another reason"; }
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq --no-install-recommends >/dev/null \
    || fail "apt-get -f install did not resolve the declared dependencies"
[[ $(in_root dpkg-query -W -f='${Status} ${Version}' dubbo-inspect) == "install ok installed $version" ]] \
    || fail "dubbo-inspect $version is not installed after apt-get -f install"
echo "install (dpkg -i, apt-get -f install): $(( $(date +%s) - step )) s"

for package in libpcap0.8 libhiredis0.14 adduser; do
    in_root dpkg-query -W -f='${Status}' "$package" | grep -q "install ok installed" \
        || fail "$package was not brought in by apt-get -f install"
done
in_root /usr/bin/dubbo-inspect --version | grep -q -x "$version (commit .*)" || fail "--version in the root"
in_root sh -c 'cd /tmp && dubbo-inspect read basic.pcap --format jsonl 2>/dev/null' >"$target/tmp/basic.jsonl"
cmp -s "$target/tmp/basic.jsonl" Fixtures/basic.expected.jsonl \
    || fail "dubbo-inspect read basic.pcap in the root differs from Fixtures/basic.expected.jsonl"
account=$(in_root getent passwd dubbo-inspect) || fail "postinst did not create the dubbo-inspect user"
[[ $account == *":/nonexistent:/usr/sbin/nologin" ]] || fail "the dubbo-inspect user has a home or a shell: $account"
(( $(cut -d: -f3 <<<"$account") < 1000 )) || fail "the dubbo-inspect user is not a system user: $account"
[[ -f $target/usr/share/man/man1/dubbo-inspect.live.1.gz && -f $target/usr/lib/systemd/system/dubbo-inspect-live@.service ]] \
    || fail "man page or unit missing in the root"

echo "== dpkg --purge dubbo-inspect"
in_root dpkg --purge dubbo-inspect >/dev/null
in_root getent passwd dubbo-inspect >/dev/null && fail "purge left the dubbo-inspect user"
[[ ! -e $target/etc/default/dubbo-inspect && ! -e $target/usr/bin/dubbo-inspect ]] || fail "purge left files"

echo "debian-install-test: $suite root, $(basename "$deb") installed, read basic.pcap matches, user created and purged"
echo "debian-install-test: debootstrap $debootstrap_seconds s, everything $(( $(date +%s) - started )) s"
echo "debian-install: 1 passed, 0 failed"
