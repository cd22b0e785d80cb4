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

# The cold paths of a store next to verify of the same records (issue 19, points 2, 3 and 5),
# ROUNDS rounds, each on a fresh store, medians: bundle import of the bundle into a new store
# (verifies, then writes), the first list after it (derives every summary) against `git ls-tree
# -r HEAD`, check of the store (keys from --trust), and bundle create of all its claims, each
# against claimtrail verify of the bundle, all with the default threads (every core).
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
now() { echo "${EPOCHREALTIME/./}"; }
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timed() { local t0; t0=$(now); "$@" >/dev/null; echo $(($(now) - t0)); }
B=$WORK/bench.bundle PUB=$WORK/bench.key.pub
: > "$WORK/t.verify"; : > "$WORK/t.import"; : > "$WORK/t.list"; : > "$WORK/t.lstree"
: > "$WORK/t.check"; : > "$WORK/t.create"
for r in $(seq 1 "${ROUNDS:-3}"); do
	s=$WORK/store-$r
	git init -q -b main "$s"
	"$CT" -C "$s" init --key "$WORK/bench.key" >/dev/null
	timed "$CT" verify "$B" --trust "$PUB" >> "$WORK/t.verify"
	timed "$CT" -C "$s" bundle import "$B" --trust "$PUB" >> "$WORK/t.import"
	timed "$CT" -C "$s" list >> "$WORK/t.list"
	timed git -C "$s" ls-tree -r HEAD >> "$WORK/t.lstree"
	timed "$CT" -C "$s" check --trust "$PUB" >> "$WORK/t.check"
	timed "$CT" -C "$s" bundle create -o "$WORK/out-$r.bundle" --all --key "$WORK/bench.key" \
		>> "$WORK/t.create"
	[ "$r" = 1 ] || rm -rf "$s" "$WORK/out-$r.bundle"
done
v=$(med < "$WORK/t.verify")
row() { # name, claimtrail us, baseline us, baseline name, target
	printf '%-40s %9.3f s %9.3f s  %5.2fx %-28s %s\n' "$1" "$(awk -v u="$2" 'BEGIN { print u / 1e6 }')" \
		"$(awk -v u="$3" 'BEGIN { print u / 1e6 }')" "$(awk -v a="$2" -v b="$3" 'BEGIN { print a / b }')" \
		"$4" "$5"
}
echo
echo "cold paths, medians of ${ROUNDS:-3} rounds (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
row "bundle import into a new store" "$(med < "$WORK/t.import")" "$v" "(verify of the bundle)" "target <= 1.5x"
row "bundle create --all" "$(med < "$WORK/t.create")" "$v" "(verify of the bundle)" "target <= 1.5x"
row "check of the imported store" "$(med < "$WORK/t.check")" "$v" "(verify of the bundle)" "target <= 1.2x"
row "first list after the import" "$(med < "$WORK/t.list")" "$(med < "$WORK/t.lstree")" "(git ls-tree -r HEAD)" "target <= 4x and < 1 s"
