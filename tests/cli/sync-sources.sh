#!/bin/sh
# Concurrent revisions of a source (docs/sync.md, issue 14 point 4), as tests/cli/sync.sh does for
# claims: a bare "hub" repository, two clones with their own keys that trust each other, both
# revise the same source (with new text) from the same revision. Both syncs keep both revisions
# and both texts side by side, the source is conflicted on both clones; `source revise --merge`
# and one more sync leave both identical and check clean; a plain git pull by hand gets no
# text conflict.
. "$(dirname "$0")/lib.sh"

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
head_of() { git -C "$1" rev-parse HEAD; }
same() {
	[ "$(head_of "$1")" = "$(head_of "$2")" ] && ok || fail "$1 and $2 differ: $(head_of "$1") $(head_of "$2")"
	[ -z "$(git -C "$1" status --porcelain)" ] && ok || fail "$1: $(git -C "$1" status --porcelain)"
}
# texts_match C: every kept text of source report is named as one of its revisions
texts_match() {
	for t in "$1"/claims/source/*/report/*.txt; do
		[ -f "${t%.txt}.json" ] && ok || fail "$t: no revision of that name"
	done
}

printf 'The ministry said 6,000 fighters moved.\n' >t1.txt
printf 'The ministry said about 6,000 fighters moved north.\n' >ta.txt
printf 'The ministry said 6,000 fighters moved, then 5,000.\n' >tb.txt
printf 'The ministry said some 6,000 fighters moved north, then 5,000.\n' >tm.txt

git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id report --title "A report" --publisher "A desk" --file t1.txt >/dev/null || exit 99
$A claim add --id c1 --statement "About 6,000 fighters moved." --source report \
	--quote "6,000 fighters moved" >/dev/null || exit 99
git -C a remote add origin ../hub.git
expect_status 0 $A push
git clone -q hub.git b || exit 99
expect_status 0 $B trust add "$TMP/alice.key.pub" --name Alice
expect_status 0 $B trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 $A trust add "$TMP/bob.key.pub" --name Bob

# ---- a revision from 2 on is named by its digest, its text as the revision ----
expect_status 0 $A source revise report --publisher "A desk (corrected)" --file ta.txt --reason "Alice re-retrieved it"
expect_status 0 $B source revise report --title "A report, second edition" --file tb.txt --reason "Bob re-retrieved it"
for c in a b; do
	[ "$(ls $c/claims/source/*/report/r0002-*.json | wc -l)" -eq 1 ] && ok || fail "$c: revision 2 is not named by its digest"
	[ "$(ls $c/claims/source/*/report/r0002-*.txt | wc -l)" -eq 1 ] && ok || fail "$c: revision 2's text is not named as it"
	[ ! -e "$(ls -d $c/claims/source/*/report)/r0002.json" ] && ok || fail "$c: r0002.json written"
	texts_match $c
	expect_status 0 "$CT" -C $c check
	expect_status 0 "$CT" -C $c source show report
	contains "$OUT" "source report (revision 2 of 2)"
	contains "$OUT" "kept in the store"
done

