#!/usr/bin/env bash
# Writers killed at arbitrary points (SIGKILL) leave the old state or the new one: git fsck
# --strict stays clean, check passes, and every commit that landed is intact.
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key
mkdir repo && cd repo
$CT init >/dev/null && $CT source add --title T --publisher P --id s >/dev/null || exit 99

for round in $(seq 1 12); do
	pids=""
	for w in 1 2 3; do
		$CT claim add --statement "Claim $round $w" --source s --id "c-$round-$w" >/dev/null 2>&1 &
		pids="$pids $!"
	done
	# kill them (ours only: other tests run alongside) somewhere between start-up and done
	sleep "0.0$((RANDOM % 4))"
	kill -9 $pids 2>/dev/null
	wait 2>/dev/null
done
# a crash can leave lock or temporary files; git and claimtrail must still be usable
rm -f .git/index.lock .git/refs/heads/main.lock
git fsck --strict >/dev/null 2>&1 && ok || fail "git fsck --strict after crashes: $(git fsck --strict 2>&1 | head -3)"
landed=$(git log --format=%s | grep -c '^claim add' || true)
echo "commits that landed: $landed of 36"
for id in $(git log --format=%s | awk '/^claim add/{print $3}'); do
	$CT show "$id" >/dev/null 2>&1 && ok || fail "claim $id committed but unreadable"
done
# the work tree may lag a killed writer's commit: bring it up to date as docs/store.md says
git reset -q
git checkout -q -- . 2>/dev/null || true
expect_status 0 $CT check
expect_status 0 $CT claim add --statement "After the crashes" --source s --id after
git fsck --strict >/dev/null 2>&1 && ok || fail "fsck at the end"
finish
