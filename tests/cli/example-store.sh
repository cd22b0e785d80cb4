#!/usr/bin/env bash
# The repository's own example store (claims/): made with claimtrail, complete, and checked.
. "$(dirname "$0")/lib.sh"
R="$SRCDIR"
PUB="$R/examples/example-key.INSECURE-PUBLISHED-TEST-KEY.pub"

expect_status 0 $CT -C "$R" check --trust "$PUB"
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
fi
# the whole article is not committed, only short quotes
[ -z "$(git -C "$R" ls-files 'claims/*.txt')" ] && ok || fail "source text committed"
finish
