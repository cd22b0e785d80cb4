#!/usr/bin/env bash
# claimtrail diff BUNDLE-A BUNDLE-B: what a newer bundle adds, drops and changes.
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key
mkdir repo && cd repo
$CT init >/dev/null
$CT source add --title T --publisher P --id s >/dev/null
$CT claim add --statement "Six thousand fighters" --source s --id c1 >/dev/null
$CT claim add --statement "Another claim" --source s --id c2 >/dev/null
expect_status 0 $CT bundle create -o ../week1.bundle --all --history --annotations
$CT claim revise c1 --statement "As many as six thousand fighters" --reason "hedged" >/dev/null
$CT annotate c1 --verdict unverifiable --note "no primary source" >/dev/null
$CT claim add --statement "A third claim" --source s --id c3 >/dev/null
expect_status 0 $CT bundle create -o ../week2.bundle --all --history --annotations
cd "$TMP"

expect_status 0 $CT diff week1.bundle week2.bundle
contains "$OUT" "claim c1@2 added"
contains "$OUT" "claim c3@1 added"
contains "$OUT" "annotation verdict-"
not_contains "$OUT" "claim c1@1"
contains "$OUT" "3 added, 0 removed, 0 changed"
expect_status 0 $CT diff week2.bundle week1.bundle
contains "$OUT" "claim c3@1 removed"
expect_status 0 $CT diff week1.bundle week1.bundle
contains "$OUT" "no changes"
expect_status 0 $CT diff week1.bundle week2.bundle --json
contains "$OUT" '"added": 3'
contains "$OUT" '"record": "c1@2"'

# the same claim id and revision with other content: "changed"
mkdir other && cd other
$CT init >/dev/null
$CT source add --title T --publisher P --id s >/dev/null
$CT claim add --statement "Five thousand fighters" --source s --id c1 >/dev/null
$CT bundle create -o ../other.bundle --all >/dev/null
cd "$TMP"
expect_status 0 $CT diff week1.bundle other.bundle
contains "$OUT" "claim c1@1 changed"

# not a bundle: falls back to a claim id, which fails cleanly outside a store
printf 'hello\n' > not.bundle
expect_status 3 $CT -C "$TMP" diff not.bundle week1.bundle
one_line "$ERR"
# a source whose text the recording store kept: bundles do not carry texts, and the importing
# store's check accepts that (docs/bundle.md), while a kept text that changed is still caught
mkdir texts && cd texts
printf 'The full text of the source, with a quote in it.\n' > src.txt
$CT init >/dev/null
$CT source add --title T --publisher P --id kept --file src.txt >/dev/null
$CT claim add --statement "Quoted" --source kept --quote "a quote in it" --id quoted >/dev/null
$CT bundle create -o ../texts.bundle --all >/dev/null
cd "$TMP" && mkdir importer && cd importer
$CT init >/dev/null
expect_status 0 $CT bundle import ../texts.bundle --trust "$TMP/k.key.pub"
expect_status 0 $CT check
cd "$TMP/texts"
f=$(git ls-files 'claims/source/*/kept/r0001.txt')
printf 'changed\n' > "$f" && git commit -qam "hand edit of a kept text"
expect_status 1 $CT check
contains "$OUT" "source kept revision 1: the stored text does not match its sha256"
contains "$OUT" "changed outside claimtrail"
git reset -q --hard HEAD~1
# an older kept text changed by hand is caught too, not only the newest
printf 'A second text.\n' > src2.txt
$CT source revise kept --file src2.txt --reason "re-retrieved" >/dev/null
printf 'changed\n' > "$f" && git commit -qam "hand edit of the older text"
expect_status 1 $CT check
contains "$OUT" "source kept revision 1: the stored text does not match its sha256"
cd "$TMP"
finish
