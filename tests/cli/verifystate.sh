#!/bin/sh
# End to end: a record edited by hand and committed with plain git. Every read command marks what
# does not verify (and never lists its signers as signers), every write refuses to build on it
# with one line naming the record and why, and nothing is written; `git revert` of the hand edit
# restores the exact bytes and `check` is clean again. `check` also reports uncommitted changes
# under the store and an unfinished merge with conflicts, instead of saying OK.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Editor" -o editor.key >/dev/null || exit 99
KEY=$("$CT" key show k.key | sed -n "s/^key-id: *//p")
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99

unchanged() {
	[ "$(git rev-parse HEAD)" = "$1" ] && ok || fail "HEAD moved after: $2"
	[ -z "$(git status --porcelain)" ] && ok || fail "work tree changed after: $2"
}

expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk"
expect_status 0 "$CT" claim add --id fighters --statement "As many as 6,000 fighters moved." \
	--source report
expect_status 0 "$CT" claim revise fighters --statement "As many as 6,500 fighters moved." \
	--reason "the report says 6,500"
expect_status 0 "$CT" dispute fighters --by "A ministry" --reason "no such movement"
DISPUTE=$OUT
expect_status 0 "$CT" check
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   yes"
contains "$OUT" "signed by:  $KEY (Fact Checker)"

# ---- the hand edit: revision 2's statement changed, committed with plain git ----
r2=$(find claims/claim -path '*/fighters/r0002-*.json')
sed -i 's/6,500 fighters/65,000 fighters/' "$r2"
git commit -q -a -m "fix a typo" || fail "git commit"
EDIT=$(git rev-parse HEAD)

expect_status 1 "$CT" check
contains "$OUT" "claim fighters: signature by key $KEY does not verify"
contains "$OUT" "$r2: changed outside claimtrail in commit"

expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   NO (bad-signature): signature by key $KEY does not verify"
contains "$OUT" "status:     unverified (revision 2 does not verify"
contains "$OUT" "signed by:  (not verified)"
contains "$OUT" "sign-off:   0 of 2 signers (this revision does not verify)"
not_contains "$OUT" "signed by:  $KEY"
not_contains "$OUT" "judged an older revision"
contains "$OUT" "[judges sha256:"
contains "$OUT" "which is no revision of this claim in the store]"
expect_status 0 "$CT" show fighters --json
contains "$OUT" '"state": "bad-signature"'
contains "$OUT" '"verified": false'
# revision 1 still verifies on its own
expect_status 0 "$CT" show fighters --rev 1
contains "$OUT" "verified:   yes"
contains "$OUT" "status:     unverified"

expect_status 0 "$CT" log fighters
contains "$OUT" "NOT VERIFIED: signature by key $KEY does not verify"
not_contains "$(printf '%s\n' "$OUT" | grep '^revision 2')" "signed"
[ "$(printf '%s\n' "$OUT" | grep -c '^revision 1 .* signed '"$KEY")" -eq 1 ] && ok ||
	fail "log: revision 1 is not shown as signed: $OUT"
expect_status 0 "$CT" log fighters --json
contains "$OUT" '"state": "bad-signature"'

expect_status 0 "$CT" list
contains "$OUT" "unverified"
contains "$OUT" "NOT VERIFIED: signature by key $KEY does not verify"
not_contains "$OUT" "65,000"
expect_status 0 "$CT" list --status unverified
contains "$OUT" "fighters"
expect_status 0 "$CT" list --needs-sign-off
contains "$OUT" "0/2 signers  NOT VERIFIED: signature by key $KEY does not verify"
expect_status 0 "$CT" list --json
contains "$OUT" '"verified": false'
contains "$OUT" '"signers": []'

expect_status 0 "$CT" diff fighters
contains "$OUT" "--- revision 1"
contains "$OUT" "signed by $KEY"
contains "$OUT" "+++ revision 2"
contains "$OUT" "NOT VERIFIED: signature by key $KEY does not verify"
expect_status 0 "$CT" diff fighters --json
contains "$OUT" '"state": "bad-signature"'
expect_status 0 "$CT" diff --store "$EDIT~1" "$EDIT"
contains "$OUT" "claim fighters r2 signed by (none)  NOT VERIFIED: signature by key $KEY does not verify"
expect_status 0 "$CT" diff --store "$EDIT~1" "$EDIT" --json
contains "$OUT" '"verified": false'

