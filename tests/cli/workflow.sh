#!/bin/sh
# End to end: verdicts, notes, disputes and resolutions, the status rules, an editor's sign-off
# and check --threshold, ClaimReview output, annotators writing at the same time, and how each
# command refuses bad input without writing anything.
. "$(dirname "$0")/lib.sh"
: "${DATADIR:?DATADIR must name tests/data}"
ARTICLE="$DATADIR/texts/orrin-flood.txt"

"$CT" key generate --unencrypted --name "Fact Checker" --org "Example Desk" -o k.key >/dev/null ||
	exit 99
"$CT" key generate --unencrypted --name "Editor" -o editor.key >/dev/null || exit 99
EDITOR=$("$CT" key show editor.key | sed -n "s/^key-id: *//p")
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99

# HEAD must not move after a refused command.
unchanged() {
	[ "$(git rev-parse HEAD)" = "$1" ] && ok || fail "HEAD moved after: $2"
}
commits() { git rev-list --count HEAD; }

expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id globe --title "Floods on the Orrin" --publisher "The Eastmere Ledger" \
	--author "Marta Oyelaran" --published 2024-03-25 --url https://example.com/orrin --file "$ARTICLE"
expect_status 0 "$CT" source add --id un-report --title "Monitoring report" --publisher "UN Security Council" \
	--kind report
expect_status 0 "$CT" claim add --id deaths --statement "The flood drove more than 130 families from home." \
	--source globe --quote "more than 130 families"
expect_status 0 "$CT" claim add --id attrib --statement "U.N. hydrologists blamed a jammed sluice gate." \
	--source globe --quote "U.N. hydrologists have confirmed this account"

# ---- bad input: a clear one-line error, nothing written ----
H=$(git rev-parse HEAD)
expect_status 4 "$CT" annotate deaths --verdict bogus
contains "$ERR" 'claim deaths: unknown verdict "bogus"'
contains "$ERR" "true, mostly-true, mixed, mostly-false, false, misleading, unverifiable"
one_line "$ERR"
unchanged "$H" "unknown verdict"
expect_status 3 "$CT" annotate nosuch --verdict true
contains "$ERR" 'no claim "nosuch" in the store'
one_line "$ERR"
unchanged "$H" "unknown claim"
expect_status 3 "$CT" annotate deaths --verdict true --evidence nosource
contains "$ERR" "evidence source nosource does not exist"
one_line "$ERR"
unchanged "$H" "missing evidence"
expect_status 4 "$CT" annotate 'Bad/Id' --verdict true
one_line "$ERR"
expect_status 2 "$CT" annotate deaths
contains "$ERR" "give --verdict, --note or both"
expect_status 2 "$CT" annotate deaths --verdict true --outcome upheld
expect_status 2 "$CT" dispute deaths --by "someone"
expect_status 3 "$CT" dispute nosuch --by x --reason y
expect_status 3 "$CT" dispute deaths --by x --reason y --source nosource
contains "$ERR" "dispute source nosource does not exist"
expect_status 2 "$CT" resolve deaths dispute-000000000000 --outcome maybe --note x
expect_status 3 "$CT" resolve deaths dispute-000000000000 --outcome rejected --note x
contains "$ERR" "claim deaths has no dispute dispute-000000000000"
one_line "$ERR"
unchanged "$H" "bad dispute or resolution"

# ---- a verdict: one commit, one file, named in the trailers ----
N=$(commits)
expect_status 0 "$CT" annotate deaths --verdict mostly-true --note "The water board counted 137" \
	--evidence un-report
V1=$OUT
case "$V1" in verdict-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ok ;;
*) fail "annotation id: $V1" ;; esac
[ "$(commits)" -eq $((N + 1)) ] && ok || fail "annotate did not make exactly one commit"
git log -1 --format=%B | grep -q "^Claimtrail-Record: annotation/$V1$" && ok || fail "no trailer for $V1"
git log -1 --format=%s | grep -q '^annotate deaths: verdict mostly-true$' && ok || fail "subject: $(git log -1 --format=%s)"
ls claims/claim/*/deaths/annotations/"$V1".json >/dev/null 2>&1 && ok || fail "no file for $V1"
grep -q '"claim_revision": "sha256:' claims/claim/*/deaths/annotations/"$V1".json && ok ||
	fail "the annotation does not name the revision it judges"
