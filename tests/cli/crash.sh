#!/usr/bin/env bash
# Writes killed at their fault points (tests/faultinject.c: every rename, link, unlink, mkdir,
# file creation, fsync and flock), failed at some, and killed at random moments, each followed
# by a person's `git commit -a` or `git add` + `git commit`: no record that was committed is lost
# or hidden, nothing is left behind once the next command ran, fsck and check pass, the next
# write works. A sample of the points; bench/crash.sh N runs them all, N trials.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/cli/crashlib.sh"
: "${FAULTLIB:?FAULTLIB must name the built tests/libfaultinject.so}"

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key
crash_setup || exit 99

n=$(crash_points add)
[ "$n" -ge 30 ] && ok || fail "only $n fault points in claim add"
for i in $(seq 1 5 "$n"); do
	crash_trial add "kill:$i" "$([ $((i % 2)) -eq 0 ] && echo commit-a || echo commit)"
done
n=$(crash_points import)
for i in $(seq 2 13 "$n"); do crash_trial import "kill:$i" commit-a; done
for i in 11 31; do crash_trial annotate "fail:$i" commit; done
for ms in 10 30; do crash_trial add "random:$ms" commit-a; done
crash_report && ok || fail "crash trials found problems"

# A ref lock that is not claimtrail's is named with the command that removes it; nothing written.
cp -a tmpl r && cd r
: >.git/refs/heads/main.lock
touch -d '1 hour ago' .git/refs/heads/main.lock
before=$(git rev-parse HEAD)
CLAIMTRAIL_LOCK_TIMEOUT=0.3 expect_status 4 $CT claim add --statement "Locked ref" --source s --id locked
contains "$ERR" "refs/heads/main.lock exists: another git command is updating refs/heads/main, or one was killed"
contains "$ERR" "rm '$PWD/.git/refs/heads/main.lock'"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$before" ] && ok || fail "a write with the ref locked moved it"
[ -e .git/index.lock ] && fail "index.lock left by a failed write" || ok
rm .git/refs/heads/main.lock
expect_status 0 $CT claim add --statement "Locked ref" --source s --id locked
finish
