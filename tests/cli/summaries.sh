#!/bin/sh
# End to end: a bulk import writes the list summaries of what it wrote in the same run (issue
# 19, point 2), so the first list verifies nothing again; the cache it writes is byte for byte
# the one list derives from scratch (after deleting the file), and a claim that does not verify
# is cached as unverified, never as verified, also when an import writes the cache.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
git init -q -b main repo && cd repo || exit 99
expect_status 0 "$CT" init --key ../k.key
expect_status 0 "$CT" source add --id radio --title R --publisher P --key ../k.key
expect_status 0 "$CT" claim add --id early --statement "An early claim." --source radio \
	--key ../k.key
CACHE=.git/claimtrail/summaries

# a claim that no longer verifies: its statement changed by hand, committed by plain git
f=$(git ls-files 'claims/claim/*/early/r0001.json')
sed -i 's/An early claim/A changed claim/' "$f" && git commit -qam "hand edit" || exit 99
rm -f "$CACHE"

# 70 claims (enough to be signed on every core), as JSON lines and as a sheet
i=1
while [ "$i" -le 70 ]; do
	printf '{"statement": "Claim number %d.", "attribution": {"source": "radio"}}\n' "$i"
	i=$((i + 1))
done >../claims.jsonl
expect_status 0 "$CT" import ../claims.jsonl --key ../k.key
contains "$OUT" "imported 70 claims"
[ -f "$CACHE" ] && ok || fail "import wrote no summaries"
[ "$(grep -c "	claim-number-" "$CACHE")" -eq 70 ] && ok ||
	fail "import's summaries: $(grep -c "	claim-number-" "$CACHE") claims, wanted 70"
grep "	early	" "$CACHE" | grep -q "	unverified	" && ok ||
	fail "the hand-edited claim is not cached as unverified: $(grep "	early	" "$CACHE")"
cp "$CACHE" ../by-import
expect_status 0 "$CT" list
LIST1=$OUT
cmp -s "$CACHE" ../by-import && ok || fail "list rewrote the summaries the import wrote"
contains "$LIST1" "claim-number-70"
rm -f "$CACHE"
expect_status 0 "$CT" list
[ "$OUT" = "$LIST1" ] && ok || fail "list from scratch differs from list after the import"
cmp -s "$CACHE" ../by-import && ok ||
	fail "the import's summaries differ from those derived from scratch: $(diff ../by-import "$CACHE")"

# a spreadsheet's rows: the same
printf 'statement,source\nFrom a sheet.,radio\nAnd another.,radio\n' >../sheet.csv
expect_status 0 "$CT" import ../sheet.csv --key ../k.key
grep -q "	from-a-sheet	" "$CACHE" && ok || fail "the sheet's import wrote no summary"
cp "$CACHE" ../by-sheet
expect_status 0 "$CT" list
LIST2=$OUT
rm -f "$CACHE"
expect_status 0 "$CT" list
[ "$OUT" = "$LIST2" ] && ok || fail "list from scratch differs after the sheet's import"
cmp -s "$CACHE" ../by-sheet && ok || fail "the sheet import's summaries differ from scratch"
expect_status 0 "$CT" list --status unverified
contains "$OUT" "early"
not_contains "$OUT" "claim-number-"

# a fresh clone carries no summaries: its first list derives every one (the threads take the
# claims a few at a time as they go) and shows what the store it came from shows, as text and
# as JSON, with a verdict's status (its claim's digest is needed) and the unverified claim
expect_status 0 "$CT" annotate claim-number-7 --verdict false --note "Wrong." --key ../k.key
expect_status 0 "$CT" annotate claim-number-70 --note "A note alone." --key ../k.key
expect_status 0 "$CT" list
LIST4=$OUT
expect_status 0 "$CT" list --json
JSON4=$OUT
echo "$LIST4" | grep -q "^claim-number-7 *refuted" && ok || fail "no verdict status: $LIST4"
cd .. && git clone -q --no-local repo copy && cd copy || exit 99
[ ! -e "$CACHE" ] && ok || fail "a clone carries the summaries"
for threads in 2 1 3; do
	rm -f "$CACHE"
	expect_status 0 env CLAIMTRAIL_THREADS=$threads "$CT" list
	[ "$OUT" = "$LIST4" ] && ok ||
		fail "first list after a clone ($threads threads) differs"
	rm -f "$CACHE"
	expect_status 0 env CLAIMTRAIL_THREADS=$threads "$CT" list --json
	[ "$OUT" = "$JSON4" ] && ok || fail "first list --json after a clone ($threads threads) differs"
done
cd ../repo || exit 99

# bundle import: the summaries of what its verification found valid
cd .. && git init -q -b main clean && cd clean || exit 99
expect_status 0 "$CT" init --key ../k.key
expect_status 0 "$CT" source add --id radio --title R --publisher P --key ../k.key
expect_status 0 "$CT" import ../claims.jsonl --key ../k.key
expect_status 0 "$CT" bundle create -o ../all.bundle --all --key ../k.key
cd .. && git init -q -b main other && cd other || exit 99
expect_status 0 "$CT" init --key ../k.key
rm -f "$CACHE"
expect_status 0 "$CT" bundle import ../all.bundle --trust ../k.key.pub
[ -f "$CACHE" ] && ok || fail "bundle import wrote no summaries"
[ "$(grep -c "	claim-number-" "$CACHE" 2>/dev/null)" = 70 ] && ok ||
	fail "bundle import's summaries: $(grep -c "	claim-number-" "$CACHE" 2>/dev/null) claims"
cp "$CACHE" ../by-bundle
expect_status 0 "$CT" list
LIST3=$OUT
contains "$LIST3" "claim-number-70"
rm -f "$CACHE"
expect_status 0 "$CT" list
[ "$OUT" = "$LIST3" ] && ok || fail "list from scratch differs after the bundle import"
cmp -s "$CACHE" ../by-bundle && ok ||
	fail "the bundle import's summaries differ from scratch: $(diff ../by-bundle "$CACHE")"

# fan lines: a fan-out folder whose entries are all claims is listed from its fan line without
# reading its tree; a fan line that does not fit what follows it (a count too high, a line
# after it that is not a claim's) is not used, and the cache is made right again
FANS=$(grep -cE '^[0-9a-f]{40} [^ ]+ [0-9]+$' "$CACHE")
[ "$FANS" -gt 0 ] && ok || fail "no fan lines in the cache"
cp "$CACHE" ../good-cache
first=$(grep -nE '^[0-9a-f]{40} [^ ]+ [0-9]+$' "$CACHE" | head -1 | cut -d: -f1)
sed -i "${first}s/ [0-9]*\$/ 9999/" "$CACHE"
expect_status 0 "$CT" list
[ "$OUT" = "$LIST3" ] && ok || fail "list with a bad fan line differs"
cmp -s "$CACHE" ../good-cache && ok || fail "a bad fan line was not made right: $(diff ../good-cache "$CACHE")"
# a revised claim changes its fan-out tree: its fan line is not used, the listing shows the
# revision, and the cache is the one made from scratch
id=$(echo "$LIST3" | awk 'NR==2 {print $1}')
expect_status 0 "$CT" claim revise "$id" --statement "A revised claim for the fan test." \
	--reason test --key ../k.key
expect_status 0 "$CT" list
contains "$OUT" "A revised claim for the fan test."
cp "$CACHE" ../after-revise
rm -f "$CACHE"
expect_status 0 "$CT" list
cmp -s "$CACHE" ../after-revise && ok ||
	fail "the cache after a revision differs from scratch: $(diff ../after-revise "$CACHE")"

finish
