#!/usr/bin/env bash
# Crash test, long form: TRIALS trials (default 1000) of tests/cli/crashlib.sh. It goes through
# every fault point (tests/faultinject.c: rename, link, unlink, mkdir, file creation, fsync,
# flock) of four writes (claim add, claim revise, annotate, import), killing the write there,
# then through the same points failing the call instead, then kills at random moments, in turn,
# until TRIALS trials are done; after each, a person runs `git commit -a` or `git add` +
# `git commit` (alternately). Prints the counts; exits 1 when a record was lost or hidden or
# anything else was found.
#   bench/crash.sh [TRIALS]
# Needs a build in build/ (or CLAIMTRAIL and FAULTLIB naming the command and the library).
set -u
TRIALS=${1:-1000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CT=${CLAIMTRAIL:-$ROOT/build/src/cli/claimtrail}
FAULTLIB=${FAULTLIB:-$ROOT/build/tests/libfaultinject.so}
[ -x "$CT" ] && [ -e "$FAULTLIB" ] || { echo "build first: scripts/test" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-crash.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
cd "$WORK" || exit 2
. "$ROOT/tests/cli/crashlib.sh"
"$CT" key generate --unencrypted -o k.key >/dev/null || exit 2
export CLAIMTRAIL_KEY=$WORK/k.key
crash_setup || exit 2
declare -A POINTS
for kind in add revise annotate import; do POINTS[$kind]=$(crash_points "$kind"); done
echo "fault points per write: add ${POINTS[add]}, revise ${POINTS[revise]}, annotate ${POINTS[annotate]}, import ${POINTS[import]}"
done=0 round=0 kills=0 fails=0 randoms=0
person() { [ $((done % 2)) -eq 0 ] && echo commit-a || echo commit; }
while [ "$done" -lt "$TRIALS" ]; do
	round=$((round + 1))
	for kind in add revise annotate import; do
		for i in $(seq 1 "${POINTS[$kind]}"); do
			[ "$done" -lt "$TRIALS" ] || break 2
			case $((round % 3)) in
			1) crash_trial "$kind" "kill:$i" "$(person)"; kills=$((kills + 1)) ;;
			2) crash_trial "$kind" "fail:$i" "$(person)"; fails=$((fails + 1)) ;;
			0) crash_trial "$kind" "random:$((RANDOM % 80 + 1))" "$(person)"; randoms=$((randoms + 1)) ;;
			esac
			done=$((done + 1))
		done
	done
done
echo "trials: $kills kills at a fault point, $fails injected failures, $randoms random kills"
crash_report
