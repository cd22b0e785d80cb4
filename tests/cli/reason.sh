#!/usr/bin/env bash
# End to end (issue 18): attribution chains with roles, hedges as signed fields, figures compared
# across sources, corrections that flag the claims resting on them (source revise and retract,
# claim link --depends-on), diff SOURCE showing the word diff of the kept texts, and show/list
# --as-of reading the store as it was, from history.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key --name "Desk" --org "Fact desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
# the first state of the store: 2023-11-14T22:13:20Z
export SOURCE_DATE_EPOCH=1700000000
printf '%s\n' 'Security reports and experts have estimated that as many as 6,000 foreign fighters may have moved into the country.' \
	'Officials said more than 190 attacks were recorded since 2022.' >../v1.txt
printf '%s\n' 'Security reports have estimated that 6,000 foreign fighters moved into the country.' \
	'Officials said more than 190 attacks were recorded since 2022.' >../v2.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id globe --kind article --title "The article" \
	--publisher "The Globe and Mail" --file ../v1.txt
expect_status 0 "$CT" source add --id experts --kind other --title "Security reports and experts" \
	--publisher "Unnamed security reports and experts"
expect_status 0 "$CT" source add --id un-team --kind report --title "UN team assessment" \
	--publisher "UN Monitoring Team"
expect_status 0 "$CT" source add --id ministry --kind statement --title "Ministry statement" \
	--publisher "The ministry"

# 1. The chain: --source is where it was read (reported-by), --said-by who said it; the hedges of
# the quote are found and recorded when none are given.
expect_status 0 "$CT" claim add --id fighters --source globe \
	--quote "as many as 6,000 foreign fighters may have moved into the country" \
	--said-by experts --statement "As many as 6,000 foreign fighters may have moved in." \
	--quantity "as many as 6,000" --unit "foreign fighters" --quantity-as-of 2023-11
expect_status 0 "$CT" cat fighters
contains "$OUT" '"role": "said-by"'
contains "$OUT" '"source": "experts"'
contains "$OUT" '"hedges": ['
contains "$OUT" '"may have"'
contains "$OUT" '"as_of": "2023-11"'
expect_status 0 "$CT" show fighters
contains "$OUT" "chain:      said by Unnamed security reports and experts, reported by The Globe and Mail"
contains "$OUT" "hedges:     'as many as', 'may have'"
contains "$OUT" "as of 2023-11"
# a --quote after --said-by is that link's own
expect_status 0 "$CT" claim add --id attacks --source globe --quote "more than 190 attacks" \
	--said-by un-team --quote "190 attacks" --location "page 4" \
	--statement "More than 190 attacks since 2022." --quantity "more than 190" --unit attacks
expect_status 0 "$CT" show attacks
contains "$OUT" 'said-by     un-team - UN team assessment (UN Monitoring Team), "190 attacks", page 4'
contains "$OUT" "hedges:     'more than'"
# a link's quote is anchored in its source's kept text, and refused when it is not there
expect_status 0 "$CT" claim add --id said-first --source experts --role said-by \
	--reported-by globe --quote "more than 190 attacks" --statement "Said first."
expect_status 0 "$CT" show said-first
contains "$OUT" 'reported-by globe - The article (The Globe and Mail), "more than 190 attacks" [anchored: characters'
expect_status 4 "$CT" claim add --id said-wrong --source experts --role said-by \
	--reported-by globe --quote "more than 290 attacks" --statement "Said wrong."
one_line "$ERR"
contains "$ERR" "the quote of its reported-by link to globe"
# --hedge overrides what is found, --no-hedges records none
expect_status 0 "$CT" claim add --id fighters2 --source globe --quote "as many as 6,000" \
	--statement "Up to 6,000." --hedge "as many as"
expect_status 0 "$CT" cat fighters2
contains "$OUT" '"hedges": [
    "as many as"
  ]'
expect_status 0 "$CT" claim add --id plain --source globe --quote "as many as 6,000" \
	--statement "Plain." --no-hedges
