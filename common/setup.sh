#!/usr/bin/env bash
# Install the Debian packages listed in common/packages.txt that are missing.
# Quiet when nothing is missing, so `make run` and `make test` can call it every time.
# Where it cannot install (no apt-get, not root and no sudo, apt fails), it stops with one
# line naming the packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list="$here/packages.txt"

# One dpkg-query for the whole list (it reads dpkg's database each time it runs, and this
# script runs before every make target that uses the tools).
pkgs=()
while read -r pkg _cmd _why; do
    case "$pkg" in ''|'#'*) continue ;; esac
    pkgs+=("$pkg")
done < "$list"
installed=" $(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${pkgs[@]}" 2>/dev/null \
    | awk '$1 == "installed" { printf "%s ", $2 }' || true)"

missing=()
reasons=()
while read -r pkg _cmd why; do
    case "$pkg" in ''|'#'*) continue ;; esac
    if [[ "$installed" != *" $pkg "* ]]; then
        missing+=("$pkg")
        reasons+=("  $pkg: $why")
    fi
done < "$list"

[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing missing Debian packages: ${missing[*]}"
printf '%s\n' "${reasons[@]}"

fail() {
    echo "setup: cannot install packages ($1); install them yourself: sudo apt-get install ${missing[*]}" >&2
    exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    fail "not root and sudo not found"
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null || fail "apt-get update failed"
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install failed"
echo "setup: done"
