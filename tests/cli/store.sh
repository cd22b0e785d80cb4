#!/usr/bin/env bash
# End to end: the git-backed store as a user drives it (issue: the git-backed claim store).
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key --name "Test Checker" --org "Desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key
ART="${DATADIR:?DATADIR must name tests/data}/texts/orrin-flood.txt"

mkdir repo && cd repo
git init -q -b main .
echo "notes" > README.txt && git add README.txt && git commit -qm "user's own file"

# init
expect_status 0 $CT init
contains "$OUT" "initialised claimtrail store claims/"
expect_status 4 $CT init
contains "$ERR" "already exists"
[ "$(git log --format=%s -1)" = "init: claimtrail store at claims/" ] && ok || fail "init commit subject"

headrev() { git rev-parse HEAD; }

# sources
expect_status 0 $CT source add --title "Floods on the Orrin" --publisher "The Eastmere Ledger" \
	--author "Marta Oyelaran" --published 2024-03-25 --kind article --url https://example.org/a \
	--file "$ART" --id globe
[ "$OUT" = "globe" ] && ok || fail "source add prints the id: $OUT"
expect_status 0 $CT source add --title "UN Monitoring Team assessment" --publisher "United Nations"
[ "$OUT" = "un-monitoring-team-assessment" ] && ok || fail "derived source id: $OUT"
expect_status 0 $CT source show globe
contains "$OUT" "publisher:  The Eastmere Ledger"
contains "$OUT" "kept in the store"
expect_status 0 $CT source list
contains "$OUT" "globe"
contains "$OUT" "un-monitoring-team-assessment"

# bad input leaves HEAD alone
before=$(headrev)
expect_status 4 $CT source add --title T --publisher P --id ../x
contains "$ERR" "not safe"; one_line "$ERR"
expect_status 4 $CT source add --title T --publisher P --id "A B"
contains "$ERR" "not safe"
expect_status 4 $CT source add --title T --publisher P --published 2024-02-30
contains "$ERR" "is an impossible date"
expect_status 4 $CT source add --title T --publisher P --id globe
contains "$ERR" "already exists"
expect_status 2 $CT source add --title T
contains "$ERR" "--publisher"
expect_status 3 $CT claim add --statement "x happened" --source nosuch
contains "$ERR" "source nosuch does not exist"; one_line "$ERR"
expect_status 4 $CT claim add --statement "" --source globe
contains "$ERR" "statement is empty"
expect_status 4 $CT claim add --statement "Quote not there" --source globe --quote "no such words in the article"
contains "$ERR" "does not occur"
expect_status 4 $CT claim add --statement "bad qty" --source globe --quantity lots
contains "$ERR" "not a number"
# a reason that is not UTF-8 is refused (jansson's NULL once dropped it from the record silently)
expect_status 4 $CT claim add --statement "bad reason" --source globe --reason $'why\xff'
contains "$ERR" "the reason is not valid UTF-8 (byte 3)"; one_line "$ERR"
[ "$(headrev)" = "$before" ] && ok || fail "bad input moved HEAD"

# a source whose text is recorded by sha256 only; quotes anchor in a copy given at claim time
expect_status 0 $CT source add --title "Copy kept elsewhere" --publisher P --file "$ART" --no-keep-text --id offsite
[ -z "$(git ls-files 'claims/source/*/offsite/*.txt')" ] && ok || fail "--no-keep-text stored the text"
expect_status 0 $CT claim add --statement "Offsite anchored" --source offsite --quote "more than 130 families" \
	--source-text "$ART" --id offsite-anchored
expect_status 0 $CT cat offsite-anchored
contains "$OUT" '"exact": "more than 130 families"'
printf 'other text\n' > other.txt
expect_status 4 $CT claim add --statement "Wrong copy" --source offsite --quote "other" --source-text other.txt
contains "$ERR" "sha256 differs"
rm other.txt

# claims
expect_status 0 $CT claim add --statement "As many as 6,000 foreign visitors may have been stranded in the upper valley." \
	--source globe --quote "as many as 6,000 foreign visitors may have been stranded in the upper valley" \
	--quantity 6,000 --unit "foreign visitors" --qualifier "as many as" --tag iskp --tag foreign-fighters \
	--id iskp-foreign-fighters-6000
