#!/bin/sh
# End to end: fetch verifies that the checkpoints it brings are consistent with the fetched
# history (issue 17, point 4; docs/sync.md). A desk that rewrites its history under a
# checkpoint (every commit made again) and force-pushes is caught by a clone that never fetched
# from it before, by the checkpoint alone; the branch does not move.
. "$(dirname "$0")/lib.sh"

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
C="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C c"

git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$A claim add --id c1 --statement "About 6,000 fighters moved." --source report >/dev/null || exit 99
expect_status 0 $A checkpoint
git -C a remote add origin ../hub.git
expect_status 0 $A push

# a clone with its own store fetches: the checkpoint is consistent with what it fetched
for d in b c; do
	git init -q -b main $d || exit 99
	env CLAIMTRAIL_KEY=$TMP/bob.key "$CT" -C $d init >/dev/null || exit 99
	env CLAIMTRAIL_KEY=$TMP/bob.key "$CT" -C $d trust add "$TMP/alice.key.pub" >/dev/null || exit 99
	git -C $d remote add origin ../hub.git
done
expect_status 0 $B fetch
contains "$OUT" "0 problems"
expect_status 0 $B pull
expect_status 0 $B check

# alice's history is made again, every commit with another message: the checkpoint's file is
# unchanged, but the commit it names is no longer in the history
FILTER_BRANCH_SQUELCH_WARNING=1 git -C a filter-branch -f --msg-filter 'sed "s/^/re: /"' main \
	>/dev/null 2>&1 || exit 99
git -C a push -q -f origin main 2>/dev/null || exit 99
H=$(git -C c rev-parse HEAD)
expect_status 1 $C fetch
contains "$OUT$ERR" "checkpoint"
contains "$OUT$ERR" "(a rewritten"
expect_status 1 $C pull
[ "$(git -C c rev-parse HEAD)" = "$H" ] && ok || fail "c's branch moved"

# ---- pull --only-trusted leaves the checkpoints of history it does not merge in quarantine ----
# d trusts alice and bob, not mallory. Bob checkpoints (naming a commit d will have), then a
# claim of his and one of mallory's land, then a second checkpoint names that commit, which a
# partial merge does not bring into d's history: taking it would make d's `check` fail.
"$CT" key generate --unencrypted --name mallory -o mallory.key >/dev/null || exit 99
D="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C d"
git init -q --bare -b main hub2.git || exit 99
git clone -q hub2.git d 2>/dev/null || exit 99
$D init >/dev/null || exit 99
$D source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$D push >/dev/null || exit 99
git clone -q hub2.git e || exit 99
E="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C e"
$E trust add "$TMP/alice.key.pub" >/dev/null || exit 99
$D trust add "$TMP/bob.key.pub" >/dev/null || exit 99
expect_status 0 $E checkpoint
first=$(ls e/claims/checkpoint/)
expect_status 0 $E claim add --id c2 --statement "Bob's claim." --source report
expect_status 0 env CLAIMTRAIL_KEY=$TMP/mallory.key "$CT" -C e claim add --id planted --statement "Planted." --source report
expect_status 0 $E checkpoint
expect_status 0 $E push
expect_status 0 $D pull --only-trusted
contains "$OUT$ERR" "which --only-trusted does not merge"
contains "$OUT" "3 records left in quarantine"
[ -e "d/claims/checkpoint/$first" ] && ok || fail "the checkpoint of d's own history was not taken"
[ "$(ls d/claims/checkpoint/ | wc -l)" -eq 1 ] && ok || fail "a checkpoint of unmerged history was taken: $(ls d/claims/checkpoint/)"
[ -n "$(ls d/claims/claim/*/c2/r0001.json 2>/dev/null)" ] && ok || fail "bob's claim was not merged"
expect_status 0 $D check
contains "$OUT" "OK"

# ---- ... and the records that only such a checkpoint vouched for stay out with it ----
# Bob's claim is vouched for by a checkpoint alice signed on e, naming e's commit; then bob's key
# is revoked as compromised since a later time. A partial merge leaves that checkpoint out, so
# the claim, signed by a revoked key and vouched for by nothing on d's branch, must stay out too.
git init -q --bare -b main hub3.git || exit 99
git clone -q hub3.git f 2>/dev/null || exit 99
F="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C f"
$F init >/dev/null || exit 99
$F source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$F push >/dev/null || exit 99
$F trust add "$TMP/bob.key.pub" >/dev/null || exit 99
git clone -q hub3.git g || exit 99
G="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C g"
$G trust add "$TMP/alice.key.pub" >/dev/null || exit 99
bob=$("$CT" key show "$TMP/bob.key" | awk '/^key-id:/ { print $2 }')
expect_status 0 $G claim add --id vouched --statement "Bob's claim before the loss." --source report
expect_status 0 $G checkpoint --key "$TMP/alice.key"
sleep 1.1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.1
expect_status 0 $G key revoke "$bob" --reason "laptop lost" --compromised-since "$since"
expect_status 0 env CLAIMTRAIL_KEY=$TMP/mallory.key "$CT" -C g claim add --id planted2 --statement "Planted." --source report
expect_status 0 $G push
expect_status 0 $F pull --only-trusted
contains "$OUT$ERR" "claim vouched: signed by 0 trusted keys"
contains "$OUT$ERR" "is revoked"
[ -z "$(ls f/claims/claim/*/vouched 2>/dev/null)" ] && ok || fail "a claim vouched for only by a quarantined checkpoint was merged"
expect_status 0 $F check
contains "$OUT" "OK"
finish