# ---- writes: refused, one line naming the record and why, nothing written ----
H=$(git rev-parse HEAD)
why="claim fighters revision 2 does not verify: signature by key $KEY does not verify"
expect_status 1 "$CT" annotate fighters --verdict false --note "no"
contains "$ERR" "$why"
one_line "$ERR"
unchanged "$H" annotate
expect_status 1 "$CT" dispute fighters --by x --reason y
contains "$ERR" "$why"
one_line "$ERR"
unchanged "$H" dispute
expect_status 1 "$CT" resolve fighters "$DISPUTE" --outcome rejected --note "it stands"
contains "$ERR" "$why"
one_line "$ERR"
unchanged "$H" resolve
expect_status 1 env CLAIMTRAIL_KEY="$TMP/editor.key" "$CT" sign-off fighters
contains "$ERR" "$why"
not_contains "$ERR" "already signed"
one_line "$ERR"
unchanged "$H" "sign-off by another key"
expect_status 1 "$CT" sign-off fighters
contains "$ERR" "$why"
not_contains "$ERR" "already signed"
unchanged "$H" "sign-off by the same key"
expect_status 1 "$CT" claim revise fighters --statement "Something else." --reason "r"
contains "$ERR" "$why"
one_line "$ERR"
unchanged "$H" revise
expect_status 1 "$CT" claim retract fighters --reason "r"
contains "$ERR" "$why"
unchanged "$H" retract

# nothing unverified is re-published as signed: not in a bundle, not as a ClaimReview
expect_status 1 "$CT" bundle create -o ../b.bundle fighters
contains "$ERR" "$why"
one_line "$ERR"
[ ! -e ../b.bundle ] && ok || fail "a bundle was written"
expect_status 1 "$CT" show fighters --claimreview
contains "$ERR" "$why"
unchanged "$H" "bundle and claimreview"

# ---- recovery: git revert restores the exact bytes; check is clean again ----
git revert --no-edit "$EDIT" >/dev/null || fail "git revert"
expect_status 0 "$CT" check
contains "$OUT" "OK"
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   yes"
contains "$OUT" "signed by:  $KEY (Fact Checker)"
expect_status 0 "$CT" annotate fighters --verdict mostly-true --note "6,500 per the report"

# ---- a hand edit of revision 1 breaks the chain of revision 2 ----
r1=$(find claims/claim -path '*/fighters/r0001.json')
sed -i 's/6,000 fighters/7,000 fighters/' "$r1"
git commit -q -a -m "hand edit of revision 1" || fail "git commit"
EDIT1=$(git rev-parse HEAD)
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   NO (broken-chain): the chain below it is broken (revision 1: signature by key $KEY does not verify)"
expect_status 0 "$CT" log fighters
contains "$OUT" "NOT VERIFIED: the chain below it is broken"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" annotate fighters --note "more"
contains "$ERR" "claim fighters revision 2 does not verify: the chain below it is broken"
one_line "$ERR"
unchanged "$H" "annotate on a broken chain"
git revert --no-edit "$EDIT1" >/dev/null || fail "git revert"
expect_status 0 "$CT" check

# ---- a hand-edited annotation: marked, not counted, not resolvable ----
d=$(find claims/claim -path "*/fighters/annotations/$DISPUTE.json")
sed -i 's/no such movement/no such movement at all/' "$d"
git commit -q -a -m "reword a dispute" || fail "git commit"
EDITD=$(git rev-parse HEAD)
expect_status 0 "$CT" show fighters
contains "$OUT" "$DISPUTE  dispute by A ministry: no such movement at all  (NOT VERIFIED: signature by key $KEY does not verify)"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" resolve fighters "$DISPUTE" --outcome rejected --note "it stands"
contains "$ERR" "annotation $DISPUTE does not verify: signature by key $KEY does not verify"
one_line "$ERR"
unchanged "$H" "resolve an unverified dispute"
git revert --no-edit "$EDITD" >/dev/null || fail "git revert"
expect_status 0 "$CT" check

# ---- a hand-edited source revision: marked by source show; claims cannot cite it ----
s1=$(find claims/source -path '*/report/r0001.json')
sed -i 's/A report/A better report/' "$s1"
git commit -q -a -m "retitle the report" || fail "git commit"
EDITS=$(git rev-parse HEAD)
expect_status 0 "$CT" source show report
contains "$OUT" "verified:   NO (bad-signature): signature by key $KEY does not verify"
contains "$OUT" "signed by:  (not verified)"
expect_status 0 "$CT" source show report --json
contains "$OUT" '"verified": false'
H=$(git rev-parse HEAD)
expect_status 1 "$CT" claim add --id other --statement "Another claim." --source report
contains "$ERR" "source report revision 1 does not verify: signature by key $KEY does not verify"
one_line "$ERR"
unchanged "$H" "claim add citing an unverified source"
expect_status 1 "$CT" source revise report --title "Another title" --reason "r"
contains "$ERR" "source report revision 1 does not verify"
unchanged "$H" "source revise"
git revert --no-edit "$EDITS" >/dev/null || fail "git revert"
expect_status 0 "$CT" check
expect_status 0 "$CT" source show report
contains "$OUT" "verified:   yes"

