#!/usr/bin/env bash
# The first log after a clone (issue 19, point 1) on its own, at any size: a store of N one-claim
# commits as claimtrail writes them (bench/genstore: signed records, trailers), cloned fresh each
# round (--no-local: the pack a fetch would make, no cache of ours); the first `claimtrail log`
# (which builds the commit journal from history) against `git log --name-only` of the same clone,
# in wall and user+sys CPU time, with the journal checked against git's account of each commit.
#   bench/firstlog.sh [N...]      default 100000; ROUNDS=3 rounds, medians reported
# Targets: at most 0.5x git log --name-only at any size, and at most 2 s at 100,000 commits.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "${BUILD:-build}")
CT=$BUILD/src/cli/claimtrail
GEN=$BUILD/bench/genstore
[ -x "$CT" ] && [ -x "$GEN" ] || { echo "build first: scripts/demo" >&2; exit 2; }
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$CT" key generate --unencrypted -o "$WORK/bench.key" --name Bench >/dev/null

med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# measure FILE CMD...: "<wall us> <user+sys us>" of CMD to FILE
measure() {
	local f=$1 t0 t1; shift
	t0=${EPOCHREALTIME/./}
	/usr/bin/time -f '%U %S' -o "$WORK/cpu" "$@" >/dev/null
	t1=${EPOCHREALTIME/./}
	awk -v w=$((t1 - t0)) '{ printf "%d %d\n", w, ($1 + $2) * 1e6 }' "$WORK/cpu" >> "$f"
}
for n in "${SIZES[@]}"; do
	s=$WORK/store-$n
	git init -q -b main "$s"
	"$GEN" stream "$n" "$WORK/bench.key" | git -C "$s" fast-import --quiet
	: > "$WORK/ct" ; : > "$WORK/git"
	echo "first log after a clone of $n commits (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
	for r in $(seq 1 "${ROUNDS:-3}"); do
		c=$WORK/clone-$n-$r
		git clone -q --no-local --no-checkout "$s" "$c"
		git -C "$c" checkout -q main
		# the two take turns going first
		if [ $((r % 2)) -eq 1 ]; then
			measure "$WORK/ct" "$CT" -C "$c" log bench-claim-report-2
			measure "$WORK/git" git -C "$c" log --name-only
		else
			measure "$WORK/git" git -C "$c" log --name-only
			measure "$WORK/ct" "$CT" -C "$c" log bench-claim-report-2
		fi
		# the journal says what git says each commit wrote (one line a commit here)
		if ! cmp -s <(cut -d' ' -f1,3 "$c"/.git/claimtrail/journal2.* | sort) \
			<(git -C "$c" log --format='C %H' --name-only -- claims |
				awk '$1 == "C" { c = $2; next } NF { print c, $1 }' | sort); then
			echo "  round $r: the journal differs from git log --name-only" >&2
			exit 1
		fi
		rm -rf "$c"
	done
	cw=$(cut -d' ' -f1 "$WORK/ct" | med) cc=$(cut -d' ' -f2 "$WORK/ct" | med)
	gw=$(cut -d' ' -f1 "$WORK/git" | med) gc=$(cut -d' ' -f2 "$WORK/git" | med)
	awk -v cw="$cw" -v cc="$cc" -v gw="$gw" -v gc="$gc" -v n="$n" 'BEGIN {
		printf "  claimtrail log (builds the journal): %8.3f s wall %8.3f s CPU\n", cw / 1e6, cc / 1e6
		printf "  git log --name-only:                 %8.3f s wall %8.3f s CPU\n", gw / 1e6, gc / 1e6
		printf "  ratio: %.2fx wall, %.2fx CPU (target <= 0.5x)%s\n", cw / gw, cc / gc,
			(n >= 100000 ? sprintf("; %.2f s wall against 2 s", cw / 1e6) : "")
	}'
	echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
	rm -rf "$s"
done
