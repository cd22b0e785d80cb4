#!/bin/sh
# The worked example in docs/format.md is what the tool really produces: regenerate it from the
# fixed seed and compare with docs/example/ and with the values quoted on the page.
. "$(dirname "$0")/lib.sh"
EX="$SRCDIR/docs/example"
DOC="$SRCDIR/docs/format.md"

SOURCE_DATE_EPOCH=1711972800 expect_status 0 "$CT" key generate --unencrypted \
	--seed-file "$EX/example.seed" --name "Example Signer" --org "claimtrail documentation" \
	-o example.key
cmp -s example.key "$EX/example.key" && ok || fail "example.key differs from docs/example"
cmp -s example.key.pub "$EX/example.key.pub" && ok || fail "example.key.pub differs"
expect_status 0 "$CT" sign "$EX/claim.unsigned.json" --key example.key -o claim.json
cmp -s claim.json "$EX/claim.json" && ok || fail "claim.json differs from docs/example"
expect_status 0 "$CT" verify "$EX/claim.json" --trust "$EX/example.key.pub"

# Every line of the key file and the signed record appear on the page verbatim.
while IFS= read -r line; do
	grep -qF -- "$line" "$DOC" && ok || fail "docs/format.md lacks: $line"
done <example.key
SIG=$(sed -n 's/.*"sig": "\(.*\)".*/\1/p' claim.json)
grep -qF "$SIG" "$DOC" && ok || fail "docs/format.md lacks the signature $SIG"
# The body and its length as quoted.
node_free_body=$(printf '%s' "$("$CT" canon "$EX/claim.unsigned.json")")
grep -qF -- "$node_free_body" "$DOC" && ok || fail "docs/format.md lacks the body"
LEN=$("$CT" canon "$EX/claim.unsigned.json" | wc -c | tr -d ' ')
grep -qF "DSSEv1 37 application/vnd.claimtrail.claim+json $LEN {" "$DOC" && ok ||
	fail "docs/format.md lacks the PAE prefix with length $LEN"

# The bulk import example in docs/store.md imports as the page says.
CLAIMTRAIL_KEY=$TMP/example.key
export CLAIMTRAIL_KEY
mkdir imp && cd imp || exit 99
"$CT" init >/dev/null || exit 99
printf 'The Monitoring Team documented more than 190 suicide attacks since 2022.\n' >un.txt
"$CT" source add --title "UN report" --publisher UN --id un-monitoring-report --file un.txt \
	>/dev/null && "$CT" source add --title ISKP --publisher Globe --id globe-iskp >/dev/null || exit 99
sed -n '/^## Bulk import/,/^## Commits/p' "$SRCDIR/docs/store.md" | grep '^{' >sheet.jsonl
[ "$(wc -l <sheet.jsonl)" -eq 2 ] && ok || fail "docs/store.md: the import example is not two lines"
expect_status 0 "$CT" import sheet.jsonl
contains "$OUT" "imported 2 claims"
expect_status 0 "$CT" show iskp-fighters-6000
contains "$OUT" "as many as 6,000 foreign fighters"
expect_status 0 "$CT" anchor check
contains "$OUT" "1 ok, 0 moved"
expect_status 0 "$CT" check
finish