expect_status 0 "$CT" show deaths
contains "$OUT" "status:     supported (verdict \"mostly-true\" on the current revision ($V1"
contains "$OUT" "$V1  verdict \"mostly-true\" - The water board counted 137"
expect_status 0 "$CT" list --status supported
contains "$OUT" "deaths"
not_contains "$OUT" "attrib"
expect_status 0 "$CT" list --status unreviewed
contains "$OUT" "attrib"
not_contains "$OUT" "deaths"

# ---- a note alone does not change the status ----
expect_status 0 "$CT" annotate attrib --note "Ask for the primary source of the attribution."
N1=$OUT
case "$N1" in note-*) ok ;; *) fail "note id: $N1" ;; esac
expect_status 0 "$CT" show attrib
contains "$OUT" "status:     unreviewed"

# ---- a dispute, and its resolution ----
expect_status 0 "$CT" dispute attrib --by "the gate's operator" --reason "questioned the U.N. account" \
	--source un-report
D1=$OUT
case "$D1" in dispute-*) ok ;; *) fail "dispute id: $D1" ;; esac
expect_status 0 "$CT" show attrib
contains "$OUT" "status:     disputed (1 open dispute; latest $D1 by the gate's operator: questioned the U.N. account)"
expect_status 0 "$CT" list --status disputed
contains "$OUT" "attrib"
H=$(git rev-parse HEAD)
expect_status 4 "$CT" resolve attrib "$N1" --outcome rejected --note x
contains "$ERR" "annotation $N1 is a note, not a dispute"
expect_status 3 "$CT" resolve deaths "$D1" --outcome rejected --note x
contains "$ERR" "claim deaths has no dispute $D1"
unchanged "$H" "resolving the wrong thing"
expect_status 0 "$CT" resolve attrib "$D1" --outcome rejected --note "The account stands: the gate jammed."
R1=$OUT
case "$R1" in resolution-*) ok ;; *) fail "resolution id: $R1" ;; esac
git log -1 --format=%s | grep -q "^resolve attrib: dispute $D1 rejected$" && ok || fail "resolve subject"
expect_status 0 "$CT" show attrib
contains "$OUT" "status:     unreviewed"
contains "$OUT" "resolution of $D1: rejected"
H=$(git rev-parse HEAD)
expect_status 4 "$CT" resolve attrib "$D1" --outcome upheld --note again
contains "$ERR" "dispute $D1 is already resolved by $R1"
one_line "$ERR"
unchanged "$H" "resolving twice"

# ---- an upheld dispute sends the claim back for review ----
expect_status 0 "$CT" dispute deaths --by "A reader" --reason "The count rose later"
D2=$OUT
expect_status 0 "$CT" resolve deaths "$D2" --outcome upheld --note "The count rose to 145."
expect_status 0 "$CT" show deaths
contains "$OUT" "status:     needs-review (dispute $D2 was upheld"

# ---- a revision: the older verdict is shown as judging an older revision ----
expect_status 0 "$CT" claim revise deaths --statement "The flood drove more than 140 families from home." \
	--reason "the count rose"
expect_status 0 "$CT" show deaths
contains "$OUT" "status:     needs-review (verdict \"mostly-true\" ($V1) judged an older revision; revision 2 has no verdict)"
contains "$OUT" "$V1  verdict \"mostly-true\" - The water board counted 137 [judged an older revision"
expect_status 0 "$CT" list --status needs-review
contains "$OUT" "deaths"
expect_status 0 "$CT" annotate deaths --verdict false --note "The article says more than 130."
V2=$OUT
expect_status 0 "$CT" show deaths
contains "$OUT" "status:     refuted (verdict \"false\" on the current revision ($V2"
expect_status 0 "$CT" list --status refuted
contains "$OUT" "deaths"

# ---- ClaimReview ----
expect_status 0 "$CT" show deaths --claimreview --url https://example.com/checks/deaths
contains "$OUT" '"@context": "https://schema.org"'
contains "$OUT" '"@type": "ClaimReview"'
contains "$OUT" '"claimReviewed": "The flood drove more than 140 families from home."'
contains "$OUT" '"alternateName": "False"'
contains "$OUT" '"ratingValue": 1'
contains "$OUT" '"bestRating": 5'
contains "$OUT" '"worstRating": 1'
contains "$OUT" '"name": "Marta Oyelaran"'
contains "$OUT" '"name": "Example Desk"'
contains "$OUT" '"url": "https://example.com/orrin"'
contains "$OUT" '"url": "https://example.com/checks/deaths"'
if command -v node >/dev/null 2>&1; then
	printf '%s\n' "$OUT" | node -e '
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			const r = JSON.parse(s);
			const ok = r["@type"] === "ClaimReview" && r.reviewRating["@type"] === "Rating" &&
				r.itemReviewed["@type"] === "Claim" && /^\d{4}-\d\d-\d\d$/.test(r.datePublished) &&
				r.itemReviewed.datePublished === "2024-03-25" && r.author["@type"] === "Organization";
			process.exit(ok ? 0 : 1);
		});' && ok || fail "ClaimReview JSON-LD: $OUT"
