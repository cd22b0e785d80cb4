#!/bin/sh
# A pull writes the list summaries of what it merged in the same run (docs/sync.md, "Cost"), from
# the signatures its verification found valid, as a bulk import does: the first list after it
# verifies nothing again, and the cache is byte for byte the one list derives from scratch.
. "$(dirname "$0")/lib.sh"

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
CACHE=b/.git/claimtrail/summaries
git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id radio --title R --publisher P >/dev/null || exit 99
git -C a remote add origin ../hub.git || exit 99
$A push >/dev/null || exit 99
git clone -q hub.git b || exit 99
$B trust add "$TMP/alice.key.pub" >/dev/null && $B trust add "$TMP/bob.key.pub" >/dev/null || exit 99
$A trust add "$TMP/bob.key.pub" >/dev/null || exit 99
expect_status 0 $B claim add --id bob-local --statement "Bob's own." --source radio
expect_status 0 $B list

# 70 claims (enough to be verified on every core) on the hub, and an annotation
i=1
while [ "$i" -le 70 ]; do
	printf '{"statement": "Claim number %d.", "attribution": {"source": "radio"}}\n' "$i"
	i=$((i + 1))
done >claims.jsonl
expect_status 0 $A import "$TMP/claims.jsonl"
expect_status 0 $A annotate claim-number-7 --verdict false
expect_status 0 $A push

# the pull (a merge: bob has a commit of his own) writes the summaries of all 71 claims
rm -f "$CACHE"
expect_status 0 $B pull
contains "$OUT" "merged into main"
[ -f "$CACHE" ] && ok || fail "pull wrote no summaries"
[ "$(grep -c "	claim-number-" "$CACHE" 2>/dev/null)" = 70 ] && ok ||
	fail "pull's summaries: $(grep -c "	claim-number-" "$CACHE" 2>/dev/null) claims, wanted 70"
grep "	claim-number-7	" "$CACHE" | grep -q "	refuted	" && ok ||
	fail "claim-number-7's verdict not in its summary: $(grep "	claim-number-7	" "$CACHE")"
grep "	claim-number-7	" "$CACHE" | grep -q "unverified" && fail "claim-number-7 cached as unverified" || ok
cp "$CACHE" by-pull
expect_status 0 $B list
LIST1=$OUT
contains "$LIST1" "claim-number-70"
cmp -s "$CACHE" by-pull && ok || fail "list rewrote the summaries the pull wrote"
rm -f "$CACHE"
expect_status 0 $B list
[ "$OUT" = "$LIST1" ] && ok || fail "list from scratch differs from list after the pull"
cmp -s "$CACHE" by-pull && ok ||
	fail "the pull's summaries differ from those derived from scratch: $(diff by-pull "$CACHE")"

# a fast-forward pull writes them too
expect_status 0 $B push
expect_status 0 $A pull
contains "$OUT" "fast-forwarded main"
ACACHE=a/.git/claimtrail/summaries
grep -q "	bob-local	" "$ACACHE" && ok || fail "a fast-forward pull wrote no summaries"
cp "$ACACHE" a-by-pull
rm -f "$ACACHE"
expect_status 0 $A list
cmp -s "$ACACHE" a-by-pull && ok ||
	fail "the fast-forward's summaries differ from scratch: $(diff a-by-pull "$ACACHE")"

finish