expect_status 0 "$CT" cat plain
not_contains "$OUT" '"hedges"'
# suggest proposes the hedges of each sentence
expect_status 0 "$CT" suggest ../v1.txt --source globe
contains "$OUT" "hedges: 'as many as', 'may have'"
expect_status 0 "$CT" suggest ../v1.txt --source globe --json
contains "$OUT" '"hedges": ['
# a claim whose only link is reported-by lacks an original source
expect_status 0 "$CT" list --unsourced
contains "$OUT" "fighters2"
contains "$OUT" "plain"
not_contains "$OUT" "attacks"
# bad input: one line, nothing written
before=$(git rev-parse HEAD)
expect_status 4 "$CT" claim add --id bad --source globe --statement "x" --role spoken-by
one_line "$ERR"
contains "$ERR" 'unknown value "spoken-by"'
expect_status 3 "$CT" claim add --id bad --source globe --statement "x" --said-by nobody
one_line "$ERR"
contains "$ERR" "source nobody does not exist"
expect_status 4 "$CT" claim add --id bad --source globe --statement "x" --quantity 5 --low 7 --high 6
one_line "$ERR"
contains "$ERR" "quantity.low 7 is above quantity.high 6"
expect_status 4 "$CT" claim add --id bad --source globe --statement "x" --quantity 5 --quantity-as-of 2023-13
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$before" ] && ok || fail "a refused claim add wrote a commit"

# 2. A revision that drops a hedge is flagged in diff and log -p.
export SOURCE_DATE_EPOCH=1700086400 # 2023-11-15T22:13:20Z
expect_status 0 "$CT" claim revise fighters --hedge "as many as" --reason "reworded"
expect_status 0 "$CT" diff fighters
contains "$OUT" "flag: hedge 'may have' removed"
contains "$OUT" "hedges:"
expect_status 0 "$CT" log fighters
contains "$OUT" "flag: hedge 'may have' removed"
expect_status 0 "$CT" log fighters -p
contains "$OUT" "flag: hedge 'may have' removed"
expect_status 0 "$CT" diff fighters --json
contains "$OUT" '"flags": ['

# 3. A source revised with new text: its claims need review, diff shows the stealth edit.
expect_status 0 "$CT" annotate attacks --verdict true --note "as the article says"
expect_status 0 "$CT" list --status supported
contains "$OUT" "attacks"
expect_status 0 "$CT" source revise globe --file ../v2.txt --reason "re-retrieved"
expect_status 0 "$CT" show attacks
contains "$OUT" "status:     needs-review (source globe (reported-by) corrected since the claim cited it (revision 1, now 2); before that: supported"
contains "$OUT" "needs review: source globe (reported-by) corrected since the claim cited it"
expect_status 0 "$CT" list --status needs-review
contains "$OUT" "attacks"
contains "$OUT" "fighters"
expect_status 0 "$CT" show attacks --json
contains "$OUT" '"needs_review": [
    "source globe (reported-by) corrected since the claim cited it (revision 1, now 2)"'
contains "$OUT" '"role": "said-by"'
contains "$OUT" '"publisher": "UN Monitoring Team"'
expect_status 0 "$CT" list --status supported
not_contains "$OUT" "attacks"
expect_status 0 "$CT" check
contains "$OUT" "claim attacks needs review: source globe (reported-by) corrected since the claim cited it (revision 1, now 2)"
contains "$OUT" "store claims/: OK"
expect_status 0 "$CT" check --json
contains "$OUT" '"needs_review": {'
expect_status 0 "$CT" diff globe
contains "$OUT" "text:"
contains "$OUT" "Security reports [-and experts -]have estimated that [-as many as -]6,000 foreign fighters[- may have-] moved"
expect_status 0 "$CT" diff globe --json
contains "$OUT" '"text": {'
# revising the claim against the new revision clears the flag
expect_status 0 "$CT" claim revise attacks --source globe --reason "checked against revision 2"
expect_status 0 "$CT" show attacks
not_contains "$OUT" "needs review:"

# 4. A retracted source, and a claim depending on a retracted one.
expect_status 0 "$CT" claim add --id denial --source ministry --statement "None moved." \
	--quantity 0 --unit "foreign fighters"
expect_status 0 "$CT" source retract ministry --reason "the statement was withdrawn"
expect_status 0 "$CT" show denial
contains "$OUT" "needs review: source ministry (reported-by) retracted since the claim cited it: the statement was withdrawn"
expect_status 4 "$CT" source revise ministry --title "again" --reason "x"
contains "$ERR" "source ministry is retracted"
expect_status 2 "$CT" source retract ministry
expect_status 0 "$CT" claim link plain --depends-on fighters2
contains "$OUT" "plain revision 2"
expect_status 4 "$CT" claim link plain --depends-on fighters2
contains "$ERR" "linked to fighters2 already"
expect_status 4 "$CT" claim link plain --depends-on plain
expect_status 0 "$CT" show plain
not_contains "$OUT" "needs review: depends on"
contains "$OUT" "depends on: fighters2"
expect_status 0 "$CT" claim retract fighters2 --reason "withdrawn"
expect_status 0 "$CT" show plain
contains "$OUT" "needs review: depends on claim fighters2, which is retracted"

