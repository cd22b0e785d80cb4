#!/bin/sh
# End to end: ids as a user types them. A unique prefix names a claim, source, annotation or key
# everywhere an id is taken; an ambiguous prefix lists its candidates (exit 2); an unknown id
# says which id is nearest (exit 3); derived ids stop at a word boundary.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Editor" -o editor.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
unchanged() {
	[ "$(git rev-parse HEAD)" = "$1" ] && ok || fail "HEAD moved after: $2"
}

expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id globe-article --title "Floods" --publisher "Ledger"
expect_status 0 "$CT" source add --id un-report --title "Report" --publisher "UN"
# --source takes a prefix
expect_status 0 "$CT" claim add --id crocus-flood --statement "The crocus field flooded." --source glob
expect_status 0 "$CT" show crocus-flood
contains "$OUT" "globe-article"
expect_status 0 "$CT" claim add --id crocus-rain --statement "It rained on the crocuses." --source un-r
expect_status 0 "$CT" claim add --id dahlia --statement "The dahlias survived." --source un-report

# a unique prefix works in the read commands
expect_status 0 "$CT" show crocus-f
contains "$OUT" "claim crocus-flood"
expect_status 0 "$CT" cat dah
contains "$OUT" '"id": "dahlia"'
expect_status 0 "$CT" log crocus-r
contains "$OUT" "It rained"
expect_status 0 "$CT" log globe
contains "$OUT" "Floods"
expect_status 0 "$CT" source show un-
contains "$OUT" "source un-report"
expect_status 0 "$CT" list --source un-r
contains "$OUT" "crocus-rain"
contains "$OUT" "dahlia"
not_contains "$OUT" "crocus-flood"
expect_status 0 "$CT" anchor check dah

# ... and in the writes: claim revise, annotate (and --evidence), dispute, resolve, sign-off
expect_status 0 "$CT" claim revise dah --statement "The dahlias all survived." --reason "wording"
contains "$OUT" "dahlia revision 2"
expect_status 0 "$CT" annotate crocus-f --verdict true --evidence glob --json
contains "$OUT" '"claim": "crocus-flood"'
contains "$OUT" '"globe-article"'
expect_status 0 "$CT" show --claimreview crocus-f
contains "$OUT" "ClaimReview"
expect_status 0 "$CT" dispute crocus-f --by "A reader" --reason "photos" --source un
DISPUTE=$OUT
contains "$DISPUTE" "dispute-"
# resolve crocus dispute-5541, as git takes short hashes
SHORT=$(printf '%s' "$DISPUTE" | cut -c1-12)
expect_status 0 "$CT" resolve crocus-f "$SHORT" --outcome rejected --note "photos are older" --json
contains "$OUT" "\"resolves\": \"$DISPUTE\""
expect_status 0 "$CT" sign-off dah --key "$TMP/editor.key"
contains "$OUT" "dahlia revision 2 signed off"
expect_status 0 "$CT" diff dah 1 2
contains "$OUT" "all"

# an ambiguous prefix: the candidates on one line, exit 2, nothing written
H=$(git rev-parse HEAD)
expect_status 2 "$CT" annotate crocus --verdict false
contains "$ERR" 'claim "crocus" is ambiguous: 2 claims begin with it: crocus-flood, crocus-rain'
one_line "$ERR"
unchanged "$H" "ambiguous annotate"
expect_status 2 "$CT" show c
contains "$ERR" "crocus-flood, crocus-rain"
# an ambiguous prefix names its candidates even for many ids, with a count of the rest
i=0
while [ $i -lt 10 ]; do
	"$CT" claim add --id "tulip-$i" --statement "Tulip $i." --source un-report >/dev/null || fail "tulip $i"
	i=$((i + 1))
done
expect_status 2 "$CT" show tulip
contains "$ERR" "10 claims begin with it"
contains "$ERR" "and 2 more"
one_line "$ERR"

# an unknown id: the nearest one, exit 3, nothing written
H=$(git rev-parse HEAD)
expect_status 3 "$CT" annotate crocsu-flood --verdict true
contains "$ERR" 'no claim "crocsu-flood" in the store (did you mean "crocus-flood"?)'
one_line "$ERR"
unchanged "$H" "unknown annotate"
expect_status 3 "$CT" show dhalia
contains "$ERR" 'did you mean "dahlia"?'
expect_status 3 "$CT" claim add --statement "x" --source globe-artcle
contains "$ERR" 'no source "globe-artcle" in the store (did you mean "globe-article"?)'
unchanged "$H" "unknown source"
expect_status 3 "$CT" resolve crocus-flood dispute-zzzz --outcome upheld --note n
contains "$ERR" "claim crocus-flood has no dispute dispute-zzzz"
unchanged "$H" "unknown dispute"
expect_status 3 "$CT" log globe-artcle
contains "$ERR" 'no claim or source "globe-artcle" in the store (did you mean "globe-article"?)'
# nothing near: no suggestion
expect_status 3 "$CT" show zzzzzzzzzz
contains "$ERR" 'no claim "zzzzzzzzzz" in the store'
not_contains "$ERR" "did you mean"
# a whole id wins over a longer id it begins
expect_status 0 "$CT" claim add --id tulip --statement "Tulips." --source un-report
expect_status 0 "$CT" show tulip
contains "$OUT" "claim tulip (revision"

# derived ids: cut at a word boundary, accented letters kept in their word
expect_status 0 "$CT" claim add --source un-report \
	--statement "Floodwater in São Paulo reached the Zürich-owned warehouses by Tuesday morning at nine"
[ "$OUT" = "floodwater-in-sao-paulo-reached-the-zurich-owned" ] && ok ||
	fail "derived id: $OUT"
expect_status 0 "$CT" claim add --source un-report \
	--statement "Officials counted more than 6,000 displaced residents across seventeen districts"
[ "$OUT" = "officials-counted-more-than-6000-displaced" ] && ok || fail "derived id: $OUT"

# bundle create takes claim ids by prefix too
expect_status 0 "$CT" bundle create -o "$TMP/b.bundle" crocus-f dah
contains "$OUT" "bundle $TMP/b.bundle"
expect_status 2 "$CT" bundle create -o "$TMP/c.bundle" crocus
contains "$ERR" "crocus-flood, crocus-rain"
[ ! -e "$TMP/c.bundle" ] && ok || fail "an ambiguous prefix wrote a bundle"

# a key id of the trust list: a unique prefix removes it
KID=$("$CT" key show "$TMP/k.key" | sed -n "s/^key-id: *//p")
"$CT" key show "$TMP/editor.key" >/dev/null || fail "key show"
expect_status 0 "$CT" trust add "$TMP/editor.key.pub"
expect_status 0 "$CT" trust remove "$(printf '%s' "$KID" | cut -c1-6)"
contains "$OUT" "key $KID is no longer trusted"
expect_status 0 "$CT" trust list
not_contains "$OUT" "$KID"

finish
