#!/bin/sh
# check reports what history shows was written and is now gone: a claim removed with git rm, a
# claim's latest revision removed (a silent rollback of a correction), a verdict removed, a
# claimtrail commit undone with git revert. Each finding names the record and the commit that
# removed it. A signed retraction written afterwards says why, and check passes.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
"$CT" init >/dev/null || exit 99
"$CT" source add --id s --title "A report" --publisher P >/dev/null || exit 99
"$CT" claim add --id gone --statement "A claim someone deletes." --source s >/dev/null || exit 99
"$CT" claim add --id corrected --statement "The first figure." --source s >/dev/null || exit 99
"$CT" claim revise corrected --statement "The corrected figure." --reason "the report says so" \
	>/dev/null || exit 99
"$CT" claim add --id judged --statement "A judged claim." --source s >/dev/null || exit 99
VERDICT=$("$CT" annotate judged --verdict false --note "the report says otherwise") || exit 99
expect_status 0 "$CT" check
contains "$OUT" "store claims/: OK"

# 1. git rm of a claim
git rm -q -r claims/claim/*/gone && git commit -q -m "remove a claim" || exit 99
C1=$(git rev-parse --short=12 HEAD)
expect_status 1 "$CT" check
contains "$OUT" "claim gone revision 1: removed in commit $C1"
contains "$OUT" "/gone/r0001.json), and no signed record says why"
git reset -q --hard HEAD~1

# 2. the latest revision removed: the correction silently rolled back
git rm -q claims/claim/*/corrected/r0002-*.json && git commit -q -m "tidy" || exit 99
C2=$(git rev-parse --short=12 HEAD)
expect_status 1 "$CT" check
contains "$OUT" "claim corrected revision 2: removed in commit $C2"
expect_status 1 "$CT" check --json
contains "$OUT" "claim corrected revision 2: removed in commit $C2"
# a signed retraction (a new revision 2, with its reason) says why: check passes
expect_status 0 "$CT" claim retract corrected --reason "the correction was itself wrong"
expect_status 0 "$CT" check
contains "$OUT" "store claims/: OK"
# log names the retraction's commit for the new revision 2, not the removed one's
expect_status 0 "$CT" log corrected
contains "$OUT" "revision 2  $(git rev-parse --short=12 HEAD)"
git reset -q --hard HEAD~2

# 3. a verdict removed (a forged trailer does not make the removal claimtrail's)
git rm -q claims/claim/*/judged/annotations/"$VERDICT".json || exit 99
git commit -q -m "annotate judged" -m "Claimtrail-Record: annotation/$VERDICT" || exit 99
C3=$(git rev-parse --short=12 HEAD)
expect_status 1 "$CT" check
contains "$OUT" "annotation $VERDICT of claim judged: removed in commit $C3"
# a retraction of the claim, signed and written after the removal, says why
expect_status 0 "$CT" claim retract judged --reason "withdrawn with its verdict"
expect_status 0 "$CT" check
git reset -q --hard HEAD~2

# 4. git revert of a claimtrail commit (the revision of a claim)
"$CT" claim revise judged --statement "A judged claim, restated." --reason "clearer" >/dev/null ||
	exit 99
git revert --no-edit HEAD >/dev/null || exit 99
C4=$(git rev-parse --short=12 HEAD)
expect_status 1 "$CT" check
contains "$OUT" "claim judged revision 2: removed in commit $C4"
git reset -q --hard HEAD~2

# a key record removed is reported too; a junk file that was never a signed record is not
git rm -q claims/key/*.json && git commit -q -m "drop the key" || exit 99
expect_status 1 "$CT" check
contains "$OUT" "removed in commit $(git rev-parse --short=12 HEAD)"
contains "$OUT" "claims/key/"
git reset -q --hard HEAD~1
# the same in a commit that also changes a folder sorting before it (claim/ < key/)
F=$(ls claims/claim/*/judged/r0001.json) && printf ' ' >>"$F" || exit 99
git rm -q claims/key/*.json && git commit -q -a -m "an edit and a removal" || exit 99
expect_status 1 "$CT" check
contains "$OUT" "changed outside claimtrail in commit $(git rev-parse --short=12 HEAD)"
contains "$OUT" "removed in commit $(git rev-parse --short=12 HEAD) (claims/key/"
git reset -q --hard HEAD~1
echo '{"not": "a record"}' >claims/junk.json
git add claims/junk.json && git commit -q -m junk && git rm -q claims/junk.json &&
	git commit -q -m "no junk" || exit 99
expect_status 0 "$CT" check

# the journal is rebuilt from history when missing: the finding does not depend on the cache
git rm -q claims/claim/*/corrected/r0002-*.json && git commit -q -m "tidy" || exit 99
rm -f .git/claimtrail/journal*
expect_status 1 "$CT" check
contains "$OUT" "claim corrected revision 2: removed in commit $(git rev-parse --short=12 HEAD)"

git reset -q --hard HEAD~1

# the whole store folder removed in one commit and all but one file restored in the next: the
# file left out (a verdict) is still reported as removed, though no commit removed it alone
git rm -q -r claims && git commit -q -m "reorganise" || exit 99
C5=$(git rev-parse --short=12 HEAD)
git checkout HEAD~1 -- claims && git rm -q -f claims/claim/*/judged/annotations/"$VERDICT".json &&
	git commit -q -m "restore" || exit 99
expect_status 1 "$CT" check
contains "$OUT" "annotation $VERDICT of claim judged: removed in commit $C5"
git reset -q --hard HEAD~2

# a merge from a history without the store (an orphan branch) that drops a verdict: the merge is
# named as the commit that removed it
MAIN=$(git rev-parse HEAD)
git checkout -q --orphan elsewhere && git rm -q -r --cached . >/dev/null && git clean -qfdx &&
	git commit -q --allow-empty -m "elsewhere" || exit 99
git merge -q --allow-unrelated-histories --no-commit main >/dev/null 2>&1
git rm -q -f claims/claim/*/judged/annotations/"$VERDICT".json && git commit -q -m "merge" || exit 99
C6=$(git rev-parse --short=12 HEAD)
git checkout -q main && git reset -q --hard elsewhere || exit 99
expect_status 1 "$CT" check
contains "$OUT" "annotation $VERDICT of claim judged: removed in commit $C6"
git reset -q --hard "$MAIN"

finish