[ "$OUT" = "iskp-foreign-fighters-6000" ] && ok || fail "claim add prints the id: $OUT"
expect_status 0 $CT claim add --statement "The UN Monitoring Team documented more than 190 suicide-bomb attacks by ISKP since 2022." \
	--source un-monitoring-team-assessment --quantity 190 --qualifier "more than" --tag iskp
[ "$OUT" = "the-un-monitoring-team-documented-more-than-190" ] && ok || fail "derived claim id: $OUT"
expect_status 4 $CT claim add --statement "dup" --source globe --id iskp-foreign-fighters-6000
contains "$ERR" "already exists"

expect_status 0 $CT cat iskp-foreign-fighters-6000
contains "$OUT" '"amount": "6000"'
contains "$OUT" '"start": '
rev1=$OUT
expect_status 0 $CT claim revise iskp-foreign-fighters-6000 --quantity 5000 --reason "editor: typo in figure"
[ "$OUT" = "iskp-foreign-fighters-6000 revision 2" ] && ok || fail "revise output: $OUT"
expect_status 2 $CT claim revise iskp-foreign-fighters-6000 --quantity 4000
contains "$ERR" "--reason"
expect_status 4 $CT claim revise iskp-foreign-fighters-6000 --quantity 5000 --reason "same"
contains "$ERR" "changes nothing"
expect_status 0 $CT claim revise iskp-foreign-fighters-6000 --quantity 6000 --reason "restored: the article says 6,000"

# the chain: revision 2 names revision 1 by digest
expect_status 0 $CT show iskp-foreign-fighters-6000 --rev 1
dig1=$(printf '%s\n' "$OUT" | awk '/^digest:/{print $2}')
expect_status 0 $CT cat iskp-foreign-fighters-6000 --rev 2
contains "$OUT" "\"prev\": \"$dig1\""
contains "$OUT" '"reason": "editor: typo in figure"'

# revisions by number, digest prefix and commit
expect_status 0 $CT show iskp-foreign-fighters-6000
contains "$OUT" "revision 3 of 3"
contains "$OUT" "quantity:   as many as 6,000 foreign visitors"
contains "$OUT" "status:     unreviewed"
digest=$(printf '%s' "$OUT" | awk '/^digest:/{print $2}')
expect_status 0 $CT show iskp-foreign-fighters-6000 --rev "${digest:7:10}"
contains "$OUT" "revision 3 of 3"
expect_status 0 $CT show iskp-foreign-fighters-6000 --rev HEAD~1
contains "$OUT" "revision 2 of 3"
expect_status 3 $CT show iskp-foreign-fighters-6000 --rev 9
contains "$ERR" "no revision 9"
expect_status 3 $CT show no-such-claim
contains "$ERR" "no claim \"no-such-claim\""

# log: newest first, with commits, signer and reasons
expect_status 0 $CT log iskp-foreign-fighters-6000
first=$(printf '%s\n' "$OUT" | head -1)
contains "$first" "revision 3"
contains "$OUT" "reason: editor: typo in figure"
c2=$(git log --format=%H --grep="revision 2" -1)
contains "$OUT" "revision 2  ${c2:0:12}"
keyid=$($CT key show "$CLAIMTRAIL_KEY" | awk '/^key/{print $2}')
contains "$OUT" "signed $keyid (Test Checker, Desk)"
expect_status 0 $CT log iskp-foreign-fighters-6000 --json
contains "$OUT" "\"commit\": \"$c2\""
# the journal is a cache: without it, log rebuilds it from history
rm -rf .git/claimtrail
expect_status 0 $CT log iskp-foreign-fighters-6000
contains "$OUT" "revision 2  ${c2:0:12}"

# retract
expect_status 2 $CT claim retract the-un-monitoring-team-documented-more-than-190
expect_status 0 $CT claim retract the-un-monitoring-team-documented-more-than-190 --reason "duplicate of another claim"
expect_status 4 $CT claim revise the-un-monitoring-team-documented-more-than-190 --quantity 1 --reason x
contains "$ERR" "retracted"