# ---- both sync: both revisions and both texts kept, the source conflicted on both ----
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "1 source is conflicted"
expect_status 0 $B sync --json
contains "$OUT" '"conflicted_sources": 0'
expect_status 0 $A sync
same a b
for c in a b; do
	[ "$(ls $c/claims/source/*/report/r0002-*.json | wc -l)" -eq 2 ] && ok || fail "$c: both revisions 2 are not kept"
	[ "$(ls $c/claims/source/*/report/r0002-*.txt | wc -l)" -eq 2 ] && ok || fail "$c: both texts 2 are not kept"
	texts_match $c
	expect_status 0 "$CT" -C $c source show report
	contains "$OUT" "status:     conflicted (2 concurrent revisions: revision 2 sha256:"
	contains "$OUT" "end it with 'claimtrail source revise report --merge'"
	contains "$OUT" "source report (revision 2 of 2)"
	contains "$OUT" "kept in the store"
	expect_status 0 "$CT" -C $c source show report --json
	contains "$OUT" '"conflicted": ['
	# each concurrent revision by its digest (the file name's suffix), with its own text
	seen=""
	for f in $c/claims/source/*/report/r0002-*.json; do
		h=${f##*/r0002-}
		expect_status 0 "$CT" -C $c source show report --rev "${h%.json}"
		seen="$seen$(printf '%s\n' "$OUT" | grep -e '^title:' -e '^publisher:')"
	done
	contains "$seen" "A report, second edition"
	contains "$seen" "A desk (corrected)"
	expect_status 1 "$CT" -C $c check
	contains "$OUT" "source/report: conflicted: 2 concurrent revisions (end it with 'claimtrail source revise report --merge')"
	[ "$(printf '%s\n' "$OUT" | grep -c conflicted)" -eq 1 ] && ok || fail "$c: not one conflicted finding: $OUT"
	not_contains "$OUT" "stored text"
	not_contains "$OUT" "unexpected file"
	# a claim citing the source keeps working
	expect_status 0 "$CT" -C $c show c1
	contains "$OUT" "claim c1 (revision 1 of 1)"
	# its quote is checked against the current head's text; the source's page lists both
	expect_status 0 "$CT" -C $c anchor check
	contains "$OUT" "0 orphaned, 0 broken, 0 without text"
	expect_status 0 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C $c publish -o "$TMP/site-$c" --base-url https://example.org --all
	[ "$(grep -o '<h3>Revision [0-9]*</h3>' "$TMP/site-$c"/source/report.html | tr '\n' ' ')" = "<h3>Revision 2</h3> <h3>Revision 2</h3> <h3>Revision 1</h3> " ] &&
		ok || fail "$c: the source page's revisions: $(grep -o '<h3>Revision [0-9]*</h3>' "$TMP/site-$c"/source/report.html)"
	# the site's bundles carry the claim's current revision (no one line of the source's
	# revisions to carry), and verify
	for f in "$TMP/site-$c"/bundle/c1.bundle "$TMP/site-$c"/claims.bundle; do
		expect_status 0 "$CT" verify "$f" --trust "$TMP/alice.key.pub" --trust "$TMP/bob.key.pub"
	done
	expect_status 0 "$CT" -C $c log report
	[ "$(printf '%s\n' "$OUT" | grep -c '^revision 2 ')" -eq 2 ] && ok || fail "$c: log does not show both revisions 2: $OUT"
done

# a clone of the hub as it stands now, for the bundle import below
git clone -q hub.git pre || exit 99
expect_status 0 "$CT" -C pre trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 "$CT" -C pre trust add "$TMP/alice.key.pub" --name Alice

# ---- bundles of a claim citing the conflicted source: its cited revision carried, or a
# --history refused whole (a bundle's history is one line of revisions) ----
mkdir -p trusted && cp alice.key.pub bob.key.pub trusted/ || exit 99
expect_status 0 $A bundle create c1 -o cc.bundle
expect_status 0 "$CT" verify cc.bundle --trust trusted
git init -q -b main imp || exit 99
expect_status 0 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C imp init
expect_status 0 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C imp bundle import cc.bundle --trust trusted
expect_status 0 "$CT" -C imp check --trust trusted
expect_status 4 $A bundle create c1 --history -o hist.bundle
contains "$ERR" "source report: its revisions forked (concurrent revisions kept by a sync), and --history carries one line of revisions; bundle without --history"
one_line "$ERR"
[ ! -e hist.bundle ] && ok || fail "a refused bundle was written"