# ---- a hand-edited key record verifies nothing; list's cache follows the key records ----
expect_status 0 "$CT" list
contains "$OUT" "fighters"
not_contains "$OUT" "unverified"
kf=$(find claims/key -name "$KEY.json")
sed -i 's/"name": "Fact Checker"/"name": "Someone Else"/' "$kf"
git commit -q -a -m "rename a key" || fail "git commit"
EDITK=$(git rev-parse HEAD)
expect_status 0 "$CT" list
contains "$OUT" "NOT VERIFIED: signed by key $KEY, which has no valid key record in the store"
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   NO (bad-signature): signed by key $KEY, which has no valid key record"
not_contains "$OUT" "Someone Else"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" annotate fighters --note "more"
contains "$ERR" "which has no valid key record in the store"
unchanged "$H" "annotate with a broken key record"
git revert --no-edit "$EDITK" >/dev/null || fail "git revert"
expect_status 0 "$CT" list
not_contains "$OUT" "unverified"
expect_status 0 "$CT" check

# ---- uncommitted changes under the store are reported, not OK ----
echo " " >>"$r2"
expect_status 1 "$CT" check
contains "$OUT" "$r2: has uncommitted changes in the work tree"
git add "$r2"
expect_status 1 "$CT" check
contains "$OUT" "$r2: has staged changes that are not committed"
git reset -q && git checkout -q -- "$r2"
touch claims/stray.json
expect_status 1 "$CT" check
contains "$OUT" "claims/stray.json: is not committed (untracked)"
rm claims/stray.json
echo "not the store" >outside.txt
expect_status 0 "$CT" check
# the work tree is scanned with a repository handle of its own, beside the records: in a linked
# work tree it must be that work tree, with its own index, that is scanned
git worktree add -q ../linked || fail "git worktree add"
(cd ../linked && echo " " >>"$r2" && touch claims/stray2.json && git add claims/stray2.json)
expect_status 0 "$CT" check
cd ../linked || exit 99
expect_status 1 "$CT" check
contains "$OUT" "$r2: has uncommitted changes in the work tree"
contains "$OUT" "claims/stray2.json: has staged changes that are not committed"
cd ../repo || exit 99
git worktree remove --force ../linked || fail "git worktree remove"

# ---- a revision file renamed, a revision removed, each committed with plain git (in a clone:
# history keeps what was removed): check names each (the revision digests are computed with the
# records, ahead of the walk's order) ----
git clone -q . ../mangled && cd ../mangled || exit 99
r2new=$(dirname "$r2")/r0002-000000000000.json
git mv "$r2" "$r2new" && git commit -q -m "rename a revision" || fail "git mv"
expect_status 1 "$CT" check
contains "$OUT" "claim fighters: $r2new is not named by the revision's digest (sha256:"
git reset -q --hard HEAD~1
r1=$(find claims/claim -path '*/fighters/r0001.json')
git rm -q "$r1" && git commit -q -m "drop revision 1" || fail "git rm"
expect_status 1 "$CT" check
contains "$OUT" "claim/fighters: revision 1 is missing"
git reset -q --hard HEAD~1
# the same record (its signature still verifies) in another layout, and without its last newline
sed -i 's/^  /    /' "$r2" && git commit -q -a -m "re-indent a revision" || fail "git commit"
expect_status 1 "$CT" check
contains "$OUT" "claim fighters: $r2 is not in the form claimtrail writes (edited by hand?)"
git reset -q --hard HEAD~1
truncate -s -1 "$r2" && git commit -q -a -m "no newline" || fail "git commit"
expect_status 1 "$CT" check
contains "$OUT" "claim fighters: $r2 is not in the form claimtrail writes (edited by hand?)"
git reset -q --hard HEAD~1
expect_status 0 "$CT" check
cd ../repo && rm -rf ../mangled || exit 99

# ---- an unfinished merge with a conflict in the store is reported ----
rm outside.txt
git checkout -q -b side
sed -i 's/"sign_off_threshold": 2/"sign_off_threshold": 3/' claims/store.json
git commit -q -a -m "three signers" || fail "git commit"
git checkout -q main
sed -i 's/"sign_off_threshold": 2/"sign_off_threshold": 1/' claims/store.json
git commit -q -a -m "one signer" || fail "git commit"
git merge side >/dev/null 2>&1 && fail "the merge did not conflict"
expect_status 1 "$CT" check
contains "$OUT" "the repository is in the middle of a merge (MERGE_HEAD)"
contains "$OUT" "claims/store.json: has a merge conflict (unmerged in the index)"
git merge --abort || fail "git merge --abort"
git revert --no-edit HEAD >/dev/null || fail "git revert"
expect_status 0 "$CT" check

