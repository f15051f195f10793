# shellcheck shell=bash
# Shared helpers for the gfpscope scripts. Source it; do not run it.
#
# Sets ROOT (the repository root) and puts the repo-local tools first on PATH:
# tests/e2e/node_modules/.bin (wasm-opt from npm `binaryen`, playwright-core) and
# cargo's bin dir (trunk, wasm-bindgen, wasm-bindgen-test-runner).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_DIR="$ROOT/tests/e2e"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

# Pinned tool versions. wasm-bindgen's version is not pinned here: it is read from Cargo.lock.
TRUNK_VERSION="0.21.14"
# Node.js major version needed by playwright-core (see tests/e2e/package.json).
NODE_MIN_MAJOR=20

export PATH="$E2E_DIR/node_modules/.bin:$CARGO_BIN:$PATH"

# Browser used by the wasm tests and the e2e tests; override for a non-Debian layout.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
  _bold=$'\e[1m' _red=$'\e[31m' _green=$'\e[32m' _reset=$'\e[0m'
else
  _bold='' _red='' _green='' _reset=''
fi

# say MSG: a progress line on stderr.
say() { printf '%s==>%s %s\n' "$_bold" "$_reset" "$*" >&2; }
# ok MSG: a success line on stderr.
ok() { printf '%s ok%s %s\n' "$_green" "$_reset" "$*" >&2; }
# die MSG...: print an error (each argument on its own line) and exit 1.
die() {
  printf '%serror:%s %s\n' "$_red" "$_reset" "$1" >&2
  shift
  local line
  for line in "$@"; do printf '       %s\n' "$line" >&2; done
  exit 1
}

# have CMD: is CMD on PATH?
have() { command -v "$1" >/dev/null 2>&1; }

# wasm_bindgen_lock_version: the wasm-bindgen version recorded in Cargo.lock.
wasm_bindgen_lock_version() {
  [ -f "$ROOT/Cargo.lock" ] || die "Cargo.lock is missing in $ROOT" \
    "It is committed with the repository; restore it with: git checkout Cargo.lock"
  awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = /         { name = $3 }
    /^version = / && name == "\"wasm-bindgen\"" { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

# as_root CMD...: run CMD as root (directly, or through passwordless sudo); fail otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif have sudo && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    return 1
  fi
}

# elapsed_since START_SECONDS: "12s" or "3m04s".
elapsed_since() {
  local s=$(($(date +%s) - $1))
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}
