#!/usr/bin/env bash
# Store benchmarks (the git-backed claim store issue). Prints each figure and its ratio to the
# named git baseline, measured in this run on the same generated repositories.
#   bench/store.sh [SIZES...]      default sizes: 1000 10000 100000
# Needs a build in build/ (scripts/demo or scripts/test make one; or BUILD=folder) and git.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "${BUILD:-build}")
CT=$BUILD/src/cli/claimtrail
GEN=$BUILD/bench/genstore
FLOOR=$BUILD/bench/git2floor
[ -x "$CT" ] && [ -x "$GEN" ] && [ -x "$FLOOR" ] || { echo "build first: scripts/demo" >&2; exit 2; }
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
REPS=${REPS:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
"$CT" key generate --unencrypted -o "$WORK/bench.key" --name Bench >/dev/null
export CLAIMTRAIL_KEY=$WORK/bench.key

now() { echo "${EPOCHREALTIME/./}"; }              # microseconds
ms() { awk -v us="$1" -v n="$2" 'BEGIN { printf "%.2f", us / n / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

# make_store DIR N: a repository whose store has N claims, one commit each
make_store() {
	git init -q -b main "$1"
	"$GEN" stream "$2" "$WORK/bench.key" | git -C "$1" fast-import --quiet
	git -C "$1" checkout -q main
	echo "notes" > "$1/notes.txt"; git -C "$1" add notes.txt; git -C "$1" commit -qm notes
	# files checked out in the second the index was written are "racily clean" and hashed
	# again by whichever command next refreshes the index: settle that once, before any timing
	sleep 1; git -C "$1" update-index -q --really-refresh; git -C "$1" status -s >/dev/null
}

printf '%-34s %12s %12s %10s\n' "benchmark" "claimtrail" "baseline" "speedup"
for n in "${SIZES[@]}"; do
	d=$WORK/store-$n
	make_store "$d" "$n"
	"$CT" -C "$d" list >/dev/null   # warm the commit journal once (first read after a clone)

	# add: claimtrail claim add vs git add <file> && git commit, same repository
	t0=$(now)
	for i in $(seq 1 "$REPS"); do
		"$CT" -C "$d" claim add --statement "Benchmark claim $i" --source bench-source --id "added-$i" >/dev/null
	done
	t1=$(now)
	for i in $(seq 1 "$REPS"); do
		echo "$i" >> "$d/notes.txt"
		git -C "$d" add notes.txt && git -C "$d" commit -qm "note $i"
	done
	t2=$(now)
	a=$(( (t1 - t0) )); g=$(( (t2 - t1) ))
	printf '%-34s %10s ms %10s ms %10s\n' "add, $n claims (command)" "$(ms $a $REPS)" "$(ms $g $REPS)" "$(ratio $g $a)"
	# the floor under any command built on Debian's libgit2: a process that only initialises it
	t0=$(now); for i in $(seq 1 "$REPS"); do "$FLOOR"; done; t1=$(now)
	printf '%-34s %10s ms   (4x the baseline needs <= %s ms)\n' "  floor: libgit2 init alone" \
		"$(ms $((t1 - t0)) $REPS)" "$(awk -v g="$g" -v r="$REPS" 'BEGIN { printf "%.2f", g / r / 4000 }')"
	# the same through the library in one process: no start-up (libgit2's init alone loads the
	# system's CA bundle, about 8 ms, in every claimtrail process)
	lib=$("$BUILD/bench/storebench" "$d" "$WORK/bench.key" "$REPS" bench-claim-report-2 add)
	lib_us=$(awk -v ms="${lib#add }" 'BEGIN { printf "%d", ms * 1000 }')
	printf '%-34s %10s ms %10s ms %10s\n' "add, $n claims (library)" "$(ms $lib_us 1)" "$(ms $g $REPS)" \
		"$(awk -v a="$lib_us" -v g="$g" -v r="$REPS" 'BEGIN { printf "%.1fx", (g / r) / a }')"
done

# add over a run: a store written only by claimtrail must not slow down as writes accumulate
# (each write's pack is merged with the other small ones: docs/store.md, "Objects and git gc")
d=$WORK/store-${SIZES[0]}
RUN=${RUN:-$((REPS * 10))}
: > "$WORK/adds"
for i in $(seq 1 "$RUN"); do
	t0=$(now)
	"$CT" -C "$d" claim add --statement "Run claim $i" --source bench-source --id "run-$i" >/dev/null
	echo $(($(now) - t0)) >> "$WORK/adds"
done
first=$(head -n "$REPS" "$WORK/adds" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
last=$(tail -n "$REPS" "$WORK/adds" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf '%-34s %10s ms %10s ms %10s   (%s packs after)\n' "add: last $REPS of $RUN vs first" \
	"$(ms "$last" 1)" "$(ms "$first" 1)" "$(awk -v a="$last" -v b="$first" 'BEGIN { printf "%.2fx", a / b }')" \
	"$(ls "$d/.git/objects/pack/"*.pack | wc -l)"

n=${SIZES[-1]}
# the first log after a clone builds the commit journal from history (docs/store.md)
t0=$(now); "$CT" -C "$WORK/store-$n" log bench-claim-report-2 >/dev/null; t1=$(now)
printf '%-34s %10s ms %12s\n' "first log: journal of $n commits" "$(ms $((t1 - t0)) 1)" "(once)"
# the cold paths after a clone (issue 19, points 1 and 2): a fresh clone (--no-local: the pack
# a fetch would make) carries no cache; each first command against its named git baseline on
# the same clone, in fresh clones each round (ROUNDS, default 3), medians
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timed() { local t0; t0=$(now); "$@" >/dev/null; echo $(($(now) - t0)); }
# the first list also in user+sys CPU time (microseconds, to CPUFILE), which the load leaves alone
timed_cpu() {
	local t0 t1; t0=$(now)
	/usr/bin/time -f '%U %S' -o "$WORK/cpu" "$@" >/dev/null; t1=$(now)
	awk '{ printf "%d\n", ($1 + $2) * 1e6 }' "$WORK/cpu" >> "$CPUFILE"; echo $((t1 - t0))
}
: > "$WORK/t.log"; : > "$WORK/t.gitlog"; : > "$WORK/t.check"; : > "$WORK/t.list"; : > "$WORK/t.lstree"
: > "$WORK/c.list"; : > "$WORK/t.sig"; : > "$WORK/c.sig"
# cputimed FILE CMD...: the wall time (us) to stdout and the command's user+sys CPU (us) to
# FILE (the first log runs on every core, and the machine is shared: CPU is the steadier figure)
cputimed() {
	local f=$1 t0 t1; shift
	t0=$(now)
	( "$@" >/dev/null; times ) | tail -n 1 | awk '{ us = 0; for (i = 1; i <= 2; i++) {
		split($i, p, "m"); sub("s", "", p[2]); us += (p[1] * 60 + p[2]) * 1000000 }
		printf "%d\n", us }' >> "$f"
	t1=$(now); echo $((t1 - t0))
}
: > "$WORK/t.log"; : > "$WORK/t.gitlog"; : > "$WORK/t.check"; : > "$WORK/t.list"; : > "$WORK/t.lstree"
: > "$WORK/c.log"; : > "$WORK/c.gitlog"
for r in $(seq 1 "${ROUNDS:-3}"); do
	c=$WORK/clone-$r
	git clone -q --no-local "$WORK/store-$n" "$c"
	cputimed "$WORK/c.log" "$CT" -C "$c" log bench-claim-report-2 >> "$WORK/t.log"
	cputimed "$WORK/c.gitlog" git -C "$c" log --name-only >> "$WORK/t.gitlog"
	rm -rf "$c/.git/claimtrail"
	timed "$CT" -C "$c" check >> "$WORK/t.check"
	rm -rf "$c/.git/claimtrail"
	CPUFILE=$WORK/c.list timed_cpu "$CT" -C "$c" list >> "$WORK/t.list"
	timed git -C "$c" ls-tree -r HEAD >> "$WORK/t.lstree"
	# the floor under that list: checking every claim's signature alone, on 2 threads (the
	# bare crypto_sign_verify_detached loop of bench/bundle_verify.c, over the same claims)
	"$BUILD/bench/storebench" "$WORK/store-$n" "$WORK/bench.key" 1 - sigloop > "$WORK/sig"
	awk '{ printf "%d\n", $2 * 1000 }' "$WORK/sig" >> "$WORK/t.sig"
	awk '{ printf "%d\n", $3 * 1000 }' "$WORK/sig" >> "$WORK/c.sig"
	rm -rf "$c"
done
cold() { # name, claimtrail us, baseline us, baseline, target
	printf '%-34s %10s ms %10s ms %9s   %s %s\n' "$1" "$(ms "$2" 1)" "$(ms "$3" 1)" \
		"$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2fx", a / b }')" "$4" "$5"
}
echo "cold, after a clone of $n commits (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
cold "  first log" "$(med < "$WORK/t.log")" "$(med < "$WORK/t.gitlog")" "(git log --name-only)" \
	"target <= 0.5x"
cold "  first log, user+sys CPU" "$(med < "$WORK/c.log")" "$(med < "$WORK/c.gitlog")" \
	"(git log --name-only)" "target <= 0.5x (wall)"
cold "  first check" "$(med < "$WORK/t.check")" "$(med < "$WORK/t.gitlog")" "(git log --name-only)" \
	"(check vs verify: bench/bundle.sh)"
cold "  first list" "$(med < "$WORK/t.list")" "$(med < "$WORK/t.lstree")" "(git ls-tree -r HEAD)" \
	"target <= 4x and < 1 s"
cold "  floor: Ed25519 alone, 2 threads" "$(med < "$WORK/t.sig")" "$(med < "$WORK/t.lstree")" \
	"(git ls-tree -r HEAD)" "(every claim's signature, nothing else)"
cold "  first list, user+sys CPU" "$(med < "$WORK/c.list")" "$(med < "$WORK/c.sig")" \
	"(the floor's CPU)" "first list $(awk -v a="$(med < "$WORK/t.list")" -v b="$(med < "$WORK/t.sig")" \
	'BEGIN { printf "%.2fx", a / b }') the floor in wall time"
echo "library, in process, $n claims: $("$BUILD/bench/storebench" "$WORK/store-$n" "$WORK/bench.key" "$REPS" bench-claim-report-2 log list | tr '\n' ' ')(ms each)"

# log, list: on the largest store (one commit per claim)
n=${SIZES[-1]}
d=$WORK/store-$n
id=bench-claim-report-2          # written by the third commit: git must walk all of history
path=$(git -C "$d" ls-files "claims/claim/*/$id/r0001.json")
"$CT" -C "$d" log "$id" >/dev/null
t0=$(now); for i in $(seq 1 "$REPS"); do "$CT" -C "$d" log "$id" >/dev/null; done; t1=$(now)
for i in $(seq 1 3); do git -C "$d" log --format=%H -- "$path" >/dev/null; done; t2=$(now)
a=$((t1 - t0)); g=$((t2 - t1))
printf '%-34s %10s ms %10s ms %10s\n' "log, $n commits (git log)" "$(ms $a $REPS)" "$(ms $g 3)" \
	"$(awk -v a="$a" -v g="$g" -v r="$REPS" 'BEGIN { printf "%.1fx", (g / 3) / (a / r) }')"
git -C "$d" commit-graph write --reachable --changed-paths 2>/dev/null
t1=$(now); for i in $(seq 1 "$REPS"); do git -C "$d" log --format=%H -- "$path" >/dev/null; done; t2=$(now)
g=$((t2 - t1))
printf '%-34s %10s ms %10s ms %10s\n' "log, $n commits (changed-paths)" "$(ms $a $REPS)" "$(ms $g $REPS)" "$(ratio $g $a)"
t0=$(now); for i in 1 2 3; do "$CT" -C "$d" list >/dev/null; done; t1=$(now)
printf '%-34s %10s ms %12s %10s\n' "list, $((n + REPS)) claims" "$(ms $((t1 - t0)) 3)" "(target)" "< 1000 ms"

# import: claimtrail import (parse, check, sign, commit) vs git fast-import of the same files
"$GEN" jsonl "$n" > "$WORK/claims.jsonl"
"$GEN" files "$n" "$WORK/bench.key" > "$WORK/files.fi"
git init -q -b main "$WORK/imp"; "$GEN" stream 0 "$WORK/bench.key" | git -C "$WORK/imp" fast-import --quiet
git -C "$WORK/imp" checkout -q main
git init -q -b main "$WORK/fi"
git clone -q --bare "$WORK/imp" "$WORK/imp-bare.git"
git init -q --bare "$WORK/fi.git"
# bare: both write objects and move a branch (fast-import writes no work tree either)
t0=$(now); "$CT" -C "$WORK/imp-bare.git" import "$WORK/claims.jsonl" >/dev/null; t1=$(now)
git -C "$WORK/fi.git" fast-import --quiet < "$WORK/files.fi"; t2=$(now)
a=$((t1 - t0)); g=$((t2 - t1))
printf '%-34s %10s ms %10s ms %10s\n' "import, $n claims, bare" "$(ms $a 1)" "$(ms $g 1)" "$(ratio $a $g) slower"
# with a work tree: also writes and stages every file (compare: fast-import + git checkout)
t0=$(now); "$CT" -C "$WORK/imp" import "$WORK/claims.jsonl" >/dev/null; t1=$(now)
git -C "$WORK/fi" fast-import --quiet < "$WORK/files.fi"; git -C "$WORK/fi" checkout -q -f main; t2=$(now)
a=$((t1 - t0)); g=$((t2 - t1))
printf '%-34s %10s ms %10s ms %10s\n' "import, $n, work tree (+checkout)" "$(ms $a 1)" "$(ms $g 1)" "$(ratio $a $g) slower"
# the first list after a bulk import (issue 19, point 2): the import writes the summaries of
# what it signed, so this reads them; against `git ls-tree -r HEAD` of the same repository
a=$(timed "$CT" -C "$WORK/imp" list); g=$(timed git -C "$WORK/imp" ls-tree -r HEAD)
cold "first list after the import" "$a" "$g" "(git ls-tree -r HEAD)" "target <= 4x and < 1 s"
"$CT" -C "$WORK/imp" check >/dev/null && echo "imported store: check OK"