# list and filters
expect_status 0 $CT list
contains "$OUT" "iskp-foreign-fighters-6000"
expect_status 0 $CT list --status retracted
contains "$OUT" "the-un-monitoring-team-documented-more-than-190"
not_contains "$OUT" "iskp-foreign-fighters-6000"
expect_status 0 $CT list --source globe
contains "$OUT" "iskp-foreign-fighters-6000"
not_contains "$OUT" "190"
expect_status 0 $CT list --tag foreign-fighters --json
contains "$OUT" '"id": "iskp-foreign-fighters-6000"'
expect_status 2 $CT list --status nonsense
expect_status 2 $CT show iskp-foreign-fighters-6000 --needs-sign-off
contains "$ERR" "does not apply"
expect_status 2 $CT cat iskp-foreign-fighters-6000 --json

# git is happy; the work tree is clean; the user's file is untouched
git fsck --strict >/dev/null 2>&1 && ok || fail "git fsck --strict"
[ -z "$(git status --porcelain)" ] && ok || fail "work tree not clean: $(git status --porcelain)"
[ "$(cat README.txt)" = "notes" ] && ok || fail "user's file changed"
git log --format=%B -1 | grep -q "^Claimtrail-Signer: $keyid$" && ok || fail "signer trailer"
git log --format=%B -1 | grep -q "^Claimtrail-Record: claim/the-un-monitoring-team-documented-more-than-190@2$" && ok || fail "record trailer"

# check passes, then catches a hand edit committed with plain git
expect_status 0 $CT check
contains "$OUT" "OK"
f=$(git ls-files 'claims/claim/*/iskp-foreign-fighters-6000/r0001.json')
sed -i 's/6,000 foreign/7,000 foreign/' "$f"
# a change to the very file being written is refused; others are left alone
echo "draft" >> README.txt
expect_status 0 $CT source revise globe --title "Floods on the Orrin river" --reason "full title"
[ "$(tail -1 README.txt)" = "draft" ] && ok || fail "uncommitted user change lost"
git commit -qam "hand edit"
expect_status 1 $CT check
contains "$OUT" "claim iskp-foreign-fighters-6000"
contains "$OUT" "changed outside claimtrail"
expect_status 1 $CT check --json
contains "$OUT" '"ok": false'
contains "$OUT" "changed outside claimtrail"
git reset -q --hard HEAD~1

# wrong passphrase: clean error, nothing written
CLAIMTRAIL_PASSPHRASE=right $CT key generate -o enc.key >/dev/null
before=$(headrev)
CLAIMTRAIL_PASSPHRASE=wrong expect_status 4 $CT claim add --statement "s" --source globe --key enc.key
contains "$ERR" "wrong passphrase"; one_line "$ERR"
[ "$(headrev)" = "$before" ] && ok || fail "wrong passphrase moved HEAD"
rm -f enc.key enc.key.pub

# uncommitted change to a file claimtrail must write: refused (a revision from 2 on is named by
# its digest, so the file in the way is a new source's first revision)
mkdir -p "$(dirname "$f")"
dir="claims/source/$(printf '%s' in-the-way-too | sha256sum | cut -c1-2)/in-the-way-too"
mkdir -p "$dir" && echo "{}" > "$dir/r0001.json"
expect_status 4 $CT source add --title T --publisher P --id in-the-way-too
contains "$ERR" "untracked file is in the way"
rm -r "$dir"
# a file where a new record's folder goes: refused before anything is committed
fan=$(printf '%s' in-the-way | sha256sum | cut -c1-2)
mkdir -p "claims/source/$fan" && echo "not a folder" > "claims/source/$fan/in-the-way"
before=$(headrev)
expect_status 4 $CT source add --title T --publisher P --id in-the-way
contains "$ERR" "an untracked file is in the way of its folder"; one_line "$ERR"
[ "$(headrev)" = "$before" ] && ok || fail "a file in the way of a folder: HEAD moved"
rm "claims/source/$fan/in-the-way"

