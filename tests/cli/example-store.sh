#!/usr/bin/env bash
# The repository's own example store (claims/): made with claimtrail, complete, and checked.
. "$(dirname "$0")/lib.sh"
R="$SRCDIR"
PUB="$R/examples/example-key.INSECURE-PUBLISHED-TEST-KEY.pub"
EDITOR="$R/examples/editor.INSECURE-EXAMPLE-KEY.pub"

expect_status 0 $CT -C "$R" check --trust "$PUB" --trust "$EDITOR"
contains "$OUT" "store claims/: OK"
expect_status 0 $CT -C "$R" list --json
n=$(printf '%s' "$OUT" | grep -c '"id":')
[ "$n" -ge 8 ] && ok || fail "example store has $n claims, wanted at least 8"
for id in crocus-attack-deaths-130 crocus-attack-attributed-to-iskp kandahar-bombing-21-killed \
	iskp-suicide-attacks-190-since-2022 iskp-foreign-fighters-6000 kabul-airport-bombing-2021 \
	un-report-high-concentration-terrorist-groups csto-northern-afghanistan-main-threat; do
	contains "$OUT" "\"id\": \"$id\""
done
for s in globe-iskp-crocus-2024 unsc-monitoring-report-2024 un-monitoring-team-assessment-2023 \
	us-intelligence-officials csto-serdyukov-2024; do
	expect_status 0 $CT -C "$R" source show "$s"
done
expect_status 0 $CT -C "$R" log iskp-foreign-fighters-6000
contains "$OUT" "revision 2"
contains "$OUT" "reason: The article gives an upper estimate"
# the quotes are anchored in the article the store records by sha256
expect_status 0 $CT -C "$R" cat iskp-foreign-fighters-6000
contains "$OUT" '"exact": "as many as 6,000 foreign fighters may have moved into Taliban-controlled Afghanistan"'
art="$SHARED/seed/article.txt"
if [ -f "$art" ]; then
	sum=$(sha256sum "$art" | cut -c1-64)
	expect_status 0 $CT -C "$R" source show globe-iskp-crocus-2024
	contains "$OUT" "$sum"
	expect_status 0 $CT -C "$R" anchor check --source-text "globe-iskp-crocus-2024=$art"
	contains "$OUT" "5 ok, 0 moved, 0 orphaned, 0 broken"
	printf 'another text\n' > other.txt
	expect_status 0 $CT -C "$R" anchor check --source-text "globe-iskp-crocus-2024=$TMP/other.txt"
	contains "$OUT" "0 ok, 0 moved, 0 orphaned, 0 broken, 7 without text"
fi
# the fact-checking work: verdicts, an open and a resolved dispute, an editor's sign-off
expect_status 0 $CT -C "$R" list --status disputed
contains "$OUT" "crocus-attack-attributed-to-iskp"
expect_status 0 $CT -C "$R" show crocus-attack-attributed-to-iskp
contains "$OUT" "Russia's foreign ministry"
expect_status 0 $CT -C "$R" list --status supported
contains "$OUT" "crocus-attack-deaths-130"
expect_status 0 $CT -C "$R" log iskp-foreign-fighters-6000
contains "$OUT" "resolution"
contains "$OUT" "rejected"
expect_status 0 $CT -C "$R" show crocus-attack-deaths-130 --json
[ "$(printf '%s' "$OUT" | grep -c '"key_id"')" -ge 2 ] && ok || fail "no editor sign-off on crocus-attack-deaths-130"
# the shipped bundle verifies offline against the example keys, proves inclusion, and imports
B="$R/examples/claims.bundle"
expect_status 0 $CT verify "$B" --trust "$PUB" --trust "$EDITOR"
contains "$OUT" "OK: 28 records"
expect_status 1 $CT verify "$B" --trust "$EDITOR"
expect_status 0 $CT bundle prove "$B" iskp-foreign-fighters-6000 -o proof.json
root=$($CT bundle info "$B" | awk '/^merkle root:/{print $3}')
expect_status 0 $CT verify --proof proof.json --root "$root"
git init -q -b main imported
# git checks files out 0644; a secret key must be private to be read (even a published one)
install -m 600 "$R/examples/example-key.INSECURE-PUBLISHED-TEST-KEY" example.key
expect_status 0 $CT -C imported init --key "$TMP/example.key"
expect_status 0 $CT -C imported bundle import "$B" --trust "$PUB" --trust "$EDITOR"
expect_status 0 $CT -C imported log iskp-foreign-fighters-6000
contains "$OUT" "revision 2"
contains "$OUT" "resolution"
expect_status 0 $CT -C imported list --status disputed
contains "$OUT" "crocus-attack-attributed-to-iskp"
expect_status 0 $CT -C imported check --trust "$PUB" --trust "$EDITOR"
# the whole article is not committed, only short quotes
[ -z "$(git -C "$R" ls-files 'claims/*.txt')" ] && ok || fail "source text committed"
finish