# 5. Figures across sources: the same unit lines them up; they disagree beyond their bounds.
expect_status 0 "$CT" compare --unit "foreign fighters"
contains "$OUT" "quantity: foreign fighters (2 claims)"
contains "$OUT" "range:   ... to 6,000"
contains "$OUT" "source:  said by Unnamed security reports and experts, reported by The Globe and Mail"
contains "$OUT" "date:    2023-11"
contains "$OUT" "agree within their stated bounds"
expect_status 0 "$CT" claim add --id reports-7000 --source experts --statement "At least 7,000." \
	--quantity "at least 7,000" --unit "foreign fighters"
expect_status 0 "$CT" compare --unit "foreign fighters" --json
contains "$OUT" '"disagree": ['
expect_status 0 "$CT" compare fighters reports-7000
contains "$OUT" "disagree: fighters and reports-7000 (their ranges do not meet)"
expect_status 0 "$CT" claim link attacks fighters --same-quantity
expect_status 0 "$CT" compare attacks
contains "$OUT" "units differ"
expect_status 3 "$CT" compare nothing-such
one_line "$ERR"
expect_status 2 "$CT" compare fighters --unit attacks

# 6. ClaimReview: the author is the said-by source, the appearance the article.
expect_status 0 "$CT" annotate attacks --verdict true --note "checked"
expect_status 0 "$CT" show attacks --claimreview
contains "$OUT" '"name": "UN Monitoring Team"'
contains "$OUT" '"name": "The Globe and Mail"'

# 7. The store as it was: the first day's state, from history.
expect_status 0 "$CT" show fighters --as-of 2023-11-14
contains "$OUT" "as of 2023-11-14: the store at commit"
contains "$OUT" "claim fighters (revision 1 of 1)"
contains "$OUT" "hedges:     'as many as', 'may have'"
expect_status 0 "$CT" show attacks --as-of 2023-11-14
contains "$OUT" "status:     unreviewed"
expect_status 0 "$CT" list --as-of 2023-11-14
not_contains "$OUT" "reports-7000"
contains "$OUT" "fighters"
expect_status 0 "$CT" list
contains "$OUT" "reports-7000"
expect_status 3 "$CT" show fighters --as-of 2023-11-13
# publish --as-of: the site of that day (no verdict on attacks yet, no reports-7000), while a
# publish of today has both; --as-of with --from (a bundle has no history) is a usage error
expect_status 0 "$CT" publish -o "$TMP/then" --base-url https://example.org/c --as-of 2023-11-14
contains "$ERR" "as of 2023-11-14: the store at commit"
[ -e "$TMP/then/claim/fighters.html" ] && [ ! -e "$TMP/then/claim/reports-7000.html" ] &&
	ok || fail "publish --as-of: $(ls "$TMP/then/claim")"
not_contains "$(cat "$TMP/then/claim/attacks.html")" "application/ld+json"
expect_status 0 "$CT" publish -o "$TMP/now" --base-url https://example.org/c
[ -e "$TMP/now/claim/reports-7000.html" ] && ok || fail "publish: $(ls "$TMP/now/claim")"
contains "$(cat "$TMP/now/claim/attacks.html")" "application/ld+json"
expect_status 2 "$CT" publish -o "$TMP/x" --base-url https://example.org/c --as-of 2023-11-14 \
	--from some.bundle --trust "$TMP/k.key.pub"
contains "$ERR" "--as-of reads a store's history"
expect_status 3 "$CT" publish -o "$TMP/x" --base-url https://example.org/c --as-of 2023-11-13
one_line "$ERR"
contains "$ERR" "no commit on or before 2023-11-13"
expect_status 4 "$CT" show fighters --as-of yesterday
one_line "$ERR"
contains "$ERR" '--as-of "yesterday" is neither a date'
expect_status 4 "$CT" list --as-of 2023-02-30
contains "$ERR" "impossible date"

# 8. A bundle carries the chain's sources; the JavaScript verifier reads the new members.
expect_status 0 "$CT" bundle create -o all.bundle --all --history --annotations
expect_status 0 "$CT" verify all.bundle --trust "$TMP/k.key.pub"
cd .. && git init -q -b main other && cd other || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" bundle import ../repo/all.bundle --trust "$TMP/k.key.pub"
expect_status 0 "$CT" source show un-team
expect_status 0 "$CT" show fighters
contains "$OUT" "chain:      said by Unnamed security reports and experts, reported by The Globe and Mail"
if command -v node >/dev/null 2>&1; then
	mkdir -p "$TMP/trust" && cp "$TMP/k.key.pub" "$TMP/trust/"
	expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --bundle ../repo/all.bundle --trust "$TMP/trust"
fi
finish
