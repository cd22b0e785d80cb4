#!/usr/bin/env bash
# End to end (issue 19, point 3): `check` takes the claims that need review from the records its
# own pass read (ct_store_check_review), not from a second read of every claim; its answers are
# the same: each flagged claim's reasons, from its latest revision only, in the store's order,
# and none when the check finds a problem.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key --name "Desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
export SOURCE_DATE_EPOCH=1700000000
expect_status 0 "$CT" init
for s in globe ministry wire; do
	expect_status 0 "$CT" source add --id "$s" --kind article --title "About $s" --publisher "$s"
done
# corrected: cites globe revision 1, and globe is revised below
expect_status 0 "$CT" claim add --id corrected --source globe --statement "One."
# revised: its first revision cites globe revision 1, its latest revision 2: not flagged
expect_status 0 "$CT" claim add --id revised --source globe --statement "Two."
# withdrawn: cites ministry, which is retracted below
expect_status 0 "$CT" claim add --id withdrawn --source ministry --statement "Three."
# dependent: depends on gone, which is retracted below
expect_status 0 "$CT" claim add --id gone --source wire --statement "Four."
expect_status 0 "$CT" claim add --id dependent --source wire --statement "Five."
expect_status 0 "$CT" claim link dependent --depends-on gone
# settled: cites globe revision 1 but is retracted: a retracted claim needs no review
expect_status 0 "$CT" claim add --id settled --source globe --statement "Six."
# fine: cites wire, unchanged
expect_status 0 "$CT" claim add --id fine --source wire --statement "Seven."
expect_status 0 "$CT" source revise globe --title "About globe, corrected" --reason "corrected"
expect_status 0 "$CT" claim revise revised --source globe --reason "checked against revision 2"
expect_status 0 "$CT" source retract ministry --reason "withdrawn by the ministry"
expect_status 0 "$CT" claim retract gone --reason "wrong"
expect_status 0 "$CT" claim retract settled --reason "wrong too"

want=$(printf '%s\n' \
	"claim corrected needs review: source globe (reported-by) corrected since the claim cited it (revision 1, now 2)" \
	"claim dependent needs review: depends on claim gone, which is retracted" \
	"claim withdrawn needs review: source ministry (reported-by) retracted since the claim cited it: withdrawn by the ministry" |
	sort)
expect_status 0 "$CT" check
contains "$OUT" "store claims/: OK"
got=$(printf '%s\n' "$OUT" | grep 'needs review' | sort)
[ "$got" = "$want" ] && ok || fail "check's needs-review lines: got '$got', wanted '$want'"
# in the store's order (fan-out folder, then id), as list --status needs-review walks it
order=$(printf '%s\n' "$OUT" | grep 'needs review' | cut -d' ' -f2 | tr '\n' ' ')
expect_status 0 "$CT" list --status needs-review --json
listed=$(printf '%s\n' "$OUT" | grep -o '"id": "[a-z]*"' | cut -d'"' -f4 | tr '\n' ' ')
[ "$order" = "$listed" ] && ok || fail "check's order '$order', list's '$listed'"
# each as show gives it from the claim's latest revision
for id in corrected dependent withdrawn; do
	expect_status 0 "$CT" show "$id"
	line=$(printf '%s\n' "$want" | grep "^claim $id needs review: ")
	contains "$OUT" "needs review: ${line#claim "$id" needs review: }"
done
expect_status 0 "$CT" check --json
contains "$OUT" '"ok": true'
contains "$OUT" '"needs_review": {'
contains "$OUT" '"corrected": [
      "source globe (reported-by) corrected since the claim cited it (revision 1, now 2)"
    ]'
not_contains "$OUT" '"revised"'
not_contains "$OUT" '"settled"'
not_contains "$OUT" '"fine"'

# a check that finds a problem reports no review (as before): a hand edit committed by git
f=$(git ls-files claims/claim | grep '/fine/' | head -1)
sed -i 's/Seven\./Eight./' "$f"
git commit -qam "by hand"
expect_status 1 "$CT" check
contains "$OUT" "changed outside claimtrail"
not_contains "$OUT" "needs review"
expect_status 1 "$CT" check --json
contains "$OUT" '"ok": false'
contains "$OUT" '"needs_review": null'

finish