# ---- a plain git merge of two revisions of one claim: no text conflict (a revision file from 2
# on is named by its digest, docs/sync.md); the claim is conflicted until claim revise --merge ----
git checkout -q -b other HEAD
expect_status 0 "$CT" claim revise fighters --statement "About 6,500 fighters moved." --reason "other"
git checkout -q main
expect_status 0 "$CT" claim revise fighters --statement "Some 6,500 fighters moved." --reason "main"
git merge --no-edit other >/dev/null 2>&1 || fail "the plain git merge conflicted"
[ "$(find claims/claim -path '*/fighters/r0003-*.json' | wc -l)" -eq 2 ] && ok ||
	fail "the two revisions 3 are not side by side"
expect_status 1 "$CT" check
contains "$OUT" "claim/fighters: conflicted: 2 concurrent revisions (end it with 'claimtrail claim revise fighters --merge')"
expect_status 0 "$CT" show fighters
contains "$OUT" "status:     conflicted (2 concurrent revisions:"
expect_status 0 "$CT" list --status conflicted
contains "$OUT" "fighters"
expect_status 4 "$CT" claim revise fighters --statement "x" --reason "plain"
contains "$ERR" "claim fighters is conflicted: 2 concurrent revisions"
# one of them edited by hand and committed with plain git
r3=$(grep -l "About 6,500" $(find claims/claim -path '*/fighters/r0003-*.json'))
sed -i 's/About 6,500/Roughly 6,500/' "$r3"
git commit -q -a -m "edit by hand" || fail "git commit (edit)"
EDIT=$(git rev-parse HEAD)
expect_status 1 "$CT" check
contains "$OUT" "claim fighters: signature by key $KEY does not verify"
contains "$OUT" "$r3: changed outside claimtrail in commit $(git rev-parse --short=12 "$EDIT")"
# restore the file as the merge had it: bytes claimtrail wrote
git checkout "$EDIT^1" -- "$r3" && git commit -q -m "restore $r3" || fail "restore"
expect_status 0 "$CT" claim revise fighters --merge --statement "Some 6,500 fighters moved." \
	--reason "both reports"
expect_status 0 "$CT" check
expect_status 0 "$CT" show fighters
contains "$OUT" "claim fighters (revision 4 of 4)"
contains "$OUT" "verified:   yes"
contains "$OUT" "statement:  Some 6,500 fighters moved."
expect_status 4 "$CT" claim revise fighters --merge --reason "again"
contains "$ERR" "claim fighters is not conflicted"

# ---- bundle import does not build on a store revision that does not verify ----
# A signature changed by hand changes no digest, so the chain still links; it must still verify.
git clone -q . ../clone || fail "git clone"
(cd ../clone && "$CT" claim revise fighters --statement "Some 7,000 fighters moved." \
	--reason "newer report" >/dev/null && "$CT" bundle create -o ../next.bundle fighters \
	>/dev/null) || fail "bundle from the clone"
r4=$(find claims/claim -path '*/fighters/r0004-*.json')
node -e '
	const fs = require("fs"), f = process.argv[1], r = JSON.parse(fs.readFileSync(f, "utf8"));
	const s = r.signatures[0].sig;
	r.signatures[0].sig = (s[0] === "A" ? "B" : "A") + s.slice(1);
	fs.writeFileSync(f, JSON.stringify(r, null, 2) + "\n");' "$r4"
git commit -q -a -m "a signature by hand" || fail "git commit"
EDITB=$(git rev-parse HEAD)
H=$EDITB
expect_status 1 "$CT" bundle import ../next.bundle --trust "$TMP/k.key.pub"
contains "$ERR" "claim fighters revision 4 does not verify: signature by key $KEY does not verify"
one_line "$ERR"
unchanged "$H" "bundle import onto an unverified revision"
git revert --no-edit "$EDITB" >/dev/null || fail "git revert"
expect_status 0 "$CT" bundle import ../next.bundle --trust "$TMP/k.key.pub"
expect_status 0 "$CT" show fighters
contains "$OUT" "claim fighters (revision 5 of 5)"
contains "$OUT" "verified:   yes"

# ---- a revision file replaced by another claim's signed revision ----
expect_status 0 "$CT" claim add --id second --statement "A second claim." --source report
cp "$(find claims/claim -path '*/second/r0001.json')" "$(find claims/claim -path '*/fighters/r0001.json')"
git commit -q -a -m "copy a file" || fail "git commit"
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   NO (broken-chain): the chain below it is broken (claim fighters revision 1: the file holds claim second revision 1)"
expect_status 1 "$CT" check

finish