fi
expect_status 3 "$CT" show attrib --claimreview
contains "$ERR" "claim attrib has no verdict on its current revision"

# ---- sign-off and the threshold ----
expect_status 0 "$CT" check
expect_status 1 "$CT" check --threshold 2
contains "$OUT" "claim deaths revision 2: signed by 1 trusted key, 2 needed"
contains "$OUT" "claim attrib revision 1: signed by 1 trusted key, 2 needed"
expect_status 0 "$CT" list --needs-sign-off
contains "$OUT" "deaths"
contains "$OUT" "1/2 signers"
DIGEST=$("$CT" show deaths | sed -n 's/^digest: *//p')
N=$(commits)
expect_status 0 "$CT" sign-off deaths --key ../editor.key
# counted are signers this clone trusts (the editor is not yet trusted: 1 of 2)
contains "$OUT" "deaths revision 2 signed off by $EDITOR: 1 of 2 signers"
[ "$(commits)" -eq $((N + 1)) ] && ok || fail "sign-off did not make exactly one commit"
git log -1 --format=%s | grep -q "^sign-off deaths (revision 2) by $EDITOR (Editor)$" && ok ||
	fail "sign-off subject: $(git log -1 --format=%s)"
[ "$("$CT" show deaths | sed -n 's/^digest: *//p')" = "$DIGEST" ] && ok || fail "sign-off changed the digest"
expect_status 0 "$CT" show deaths
contains "$OUT" "sign-off:   1 of 2 signers (needs 1 more)"
# the editor's signature is there, but check counts it only once this clone trusts the editor
expect_status 1 "$CT" check --threshold 2
contains "$OUT" "claim deaths revision 2: signed by 1 trusted key, 2 needed; 1 signature by untrusted keys not counted"
expect_status 0 "$CT" trust add ../editor.key.pub
expect_status 0 "$CT" show deaths
contains "$OUT" "sign-off:   2 of 2 signers"
H=$(git rev-parse HEAD)
expect_status 4 "$CT" sign-off deaths --key ../editor.key
contains "$ERR" "claim deaths revision 2: key $EDITOR has already signed it"
one_line "$ERR"
expect_status 4 "$CT" sign-off attrib
contains "$ERR" "has already signed it"
expect_status 3 "$CT" sign-off nosuch --key ../editor.key
unchanged "$H" "refused sign-offs"
expect_status 0 "$CT" list --needs-sign-off
not_contains "$OUT" "deaths"
contains "$OUT" "attrib"
expect_status 1 "$CT" check --threshold 2
not_contains "$OUT" "claim deaths"
contains "$OUT" "claim attrib revision 1"
expect_status 0 "$CT" sign-off attrib --key ../editor.key --note "Checked against the UN report."
expect_status 0 "$CT" check --threshold 2
contains "$OUT" "OK"
expect_status 1 "$CT" check --threshold 3

# ---- four annotators at once on one claim: every commit lands, git stays happy ----
N=$(commits)
for i in 1 2 3 4; do
	("$CT" annotate attrib --note "concurrent note $i" >"../par$i.out" 2>"../par$i.err"
	 echo $? >"../par$i.rc") &
done
wait
for i in 1 2 3 4; do
	[ "$(cat "../par$i.rc")" = 0 ] && ok || fail "concurrent annotate $i: $(cat "../par$i.err")"
	ID=$(cat "../par$i.out")
	ls claims/claim/*/attrib/annotations/"$ID".json >/dev/null 2>&1 && ok || fail "note $i ($ID) missing"
	git log --format=%B | grep -q "^Claimtrail-Record: annotation/$ID$" && ok || fail "no commit for note $i"
done
[ "$(commits)" -eq $((N + 4)) ] && ok || fail "expected 4 new commits, got $(($(commits) - N))"
git fsck --strict >../fsck.out 2>&1 && ok || fail "git fsck --strict: $(cat ../fsck.out)"
[ -z "$(git status --porcelain)" ] && ok || fail "work tree not clean: $(git status --porcelain)"
expect_status 0 "$CT" check

# ---- help ----
for c in annotate dispute resolve sign-off anchor suggest; do
	expect_status 0 "$CT" "$c" --help
	contains "$OUT" "usage: claimtrail" "$c --help"
done

finish
