#!/bin/sh
# End to end: quantities as fact-checkers write them ("7.6 million", "6.4m", "30%", "about
# 6,000"), kept with their wording, shown with digit separators; claim add / revise warn and
# check reports when the quantity matches no number in the quote; older records stay valid.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
printf '%s\n' 'About 6.4 million people were displaced, and 30% of them left the country.' \
	'Officials counted as many as 6,000 foreign fighters.' >../a.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id article --title "Article" --publisher "Desk" --file ../a.txt

# Read as written; the wording is kept beside the value, the qualifier and "%" taken from it.
expect_status 0 "$CT" claim add --id displaced --statement "6.4 million displaced." \
	--source article --quote "About 6.4 million people were displaced" --quantity "about 6.4m"
[ -z "$ERR" ] && ok || fail "a matching quantity warned: $ERR"
expect_status 0 "$CT" cat displaced
contains "$OUT" '"amount": "6400000"'
contains "$OUT" '"text": "about 6.4m"'
contains "$OUT" '"qualifier": "about"'
expect_status 0 "$CT" show displaced
contains "$OUT" 'quantity:   about 6,400,000 (written "about 6.4m")'

expect_status 0 "$CT" claim add --id left --statement "30% left." --source article \
	--quote "30% of them left the country" --quantity "30%"
expect_status 0 "$CT" cat left
contains "$OUT" '"unit": "%"'
expect_status 0 "$CT" show left
contains "$OUT" 'quantity:   30% (written "30%")'

expect_status 0 "$CT" claim add --id fighters --statement "6,000 fighters." --source article \
	--quote "as many as 6,000 foreign fighters" --quantity 6000 --qualifier "as many as" --unit fighters
expect_status 0 "$CT" cat fighters
not_contains "$OUT" '"text"' "a plain amount keeps no wording"
expect_status 0 "$CT" show fighters
contains "$OUT" 'quantity:   as many as 6,000 fighters'

expect_status 0 "$CT" claim add --id billion --statement "A 1.2 billion deal." --source article \
	--quantity "1.2 billion"
expect_status 0 "$CT" cat billion
contains "$OUT" '"amount": "1200000000"'

# A quantity the quote does not hold: written (exit 0), with one warning on stderr.
expect_status 0 "$CT" claim add --id wrong --statement "6.3 million displaced." --source article \
	--quote "About 6.4 million people were displaced" --quantity "6,300,000"
contains "$OUT" "wrong"
contains "$ERR" 'warning: claim wrong: the quantity 6,300,000 matches no number in its quote "About 6.4 million people were displaced"'
one_line "$ERR"
expect_status 0 "$CT" check
contains "$OUT" 'warning: claim wrong: the quantity 6,300,000 matches no number'
contains "$OUT" 'OK'
not_contains "$OUT" 'claim displaced' "check warned about a matching claim"

# revise: the fix silences both; the diff shows separators and the wording.
expect_status 0 "$CT" claim revise wrong --quantity "6.4 million" -m "the quote says 6.4 million"
[ -z "$ERR" ] && ok || fail "a matching revise warned: $ERR"
expect_status 0 "$CT" diff wrong
contains "$OUT" 'quantity.amount: 6,300,000 -> 6,400,000'
contains "$OUT" 'quantity.text: 6,300,000 -> 6.4 million'
expect_status 0 "$CT" check
not_contains "$OUT" 'warning'
# a plain amount on revise drops the old wording
expect_status 0 "$CT" claim revise wrong --quantity 6400000 -m "plain"
expect_status 0 "$CT" cat wrong
not_contains "$OUT" '"text"' "revise kept a stale wording"
expect_status 0 "$CT" claim revise wrong --quantity 7m -m "wrong again"
contains "$ERR" 'warning: claim wrong: the quantity 7,000,000 matches no number'

# Refused: one line, nothing written.
head=$(git rev-parse HEAD)
expect_status 4 "$CT" claim add --statement "Six." --source article --quantity "6 m"
contains "$ERR" 'quantity "6 m" is not a number'
one_line "$ERR"
expect_status 4 "$CT" claim add --statement "Six." --source article --quantity "60,00"
[ "$(git rev-parse HEAD)" = "$head" ] && ok || fail "a refused quantity moved HEAD"

finish
