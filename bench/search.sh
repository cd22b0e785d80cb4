#!/usr/bin/env bash
# Search benchmark (issue 16, point 3): `claimtrail search` on a generated store, cold (the first
# search builds the index in the git directory), after one new claim (the index brought up to
# date), and warm, each against a named baseline measured in this run on the same repository:
# `git grep -c -i -w WORD main -- claims` (the same words, unranked, over every stored revision).
#   bench/search.sh [N]      default N: 100000 claims
# Needs a build in build/ (scripts/demo or scripts/test make one) and git. Target: warm < 50 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CT=$ROOT/build/src/cli/claimtrail
GEN=$ROOT/build/bench/genstore
FLOOR=$ROOT/build/bench/git2floor
[ -x "$CT" ] && [ -x "$GEN" ] && [ -x "$FLOOR" ] || { echo "build first: scripts/demo" >&2; exit 2; }
N=${1:-100000}
REPS=${REPS:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
"$CT" key generate --unencrypted -o "$WORK/bench.key" --name Bench >/dev/null
export CLAIMTRAIL_KEY=$WORK/bench.key

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
ms() { awk -v us="$1" -v n="$2" 'BEGIN { printf "%.2f", us / n / 1000 }'; }

# a bare repository whose store has N claims, one claimtrail-style commit each (genstore)
d=$WORK/store.git
git init -q --bare -b main "$d"
t0=$(now)
"$GEN" stream "$N" "$WORK/bench.key" | git -C "$d" fast-import --quiet
t1=$(now)
echo "store: $N claims, $(git -C "$d" rev-list --count main) commits, made in $(ms $((t1 - t0)) 1) ms"

# the words: in every claim (statement and unit), in a tenth (a topic), in one, in none
QUERIES=("people counted" "embassy" "airport 1238" "zeppelin")
index() { ls "$d"/claimtrail/search.*.sqlite 2>/dev/null; }

printf '%-40s %12s %12s %10s\n' "benchmark" "claimtrail" "baseline" "speedup"
t0=$(now); "$CT" -C "$d" search embassy >/dev/null; t1=$(now)
printf '%-40s %10s ms %12s  index %s MB\n' "cold: first search builds the index" "$(ms $((t1 - t0)) 1)" \
	"(once)" "$(du -m "$(index)" | cut -f1)"
"$CT" -C "$d" claim add --id bench-added --statement "An embassy claim added after indexing." \
	--source bench-source >/dev/null
t0=$(now); out=$("$CT" -C "$d" search embassy added); t1=$(now)
case "$out" in *bench-added*) found=found ;; *) found="NOT FOUND" ;; esac
printf '%-40s %10s ms %12s  (new claim %s)\n' "after one new claim: index brought up" "$(ms $((t1 - t0)) 1)" \
	"(once)" "$found"

for q in "${QUERIES[@]}"; do
	hits=$("$CT" -C "$d" search -n 1000000 "$q" | grep -c '^claim ' || true)
	t0=$(now)
	for i in $(seq 1 "$REPS"); do "$CT" -C "$d" search "$q" >/dev/null 2>&1; done
	t1=$(now)
	# baseline: git grep for the same words (each must occur: one -e per word, --all-match)
	args=(); for w in $q; do args+=(-e "$w"); done
	for i in 1 2 3; do git -C "$d" grep -c -i -w --all-match "${args[@]}" main -- claims >/dev/null || true; done
	t2=$(now)
	a=$((t1 - t0)); g=$((t2 - t1))
	printf '%-40s %10s ms %10s ms %10s\n' "warm: search '$q' ($hits hits)" "$(ms $a "$REPS")" \
		"$(ms $g 3)" "$(awk -v a="$a" -v g="$g" -v r="$REPS" 'BEGIN { printf "%.0fx", (g / 3) / (a / r) }')"
done
t0=$(now); for i in $(seq 1 "$REPS"); do "$FLOOR"; done; t1=$(now)
printf '%-40s %10s ms   (any libgit2 command pays it)\n' "  floor: a process that inits libgit2" "$(ms $((t1 - t0)) "$REPS")"
t0=$(now); "$CT" -C "$d" list --grep embassy >/dev/null; t1=$(now)
printf '%-40s %10s ms %12s\n' "first list --grep: builds the summaries" "$(ms $((t1 - t0)) 1)" "(once)"
t0=$(now); for i in 1 2 3; do "$CT" -C "$d" list --grep embassy >/dev/null; done; t1=$(now)
printf '%-40s %10s ms\n' "list --grep embassy (summaries cached)" "$(ms $((t1 - t0)) 3)"
echo "target: warm search < 50 ms at 100,000 claims"