# concurrent writers: all land, nothing lost
before_count=$(git rev-list --count HEAD)
for i in 1 2 3 4 5 6; do
	$CT claim add --statement "Concurrent claim $i" --source globe --id "concurrent-$i" >/dev/null 2>"$TMP/err$i" &
done
wait
for i in 1 2 3 4 5 6; do
	$CT show "concurrent-$i" >/dev/null 2>&1 && ok || fail "concurrent-$i lost: $(cat "$TMP/err$i")"
done
[ "$(git rev-list --count HEAD)" -eq $((before_count + 6)) ] && ok || fail "concurrent commits"
git fsck --strict >/dev/null 2>&1 && ok || fail "fsck after concurrent writes"
expect_status 0 $CT check

# a bare repository is a store too
cd "$TMP"
git clone -q --bare repo bare.git
expect_status 0 $CT -C bare.git list
contains "$OUT" "iskp-foreign-fighters-6000"
expect_status 0 $CT -C bare.git claim add --statement "Written into a bare repository" --source globe --id bare-claim
expect_status 0 $CT -C bare.git log bare-claim
git -C bare.git fsck --strict >/dev/null 2>&1 && ok || fail "fsck bare"
git clone -q bare.git clone2
expect_status 0 $CT -C clone2 check
expect_status 0 $CT -C clone2 log bare-claim
contains "$OUT" "revision 1"

# import: one commit for many claims; a bad line writes nothing
cd "$TMP/repo"
printf '%s\n' '{"id":"imp-1","statement":"Imported one","attribution":{"source":"globe"}}' \
	'{"id":"imp-2","statement":"Imported two","attribution":{"source":"globe"},"tags":["bulk"]}' > good.jsonl
printf '%s\n' '{"id":"imp-3","statement":"ok","attribution":{"source":"globe"}}' \
	'{"id":"imp-4","statement":"bad","attribution":{"source":"missing-source"}}' > bad.jsonl
before=$(headrev)
expect_status 3 $CT import bad.jsonl
contains "$ERR" "line 2"
[ "$(headrev)" = "$before" ] && ok || fail "bad import moved HEAD"
expect_status 0 $CT import good.jsonl
contains "$OUT" "imported 2 claims"
[ "$(git rev-list --count HEAD)" -eq $(( $(git rev-list --count "$before") + 1 )) ] && ok || fail "import is one commit"
git merge-base --is-ancestor "$before" HEAD && ok || fail "import commit does not descend from the old HEAD"
expect_status 0 $CT list --tag bulk
contains "$OUT" "imp-2"
rm good.jsonl bad.jsonl
expect_status 0 $CT check
# enough lines to be signed on several threads; a bad one near the end still writes nothing
for i in $(seq 1 300); do
	printf '{"id":"bulk-%d","statement":"Bulk claim %d","attribution":{"source":"globe"}}\n' "$i" "$i"
done > many.jsonl
cp many.jsonl many-bad.jsonl
printf '%s\n' '{"id":"bulk-x","statement":"","attribution":{"source":"globe"}}' >> many-bad.jsonl
before=$(headrev)
expect_status 4 $CT import many-bad.jsonl
contains "$ERR" "line 301"
[ "$(headrev)" = "$before" ] && ok || fail "bad bulk import moved HEAD"
packs_before=$(ls .git/objects/pack/ 2>/dev/null | grep -c '\.idx$' || true)
expect_status 0 $CT import many.jsonl
contains "$OUT" "imported 300 claims"
expect_status 0 $CT show bulk-300
expect_status 0 $CT check
# the import wrote one pack of its own (docs/store.md): stock git reads and checks it
[ "$(ls .git/objects/pack/ | grep -c '\.idx$')" -eq $((packs_before + 1)) ] && ok || fail "import wrote no pack"
# its .keep (which guards the pack from git gc until the branch moves) is gone afterwards
[ -z "$(ls .git/objects/pack/ | grep '\.keep$')" ] && ok || fail "import left a .keep behind"
git fsck --strict >/dev/null 2>&1 && ok || fail "fsck after a bulk import: $(git fsck --strict 2>&1 | head -3)"
for idx in .git/objects/pack/pack-*.idx; do
	git verify-pack "$idx" || fail "verify-pack $idx"
