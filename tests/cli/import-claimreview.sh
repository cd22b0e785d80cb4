#!/bin/sh
# End to end: claimtrail import claimreview. ClaimReview JSON-LD (one object, an array, a @graph)
# becomes sources, claims and verdicts signed by the importer, the review's url kept as evidence;
# an item that cannot be mapped is named and nothing is written (unless --skip-unmapped); the
# result round-trips through export claimreview.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Importer" --org "Our Desk" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
expect_status 0 "$CT" init

cat >../graph.json <<'JSON'
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "name": "not a review"},
  {"@type": "ClaimReview", "url": "https://checker.example/fc/1",
   "claimReviewed": "The bridge cost 3 billion euros.", "datePublished": "2024-05-02T10:00:00Z",
   "name": "Did the bridge cost 3 billion?", "reviewBody": "Long text.",
   "author": {"@type": "Organization", "name": "Checker"},
   "reviewRating": {"@type": "Rating", "ratingValue": 2, "bestRating": 6, "worstRating": 1,
     "alternateName": "Half true", "ratingExplanation": "It cost 2.1 billion."},
   "itemReviewed": {"@type": "Claim", "datePublished": "2024-04-30",
     "author": {"@type": "Person", "name": "A. Minister"},
     "appearance": [{"@type": "CreativeWork", "url": "https://news.example/interview",
       "name": "Interview with the minister", "publisher": {"name": "News"}}]}},
  {"@type": "ClaimReview", "url": "https://checker.example/fc/2",
   "claimReviewed": "Unemployment doubled.", "author": {"name": "Checker"},
   "reviewRating": {"ratingValue": 1, "bestRating": 5, "worstRating": 1},
   "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "B. Candidate"}}}
]}
JSON
H0=$(git rev-parse HEAD)
expect_status 0 "$CT" import claimreview ../graph.json
contains "$OUT" "item 2: claim the-bridge-cost-3-billion-euros, verdict mixed"
contains "$OUT" "not kept: reviewBody"
contains "$OUT" "item 3: claim unemployment-doubled, verdict false"
contains "$OUT" "imported 2 claims from ../graph.json in one commit"
[ "$(git rev-list --count "$H0"..HEAD)" = 1 ] && ok || fail "not one commit"
expect_status 0 "$CT" check
expect_status 0 "$CT" show the-bridge-cost-3-billion-euros
contains "$OUT" "mixed"
contains "$OUT" 'Imported from https://checker.example/fc/1: rated "Half true" by Checker. It cost 2.1 billion.'
# the review is a source with its url, cited as the verdict's evidence
expect_status 0 "$CT" source list
contains "$OUT" "did-the-bridge-cost-3-billion"
contains "$OUT" "interview-with-the-minister"
expect_status 0 "$CT" source show did-the-bridge-cost-3-billion
contains "$OUT" "https://checker.example/fc/1"
expect_status 0 "$CT" export prov the-bridge-cost-3-billion-euros
contains "$OUT" '"prov:usedEntity": "ct:source/did-the-bridge-cost-3-billion"'
# signed by the importer: its key is the verdict's author in the round trip
expect_status 0 "$CT" export claimreview the-bridge-cost-3-billion-euros
contains "$OUT" '"name": "Our Desk"'
contains "$OUT" '"alternateName": "Mixed"'
contains "$OUT" '"url": "https://news.example/interview"'

# ---- an item that cannot be mapped: named, nothing written ----
cat >../bad.json <<'JSON'
[{"@type": "ClaimReview", "url": "https://checker.example/fc/3", "claimReviewed": "Taxes fell.",
  "reviewRating": {"alternateName": "Pinocchio x4"},
  "itemReviewed": {"@type": "Claim", "author": {"name": "C. Mayor"}}},
 {"@type": "ClaimReview", "claimReviewed": "No url here.",
  "reviewRating": {"alternateName": "False"}, "itemReviewed": {"@type": "Claim", "author": "D"}},
 {"@type": "ClaimReview", "url": "https://checker.example/fc/4", "claimReviewed": "Rain fell.",
  "reviewRating": {"alternateName": "True"}, "itemReviewed": {"@type": "Claim", "author": "E"}},
 {"@type": "Person", "name": "F"}]
JSON
H1=$(git rev-parse HEAD)
expect_status 4 "$CT" import claimreview ../bad.json
contains "$ERR" "item 1: cannot be mapped: its reviewRating maps to no verdict on the scale"
contains "$ERR" "item 2: cannot be mapped: no url: the review cannot be kept as evidence"
contains "$ERR" "item 4: cannot be mapped: not a ClaimReview object"
contains "$ERR" "claimtrail: 3 of 4 items cannot be mapped; nothing imported"
not_contains "$ERR" "item 3"
[ -z "$OUT" ] && ok || fail "a refused import printed: $OUT"
[ "$(git rev-parse HEAD)" = "$H1" ] && ok || fail "a refused import moved HEAD"
[ -z "$(git status --porcelain)" ] && ok || fail "a refused import left files: $(git status --porcelain)"
expect_status 0 "$CT" import claimreview ../bad.json --skip-unmapped
contains "$OUT" "item 3: claim rain-fell, verdict true"
contains "$OUT" "imported 1 claim from ../bad.json in one commit"
contains "$ERR" "item 1: cannot be mapped"
# the same review again: its claim is there already
expect_status 4 "$CT" import claimreview ../bad.json --skip-unmapped
contains "$ERR" "item 3: cannot be mapped: a claim with its id is already in the store"
contains "$ERR" "nothing to import: no review could be mapped"

# ---- a single object; input that is not ClaimReview JSON-LD ----
printf '{"@type": "ClaimReview", "url": "https://c.example/5", "claimReviewed": "Snow fell.", "reviewRating": {"alternateName": "Mostly False"}, "itemReviewed": {"@type": "Claim", "appearance": {"url": "https://blog.example/snow"}}}' >../one.json
expect_status 0 "$CT" import claimreview ../one.json
contains "$OUT" "item 1: claim snow-fell, verdict mostly-false"
printf '"just a string"' >../str.json
expect_status 4 "$CT" import claimreview ../str.json
contains "$ERR" "not ClaimReview JSON-LD"
one_line "$ERR"
printf '{"@type": "ClaimReview", ' >../trunc.json
expect_status 4 "$CT" import claimreview ../trunc.json
one_line "$ERR"
expect_status 3 "$CT" import claimreview ../missing.json
expect_status 0 "$CT" check
finish
