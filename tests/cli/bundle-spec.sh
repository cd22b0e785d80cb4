#!/bin/sh
# Bundles agree with docs/bundle.md where an independent verifier found they did not (issue 12):
# kept source texts travel and are imported, import refuses what check would reject, annotation
# ids are recomputed, a bad trust key exits 4, proofs state only what the root proves.
. "$(dirname "$0")/lib.sh"
VECTORS="$SRCDIR/tests/vectors/bundle"
export SOURCE_DATE_EPOCH=1711972800

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$PWD/k.key
printf 'As many as 6,000 foreign fighters may have moved into the region.\n' >article.txt
mkdir a && (cd a && git init -q && $CT init >/dev/null) || exit 99
expect_status 0 $CT -C a source add --title T --publisher P --id s1 --file article.txt
expect_status 0 $CT -C a claim add --statement S --source s1 --quote "As many as 6,000" --id c1
expect_status 0 $CT -C a annotate c1 --verdict mostly-true
expect_status 0 $CT -C a bundle create -o "$TMP/t.bundle" --all --history --annotations
contains "$OUT" "1 source text"

# the text travels: verified against the source revision's archive, then kept by the importer
expect_status 0 $CT verify "$TMP/t.bundle" --trust k.key.pub
contains "$OUT" "text s1@1: OK [signature.valid, text.valid]"
mkdir b && (cd b && git init -q && $CT init >/dev/null) || exit 99
expect_status 0 $CT -C b bundle import "$TMP/t.bundle" --trust "$TMP/k.key.pub"
cmp -s article.txt b/claims/source/*/s1/r0001.txt && ok || fail "the imported text differs"
expect_status 0 $CT -C b source show s1
contains "$OUT" "kept in the store"
expect_status 0 $CT -C b check
contains "$OUT" "OK"

# a text too long for a bundle line stays behind; the importer's source show says it has none
head -c 900000 /dev/zero | tr '\0' 'x' >big.txt
expect_status 0 $CT -C a source add --title Big --publisher P --id s2 --file big.txt
expect_status 0 $CT -C a claim add --statement S2 --source s2 --id c2
expect_status 0 $CT -C a bundle create -o "$TMP/big.bundle" c2
not_contains "$OUT" "source text"
mkdir c && (cd c && git init -q && $CT init >/dev/null) || exit 99
expect_status 0 $CT -C c bundle import "$TMP/big.bundle" --trust "$TMP/k.key.pub"
expect_status 0 $CT -C c source show s2
contains "$OUT" "recorded as kept, but this store does not have it"
not_contains "$OUT" ", kept in the store"

# import refuses what check would reject: a source_revision of another source, a wrong
# annotation id (the corpus cases, signed by its insecure test keys)
mkdir d && (cd d && git init -q && $CT init >/dev/null) || exit 99
for case in source-revision-of-other-source annotation-id-wrong; do
	expect_status 1 $CT -C d bundle import "$VECTORS/$case/bundle" --trust "$VECTORS/$case/trust"
	one_line "$ERR"
	contains "$ERR" "not imported"
done
[ -z "$(git -C d log --oneline --grep 'bundle import' 2>/dev/null)" ] && ok || fail "d: something was imported"

# check recomputes annotation ids (workflow.md): an annotation signed with a made-up id
A=$(ls a/claims/claim/*/c1/annotations/*.json)
sed 's/"id": "verdict-[0-9a-f]*"/"id": "verdict-000000000000"/; /"signatures": \[/,/^  \],$/d' "$A" \
	>wrong.json
expect_status 0 $CT sign wrong.json --key k.key
cp wrong.json "$(dirname "$A")/verdict-000000000000.json"
git -C a add -A >/dev/null && git -C a commit -qm "hand-made annotation" || exit 99
expect_status 1 $CT -C a check
contains "$OUT" "annotation verdict-000000000000: its id is not the one its content and first signer"

# a trust key that is not a valid key record: exit 4 (docs/bundle.md 5), for import too
sed -E '/"sig"/ { s/("sig": "[^"]{9})A/\1B/; t; s/("sig": "[^"]{9})[^A]/\1A/ }' k.key.pub >bad.pub
cmp -s k.key.pub bad.pub && fail "bad.pub is not changed" || ok
expect_status 4 $CT -C b bundle import "$TMP/t.bundle" --trust "$TMP/bad.pub"
expect_status 4 $CT verify "$TMP/t.bundle" --trust bad.pub
expect_status 4 $CT verify "$TMP/t.bundle" --trust nosuch.pub

# an inclusion proof: the root proves the record is a leaf, not the tree's size
expect_status 0 $CT bundle prove "$TMP/t.bundle" c1 -o c1.proof
ROOT=$($CT bundle info "$TMP/t.bundle" --json | sed -n 's/.*"merkle_root": *"\([0-9a-f]*\)".*/\1/p')
expect_status 0 $CT verify --proof c1.proof --root "$ROOT"
contains "$OUT" "claim c1 revision 1: included in the bundle with merkle root $ROOT"
not_contains "$OUT" "leaf"

finish