done
git cat-file -p "HEAD:$(git ls-files 'claims/claim/*/bulk-300/r0001.json')" | grep -q '"Bulk claim 300"' &&
	ok || fail "git cannot read an imported claim"
rm many.jsonl many-bad.jsonl
# a larger file (records are freed as they are signed): a bad line or an id repeated at its end
# still writes nothing, and a good file lands whole in one commit
for i in $(seq 1 2100); do
	printf '{"id":"big-%d","statement":"Big claim %d","attribution":{"source":"globe"}}\n' "$i" "$i"
done > big.jsonl
{ cat big.jsonl; printf '%s\n' '{"id":"big-7","statement":"Again","attribution":{"source":"globe"}}'; } > big-dup.jsonl
{ cat big.jsonl; printf '%s\n' '{"id":"big-x","statement":"Bad","attribution":{"source":"nowhere"}}'; } > big-bad.jsonl
before=$(headrev)
expect_status 4 $CT import big-dup.jsonl
contains "$ERR" "line 2101: claim big-7 appears twice"
expect_status 3 $CT import big-bad.jsonl
contains "$ERR" "line 2101"
[ "$(headrev)" = "$before" ] && ok || fail "a bad last line moved HEAD"
[ -z "$(find claims/claim -path '*/big-1/*' 2>/dev/null)" ] && ok ||
	fail "a refused import left files in the work tree"
expect_status 0 $CT import big.jsonl
contains "$OUT" "imported 2100 claims"
[ "$(git rev-list --count "$before"..HEAD)" -eq 1 ] && ok || fail "a large import is not one commit"
expect_status 0 $CT show big-2100
expect_status 0 $CT show big-1
git fsck --strict >/dev/null 2>&1 && ok || fail "fsck after a large import"
rm big.jsonl big-dup.jsonl big-bad.jsonl

# merging the store into a branch that lacks it (and back) is not a hand edit
git checkout -q -b topic HEAD~8
echo "topic work" > topic.txt && git add topic.txt && git commit -qm "topic work"
git merge -q --no-edit main
expect_status 0 $CT check
git checkout -q main
expect_status 0 $CT claim add --statement "After the merge" --source globe --id after-merge
git merge -q --no-edit topic
rm -rf .git/claimtrail
expect_status 0 $CT check
expect_status 0 $CT log iskp-foreign-fighters-6000
contains "$OUT" "revision 2  ${c2:0:12}"

# review findings, each a regression test
# a quote is checked against the text of the source revision it cites, not an older kept one
cd "$TMP" && rm -rf rv && mkdir rv && cd rv
printf 'old words only here\n' > a.txt
printf 'new words only here\n' > b.txt
$CT init >/dev/null
$CT source add --title T --publisher P --id s --file a.txt >/dev/null
$CT source revise s --file b.txt --no-keep-text --reason "re-retrieved" >/dev/null
expect_status 0 $CT claim add --statement "Old" --source s --quote "old words" --id q-old
expect_status 0 $CT cat q-old
not_contains "$OUT" '"selector"' "a quote anchored in the wrong text"
expect_status 0 $CT claim add --statement "New" --source s --quote "new words" --source-text b.txt --id q-new
expect_status 0 $CT cat q-new
contains "$OUT" '"exact": "new words"'
# init does not overwrite a store it cannot read
sed -i 's/"version": 1/"version": 2/' claims/store.json && git commit -qam "future store"
before=$(headrev)
expect_status 4 $CT init
contains "$ERR" "unsupported store version"
[ "$(headrev)" = "$before" ] && ok || fail "init overwrote an unreadable store"
git reset -q --hard HEAD~1
# a detached HEAD can be read, not written
git checkout -q --detach
expect_status 0 $CT list
contains "$OUT" "q-new"
expect_status 0 $CT log q-new
expect_status 4 $CT claim add --statement "Detached" --source s --id detached
contains "$ERR" "detached"
git checkout -q main
# a folder that is not a claim does not break list
mkdir -p claims/claim/00/Notes && echo hi > claims/claim/00/Notes/readme.md
git add claims/claim/00 && git commit -qm "notes by hand"
expect_status 0 $CT list
contains "$OUT" "q-new"
expect_status 1 $CT check
contains "$OUT" "Notes"

