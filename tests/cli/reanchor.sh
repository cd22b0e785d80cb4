#!/bin/sh
# End to end: a revision that only moves a quote (anchor check --update after the source's text
# changed) keeps the claim's verdicts in force (show, list, bundle --status); a revision that
# changes anything else, the quote included, does not.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
printf 'Intro.\nAbout 6.4 million people were displaced.\n' >../v1.txt
printf 'A new first paragraph.\nIntro.\nAbout 6.4 million people were displaced.\n' >../v2.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id art --title A --publisher P --file ../v1.txt
expect_status 0 "$CT" claim add --id moved --statement "Displaced." --source art \
	--quote "About 6.4 million people were displaced"
expect_status 0 "$CT" claim add --id edited --statement "Intro." --source art --quote "Intro."
expect_status 0 "$CT" annotate moved --verdict true --note "UNHCR figures"
expect_status 0 "$CT" annotate edited --verdict false
expect_status 0 "$CT" source revise art --file ../v2.txt -m "a paragraph added"

N=$(git rev-list --count HEAD)
expect_status 0 "$CT" anchor check --update
contains "$OUT" "moved     moved: characters 7-46 (source art revision 1) are now"
contains "$OUT" "re-anchored in claim revision 2"
contains "$OUT" "0 ok, 2 moved (re-anchored)"
# both relocations are one commit, and check accepts it (each record named by the commit)
[ "$(git rev-list --count HEAD)" -eq $((N + 1)) ] && ok || fail "--update: expected 1 commit"
contains "$(git log -1 --format=%s)" "anchor relocate 2 claims"
contains "$(git log -1 --format=%B)" "Claimtrail-Record: claim/edited@2"
contains "$(git log -1 --format=%B)" "Claimtrail-Record: claim/moved@2"
expect_status 0 "$CT" check
contains "$OUT" "OK"
expect_status 0 "$CT" show moved
contains "$OUT" "revision 2 of 2"
contains "$OUT" 'status:     supported (verdict "true" on the current revision'
contains "$OUT" "given before the quote was re-anchored"
contains "$OUT" "[judged revision 1, sha256:"
contains "$OUT" "stands: later revisions only re-anchored the quote]"
expect_status 0 "$CT" list
contains "$(printf '%s\n' "$OUT" | grep '^moved ')" "supported"
contains "$(printf '%s\n' "$OUT" | grep '^edited ')" "refuted"
expect_status 0 "$CT" show moved --claimreview
contains "$OUT" '"ClaimReview"'
expect_status 0 "$CT" bundle create -o s.bundle --status supported
contains "$OUT" "1 claim"

# A second re-anchoring: the verdict carries through the chain.
printf 'Another paragraph.\nA new first paragraph.\nIntro.\nAbout 6.4 million people were displaced.\n' >../v3.txt
expect_status 0 "$CT" source revise art --file ../v3.txt -m "another paragraph"
expect_status 0 "$CT" anchor check --update moved
expect_status 0 "$CT" show moved
contains "$OUT" "revision 3 of 3"
contains "$OUT" 'status:     supported'

# Anything else changed ends the carry: the statement, a tag, or the quote.
expect_status 0 "$CT" claim revise edited --tag intro -m "tagged"
expect_status 0 "$CT" show edited
contains "$OUT" "status:     needs-review"
contains "$OUT" "[judged an older revision:"
expect_status 0 "$CT" claim revise moved --quote "6.4 million people were displaced" -m "shorter"
expect_status 0 "$CT" show moved
contains "$OUT" "status:     needs-review"
expect_status 0 "$CT" list
contains "$(printf '%s\n' "$OUT" | grep '^moved ')" "needs-review"

# ---- sign-offs carry across a re-anchoring as verdicts do ----
# A colleague signs off revision 1; the relocation (revision 2) is signed by the desk's key
# alone; the colleague's sign-off still counts, and says which revision it signed.
"$CT" key generate --unencrypted -o ../colleague.key >/dev/null || exit 99
COLLEAGUE=$("$CT" key show ../colleague.key | sed -n 's/^key-id: *//p')
expect_status 0 "$CT" trust add ../colleague.key.pub --name Colleague
printf 'Intro.\nAbout 7 million people were displaced.\n' >../w1.txt
printf 'New first line.\nIntro.\nAbout 7 million people were displaced.\n' >../w2.txt
expect_status 0 "$CT" source add --id web --title W --publisher P --file ../w1.txt
expect_status 0 "$CT" claim add --id signed --statement "Seven." --source web \
	--quote "About 7 million people were displaced"
expect_status 0 "$CT" sign-off signed --key ../colleague.key --note "checked against UNHCR"
expect_status 0 "$CT" show signed
contains "$OUT" "sign-off:   2 of 2 signers"
expect_status 0 "$CT" source revise web --file ../w2.txt -m "a line added"
expect_status 0 "$CT" anchor check --update signed
contains "$OUT" "re-anchored in claim revision 2"
expect_status 0 "$CT" cat signed
[ "$(printf '%s\n' "$OUT" | grep -c '"key_id"')" -eq 1 ] && ok ||
	fail "the relocated revision should carry one signature: $OUT"
expect_status 0 "$CT" show signed
contains "$OUT" "revision 2 of 2"
contains "$OUT" "sign-off:   2 of 2 signers [$COLLEAGUE signed revision 1; stands: later revisions only re-anchored the quote]"
not_contains "$OUT" "needs 1 more"
contains "$OUT" "by $COLLEAGUE on revision 1: checked against UNHCR"
expect_status 0 "$CT" list --needs-sign-off
not_contains "$OUT" "signed " "list --needs-sign-off"
expect_status 1 "$CT" check --threshold 2   # the claims above have one signer each
contains "$OUT" "claim moved revision 4: signed by 1 trusted key, 2 needed"
not_contains "$OUT" "claim signed revision" "check --threshold 2"
# a revision that changes more than the anchor ends the carry
expect_status 0 "$CT" claim revise signed --statement "Seven million." -m "reworded"
expect_status 0 "$CT" show signed
contains "$OUT" "sign-off:   1 of 2 signers (needs 1 more)"
expect_status 0 "$CT" list --needs-sign-off
contains "$OUT" "signed"
expect_status 1 "$CT" check --threshold 2
contains "$OUT" "claim signed revision 3: signed by 1 trusted key, 2 needed"

finish