# ---- a plain revision or retraction is refused while conflicted; --merge ends it ----
expect_status 4 $A source revise report --title "x" --reason "x"
contains "$ERR" "source report is conflicted: 2 concurrent revisions; write the one that merges them with 'claimtrail source revise report --merge ...'"
one_line "$ERR"
expect_status 4 $A source retract report --reason "x"
contains "$ERR" "source report is conflicted"
expect_status 2 $A source retract report --merge --reason "x"
expect_status 0 $A source revise report --merge --title "A report, second edition" --reason "both readings"
contains "$OUT" "report"
expect_status 4 $A source revise report --merge --title "x" --reason "x"
contains "$ERR" "source report is not conflicted"
prev=$(grep -A 3 '"prev": \[' a/claims/source/*/report/r0003-*.json | grep -c '"sha256:')
[ "$prev" -eq 2 ] && ok || fail "the merge revision does not name both parents"
git -C a log -1 --format=%s | grep -q "^source merge report (revision 3)" && ok || fail "merge subject: $(git -C a log -1 --format=%s)"
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "fast-forwarded main"
same a b
for c in a b; do
	expect_status 0 "$CT" -C $c check
	expect_status 0 "$CT" -C $c source show report
	contains "$OUT" "source report (revision 3 of 3)"
	not_contains "$OUT" "conflicted"
	contains "$OUT" "title:      A report, second edition"
	# the merge revision brought no text: it keeps the text of the head it was built on
	contains "$OUT" "kept in the store"
done

# ---- bundles after the merge: the claim with the source's current revision; --history is
# still refused (the fork stays in the history) ----
expect_status 0 $A claim revise c1 --statement "About 6,000 fighters moved north." --quote "6,000 fighters moved" --reason "the merged edition"
expect_status 0 $A bundle create c1 -o c1.bundle
expect_status 0 "$CT" verify c1.bundle --trust trusted
if command -v node >/dev/null 2>&1; then
	expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --bundle c1.bundle --trust trusted
fi
# the merge revision needs the heads it names: a store without them refuses the bundle whole
# (import's rule for any chain), one with them (a clone from before the merge) takes it
before=$(git -C imp rev-parse HEAD)
expect_status 4 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C imp bundle import c1.bundle --trust trusted
contains "$ERR" "source report: the revision sha256:"
contains "$ERR" "its prev names is neither in the bundle nor in the store"
one_line "$ERR"
[ "$(git -C imp rev-parse HEAD)" = "$before" ] && [ -z "$(git -C imp status --porcelain)" ] && ok || fail "a refused import wrote"
expect_status 0 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C pre bundle import c1.bundle --trust trusted
expect_status 0 "$CT" -C pre check --trust trusted
expect_status 0 "$CT" -C pre source show report
contains "$OUT" "title:      A report, second edition"
contains "$OUT" "kept in the store"
expect_status 4 $A bundle create c1 --history -o hist.bundle
contains "$ERR" "source report: its revisions forked"
expect_status 0 $A sync
expect_status 0 $B sync
same a b

# ---- a plain git pull by hand: no text conflict, the source is conflicted ----
expect_status 0 $A source revise report --url "https://example.org/a" --file ta.txt --reason "a"
expect_status 0 $B source revise report --url "https://example.org/b" --file tb.txt --reason "b"
expect_status 0 $A push
git -C b pull -q --no-rebase --no-edit origin main >/dev/null 2>&1 && ok || fail "plain git pull conflicted"
expect_status 1 $B check
contains "$OUT" "source/report: conflicted: 2 concurrent revisions"
not_contains "$OUT" "merge conflict"
[ "$(ls b/claims/source/*/report/r0004-*.txt | wc -l)" -eq 2 ] && ok || fail "plain git pull: both texts 4 are not kept"
expect_status 0 $B source revise report --merge --file tm.txt --reason "merged after git pull"
texts_match b
expect_status 0 $B sync
expect_status 0 $A sync
same a b
expect_status 0 $A check
expect_status 0 $B check
expect_status 0 $A source show report
contains "$OUT" "source report (revision 5 of 5)"
contains "$OUT" "kept in the store"
expect_status 0 $A diff report
expect_status 0 $A show c1

# ---- a store written before: a source's revision 2 as "r0002.json" and its text "r0002.txt"
# (made here by renaming with plain git, which check reports as such and only as such) keeps
# reading, and a revision on top of it is named by its digest and finds the old text ----
git init -q -b main old || exit 99
O="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C old"
$O init >/dev/null || exit 99
$O source add --id s --title T --publisher P --file t1.txt >/dev/null || exit 99
$O source revise s --title T2 --file ta.txt --reason x >/dev/null || exit 99
d=$(cd old && ls -d claims/source/*/s)
(cd old && git mv "$d"/r0002-*.json "$d/r0002.json" && git mv "$d"/r0002-*.txt "$d/r0002.txt" &&
	git commit -qm "the layout before digest names") || exit 99
expect_status 0 $O source show s
contains "$OUT" "source s (revision 2 of 2)"
contains "$OUT" "kept in the store"
expect_status 0 $O source revise s --title T3 --reason "no new text"
[ "$(ls old/$d/r0003-*.json | wc -l)" -eq 1 ] && ok || fail "revision 3 is not named by its digest"
expect_status 0 $O source show s
contains "$OUT" "source s (revision 3 of 3)"
contains "$OUT" "kept in the store"
expect_status 0 $O claim add --id c --statement "Moved." --source s --quote "6,000 fighters moved north"
expect_status 1 $O check
contains "$OUT" "r0002.json: changed outside claimtrail"
[ "$(printf '%s\n' "$OUT" | grep -v -e '^trust:' -e 'changed outside claimtrail' -e 'removed in commit' | wc -l)" -eq 0 ] &&
	ok || fail "check finds more than the plain git rename: $OUT"

finish