# the library reads no environment: the command reads SOURCE_DATE_EPOCH and GIT_AUTHOR_* /
# GIT_COMMITTER_* and passes them in, for the commit and for the record's created time
mkdir ../envrepo && cd ../envrepo && git init -q -b main .
SOURCE_DATE_EPOCH=1234567890 GIT_AUTHOR_NAME="Ada Author" GIT_AUTHOR_EMAIL=ada@example.invalid \
	GIT_COMMITTER_NAME="Cy Committer" GIT_COMMITTER_EMAIL=cy@example.invalid \
	expect_status 0 $CT init
[ "$(git log -1 --format='%an <%ae> %at|%cn <%ce> %ct')" = \
	"Ada Author <ada@example.invalid> 1234567890|Cy Committer <cy@example.invalid> 1234567890" ] &&
	ok || fail "identity and time: $(git log -1 --format='%an <%ae> %at|%cn <%ce> %ct')"
SOURCE_DATE_EPOCH=1234567890 expect_status 0 $CT source add --title "Env" --publisher "P" \
	--published 2024-03-25 --kind article --url https://example.org/e --file "$ART" --id envsrc
expect_status 0 $CT source show envsrc --json
contains "$OUT" '"created": "2009-02-13T23:31:30Z"' "source created"

# a store written only by claimtrail does not gather a pack per write: the small packs of
# single writes are merged once more than 8 are there (docs/store.md, "Objects and git gc"),
# and nothing any commit refers to is lost on the way
mkdir ../packrepo && cd ../packrepo && git init -q -b main .
expect_status 0 $CT init
expect_status 0 $CT source add --title "Packs" --publisher "P" --id psrc
for i in $(seq 1 70); do
	$CT claim add --statement "Pack claim $i" --source psrc --id pack-$i >/dev/null 2>&1 ||
		fail "claim add pack-$i"
done
packs=$(ls .git/objects/pack/*.pack | wc -l)
[ "$packs" -le 9 ] && ok || fail "72 writes left $packs packs"
[ -z "$(ls .git/objects/pack/*.keep 2>/dev/null)" ] && ok || fail "a .keep was left"
git fsck --strict --no-dangling >/dev/null 2>&1 && ok || fail "git fsck after the merges"
expect_status 0 $CT check
expect_status 0 $CT list
[ "$(printf '%s\n' "$OUT" | grep -c 'pack-')" = 70 ] && ok || fail "list after the merges"
# the first list derives the summaries of more than 64 claims on every core: the same lines,
# and the same warning for a claim folder with no revision, as on one core
mkdir -p claims/claim/ab/no-revision && echo hi > claims/claim/ab/no-revision/readme.md
git add claims/claim/ab && git commit -qm "a claim folder by hand"
rm -f .git/claimtrail/summaries
expect_status 0 $CT list
all_out=$OUT all_err=$ERR
contains "$all_err" "no-revision"
rm -f .git/claimtrail/summaries
expect_status 0 taskset -c 0 $CT list
[ "$OUT" = "$all_out" ] && [ "$ERR" = "$all_err" ] && ok || fail "list on one core differs"
expect_status 0 $CT list
[ "$OUT" = "$all_out" ] && [ "$ERR" = "$all_err" ] && ok || fail "list from the cache differs"
# check reads and verifies the records ahead on every core: the same findings, in the same
# order, as on one core (a record edited by hand, committed with plain git)
f=$(ls claims/claim/*/pack-7/r0001.json)
sed -i 's/Pack claim 7/Pack claim seven/' "$f"
git commit -qam "edited by hand"
expect_status 1 $CT check
all_out=$OUT
contains "$all_out" "pack-7"
expect_status 1 taskset -c 0 $CT check
[ "$OUT" = "$all_out" ] && ok || fail "check on one core differs"
finish
