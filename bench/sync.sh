#!/usr/bin/env bash
# Sync benchmark (issue 14): claimtrail pull of N new signed claims from a remote (fetch into
# quarantine, verify every new record against the trust list, merge commit through the store's
# write transaction) against `git fetch && git merge` of the same commits in an identical clone.
# Target: at most 2x.
#   bench/sync.sh [CLAIMS]        default 10,000; ROUNDS=3 rounds, medians reported
# Needs a build in build/ (or BUILD=folder).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "${BUILD:-build}")
CT=$BUILD/src/cli/claimtrail
[ -x "$CT" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 2; }
N=${1:-10000}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export SOURCE_DATE_EPOCH=1700000000

"$CT" key generate --unencrypted --name alice -o alice.key >/dev/null
"$CT" key generate --unencrypted --name bob -o bob.key >/dev/null
git init -q --bare -b main hub.git
git init -q -b main a
(cd a && CLAIMTRAIL_KEY=$WORK/alice.key "$CT" init >/dev/null &&
	CLAIMTRAIL_KEY=$WORK/alice.key "$CT" source add --id s --title T --publisher P >/dev/null &&
	git remote add origin ../hub.git && "$CT" push >/dev/null)
git clone -q hub.git b
(cd b && "$CT" trust add ../alice.key.pub >/dev/null && "$CT" trust add ../bob.key.pub >/dev/null &&
	CLAIMTRAIL_KEY=$WORK/bob.key "$CT" claim add --id bob-local --statement "Local." --source s \
		>/dev/null)
# N new signed claims on the remote, one import commit
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":\"bench-%d\",\"statement\":\"Benchmark claim number %d.\",\"attribution\":{\"source\":\"s\"}}\n", i, i }' \
	>claims.jsonl
(cd a && CLAIMTRAIL_KEY=$WORK/alice.key "$CT" import "$WORK/claims.jsonl" >/dev/null)
(cd a && "$CT" push >/dev/null)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# timed FILE CMD...: appends "<real> <user+sys>" of CMD (its children included) to FILE
timed() {
	local out=$1 t
	shift
	t=$({ TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)
	echo "$t" | awk '{ printf "%s %.3f\n", $1, $2 + $3 }' >>"$out"
}
: >ct.times
: >git.times
# Every round's clones are made before the first is timed, and none is removed until the end:
# ext4 skips the inodes freed in the last minute or so when it makes a file, by reading each one's
# inode table block, so a command that ran just after `rm -rf` of the previous round's 2 x N
# files paid most of that scan (up to 3x its system time at 3,000 claims) and the other little.
# The two commands take turns going first, for the same reason.
for r in $(seq 1 "$ROUNDS"); do
	cp -a b "c$r" && cp -a b "g$r"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		timed ct.times "$CT" -C "c$r" pull
		timed git.times sh -c "cd g$r && git fetch -q origin && git merge -q --no-edit origin/main"
	else
		timed git.times sh -c "cd g$r && git fetch -q origin && git merge -q --no-edit origin/main"
		timed ct.times "$CT" -C "c$r" pull
	fi
	# the same store either way
	[ "$(git -C "c$r" rev-parse 'HEAD^{tree}')" = "$(git -C "g$r" rev-parse 'HEAD^{tree}')" ] ||
		echo "warning: round $r: the two merges have different trees" >&2
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
ct=$(cut -d' ' -f1 ct.times | median) ctc=$(cut -d' ' -f2 ct.times | median)
gt=$(cut -d' ' -f1 git.times | median) gtc=$(cut -d' ' -f2 git.times | median)
printf 'pull of %d new signed claims (median of %d rounds)\n' "$N" "$ROUNDS"
printf '  claimtrail pull:             %7.3f s elapsed, %7.3f s CPU\n' "$ct" "$ctc"
printf '  git fetch && git merge:      %7.3f s elapsed, %7.3f s CPU\n' "$gt" "$gtc"
printf '  ratio: %.2f elapsed, %.2f CPU (target <= 2; on a loaded machine the CPU ratio is the one to read)\n' \
	"$(echo "$ct / $gt" | bc -l)" "$(echo "$ctc / $gtc" | bc -l)"
