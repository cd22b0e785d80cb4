#!/bin/sh
# End to end: 'show ID --claimreview' describes the source revision the claim cites (not the
# source's latest), and exports only a verdict that stands on the claim's current revision:
# none after a dispute is upheld, a retraction or a revision; again once a new verdict is given.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" --org "Example Desk" -o k.key >/dev/null ||
	exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
cat >../report.txt <<'TEXT'
The council said 1,200 people attended the rally on Friday.
TEXT
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id council --title "Rally report" --publisher "City Council" \
	--author "A. Clerk" --published 2024-03-01 --url https://example.com/rally --file ../report.txt
expect_status 0 "$CT" claim add --id rally --statement "1,200 people attended the rally." \
	--source council --quote "1,200 people attended the rally"
expect_status 0 "$CT" annotate rally --verdict mostly-true --note "Police counted 1,100."
V1=$OUT

# ---- appearance: the source revision the claim cites ----
expect_status 0 "$CT" source revise council --title "Rally report (corrected)" \
	--publisher "City Council Press Office" --author "B. Editor" --published 2024-03-05 \
	--url https://example.com/rally-corrected --reason "the council corrected its report"
expect_status 0 "$CT" show rally --claimreview
R=$OUT
contains "$R" '"name": "Rally report"'
contains "$R" '"url": "https://example.com/rally"'
contains "$R" '"datePublished": "2024-03-01"'
contains "$R" '"name": "City Council"'
contains "$R" '"name": "A. Clerk"'
not_contains "$R" "corrected"
not_contains "$R" "2024-03-05"
not_contains "$R" "B. Editor"
not_contains "$R" "Press Office"
contains "$R" '"alternateName": "Mostly true"'

# ---- an annotation committed by hand (it does not verify) counts for nothing ----
vf=$(find claims/claim -path "*/rally/annotations/$V1.json")
node -e '
	const fs = require("fs"), r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
	r.verdict = "false"; r.id = "verdict-000000000000"; r.created = "2030-01-01T00:00:00Z";
	fs.writeFileSync(process.argv[2], JSON.stringify(r, null, 2) + "\n");' \
	"$vf" "$(dirname "$vf")/verdict-000000000000.json" || exit 99
git add claims && git commit -q -m "a verdict by hand" || exit 99
expect_status 0 "$CT" show rally --claimreview
contains "$OUT" '"alternateName": "Mostly true"'
not_contains "$OUT" '"False"'
git reset -q --hard HEAD~1

# ---- an open dispute does not take the verdict down ----
expect_status 0 "$CT" dispute rally --by "A reader" --reason "The organisers said 2,000."
D1=$OUT
expect_status 0 "$CT" show rally --claimreview
contains "$OUT" '"alternateName": "Mostly true"'

# ---- an upheld dispute does: no current review, one line, exit 3 ----
expect_status 0 "$CT" resolve rally "$D1" --outcome upheld --note "The organisers' count holds."
R1=$OUT
expect_status 0 "$CT" show rally
contains "$OUT" "status:     needs-review (dispute $D1 was upheld"
H=$(git rev-parse HEAD)
expect_status 3 "$CT" show rally --claimreview
[ -z "$OUT" ] && ok || fail "a review was printed for a verdict that no longer stands: $OUT"
contains "$ERR" "claim rally has no verdict on its current revision that stands: dispute $D1 was upheld ($R1) after verdict $V1; no current review"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "show --claimreview moved HEAD"

# ---- a new verdict (a later second than the resolution) stands again ----
sleep 1
expect_status 0 "$CT" annotate rally --verdict false --note "The organisers' count is right."
V2=$OUT
expect_status 0 "$CT" show rally --claimreview
contains "$OUT" '"alternateName": "False"'
contains "$OUT" "\"ratingExplanation\": \"The organisers' count is right.\""

# ---- a revision after the verdict: the verdict judged an older revision ----
expect_status 0 "$CT" claim revise rally --statement "About 2,000 people attended the rally." \
	--reason "the organisers' count"
expect_status 3 "$CT" show rally --claimreview
[ -z "$OUT" ] && ok || fail "a review was printed for an older revision's verdict: $OUT"
contains "$ERR" "claim rally has no verdict on its current revision that stands: its verdicts judged older revisions (the newest, $V2, is not on revision 2); no current review"
one_line "$ERR"

# ---- a retraction: nothing to review ----
expect_status 0 "$CT" annotate rally --verdict true --note "Matches the organisers."
expect_status 0 "$CT" show rally --claimreview
contains "$OUT" '"alternateName": "True"'
# a --url that is not UTF-8 is invalid input (it was once left out of the review silently)
expect_status 4 "$CT" show rally --claimreview --url "$(printf 'https://example.org/r\377')"
contains "$ERR" "the review's url is not valid UTF-8 (byte 21)"
one_line "$ERR"
expect_status 0 "$CT" claim retract rally --reason "the rally was cancelled in the end"
expect_status 3 "$CT" show rally --claimreview
contains "$ERR" "claim rally has no verdict on its current revision that stands: revision 3 retracts it; no current review"
one_line "$ERR"
finish
