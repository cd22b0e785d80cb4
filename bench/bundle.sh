#!/usr/bin/env bash
# Bundle benchmark (the signed claim bundles issue): verify of an N-claim bundle (default
# 100,000) against a plain C loop of crypto_sign_verify_detached over the same messages on one
# core, on 1 and 2 threads, with the peak RSS of verify, and minisign -V per file over a sample.
#   bench/bundle.sh [CLAIMS [MINISIGN_SAMPLE]]     ROUNDS=3 rounds, medians reported
# Needs a build in build/ (or BUILD=folder) and, for the minisign figure, minisign. Figure (e),
# the fast path (src/lib/crypto/ed25519.c), is measured only by a build with -Ded25519_tables=true.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "${BUILD:-build}")
CT=$BUILD/src/cli/claimtrail
BENCH=$BUILD/bench/bench_bundle_verify
[ -x "$CT" ] && [ -x "$BENCH" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$BENCH" --claimtrail "$CT" --claims "${1:-100000}" --minisign "${2:-1000}" --rounds "${ROUNDS:-3}" \
	--dir "$WORK"
