#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine (run as root), only when missing.
set -euo pipefail

# `--libraries` first: also the -dev packages of every system library target, as Package.swift names them
# (`providers: [.apt([...])]`), so a new linked library is installed wherever the package is built.
if [[ ${1:-} == --libraries ]]; then
    shift
    mapfile -t library_packages < <(grep -o '\.apt(\[[^]]*\])' Package.swift | grep -o '"[^"]*"' | tr -d '"')
    set -- "${library_packages[@]}" "$@"
fi

need_packages=()
have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for package in "$@"; do
    have_package "$package" || need_packages+=("$package")
done

if [ ${#need_packages[@]} -gt 0 ]; then
    echo "setup: installing ${need_packages[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH"
    done
fi
command -v swift >/dev/null 2>&1 || { echo "setup: no Swift toolchain on PATH (Swift 6.3 is required)" >&2; exit 1; }
