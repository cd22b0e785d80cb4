#!/bin/sh
# End to end: `claimtrail search` (ranked, marked, --json; its index in the git directory made
# again when deleted or damaged, kept in step with new claims and with commits pulled by plain
# git; input with FTS5 syntax taken as words) and `list --grep`.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id paper --title "Harbour report" --publisher "City Paper"
expect_status 0 "$CT" claim add --id ferry --statement "The ferry carried 2,000 passengers a day." \
	--source paper --tag transport
expect_status 0 "$CT" claim add --id harbour --statement "The harbour ferry fleet doubled near the station." \
	--source paper
expect_status 0 "$CT" claim add --id budget --statement "The budget rose by a third." \
	--source paper
expect_status 0 "$CT" annotate budget --note "The ferry subsidy is part of it."

# ---- ranking and marks: the statement that says it beats the note that mentions it ----
expect_status 0 "$CT" search ferry
contains "$OUT" "claim ferry"
contains "$OUT" "statement: The [ferry] carried 2,000 passengers a day."
contains "$OUT" "notes: The [ferry] subsidy is part of it."
first=$(printf '%s\n' "$OUT" | grep '^claim ' | head -n 1)
last=$(printf '%s\n' "$OUT" | grep '^claim ' | tail -n 1)
[ "$last" = "claim budget" ] && ok || fail "the note-only match is not last: $OUT"
[ "$first" != "claim budget" ] && ok || fail "ranking: $OUT"
# two words: both required, both marked; "passengers" found by "passenger"
expect_status 0 "$CT" search harbour ferry
contains "$OUT" "claim harbour"
contains "$OUT" "The [harbour] [ferry] fleet doubled near the station."
not_contains "$OUT" "claim ferry"
expect_status 0 "$CT" search harbour
contains "$OUT" "source paper" "a source title is searched"
contains "$OUT" "title: [Harbour] report | City Paper"
expect_status 0 "$CT" search PASSENGER
contains "$OUT" "carried 2,000 [passengers] a day"
[ "$(printf '%s\n' "$OUT" | grep -c '^claim ')" -eq 1 ] && ok || fail "one hit: $OUT"
expect_status 0 "$CT" search transport
contains "$OUT" "tags: [transport]"
# -n limits
expect_status 0 "$CT" search -n 1 ferry
[ "$(printf '%s\n' "$OUT" | grep -c '^claim ')" -eq 1 ] && ok || fail "-n 1: $OUT"

# ---- --json ----
expect_status 0 "$CT" search --json ferry
printf '%s' "$OUT" | node -e '
	const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
	const ok = d.query === "ferry" && Array.isArray(d.results) && d.results.length === 3 &&
		d.results.every(r => r.kind === "claim" && typeof r.id === "string" &&
			typeof r.score === "number" && Array.isArray(r.matched) &&
			typeof r.fields === "object" && typeof r.fields.statement === "string") &&
		d.results[2].id === "budget" && d.results[2].matched.join() === "notes" &&
		d.results[0].score >= d.results[1].score && d.results[1].score >= d.results[2].score &&
		d.results[2].fields.notes === "The [ferry] subsidy is part of it.";
	process.exit(ok ? 0 : 1);' && ok || fail "search --json shape: $OUT"

# ---- no match: nothing on stdout, said on stderr, status 0 ----
expect_status 0 "$CT" search zeppelin
[ -z "$OUT" ] && ok || fail "no match printed: $OUT"
contains "$ERR" "no match for 'zeppelin'"
expect_status 0 "$CT" search --json zeppelin
contains "$OUT" '"results": []'

# ---- hostile input: FTS5's syntax is only separators, never an error ----
for q in '"' '*' 'NEAR(' '-' 'AND' 'ferry"' '"ferry' 'ferry*' 'NEAR(ferry harbour, 1)' \
	'ferry -harbour' 'ferry OR zeppelin' "fer'ry" ':' '^ferry' '(' 'ferry)' '{ferry}' \
	'statement:ferry' 'ferry AND NOT harbour'; do
	expect_status 0 "$CT" search -- "$q"
	not_contains "$ERR" "search index" "search '$q' stderr"
	not_contains "$ERR" "syntax" "search '$q' stderr"
done
expect_status 0 "$CT" search 'NEAR(ferry harbour)'
[ "$(printf '%s\n' "$OUT" | grep -c '^claim ')" -eq 1 ] && ok || fail "NEAR( is words: $OUT"
contains "$OUT" "[harbour] [ferry] fleet doubled [near] the station"
expect_status 0 "$CT" search -- 'ferry -harbour'
contains "$OUT" "claim harbour" "'-' is not NOT"
expect_status 0 "$CT" search 'ferry OR zeppelin'
[ -z "$OUT" ] && ok || fail "OR is a word, not an operator: $OUT"
expect_status 0 "$CT" search 'ferr*'
[ -z "$OUT" ] && ok || fail "* is not a prefix operator: $OUT"
expect_status 0 "$CT" search 'statement:budget'
[ -z "$OUT" ] && ok || fail "statement: is a word, not a column filter: $OUT"
expect_status 2 "$CT" search
contains "$ERR" "search --help"

# ---- the index: made again when deleted or damaged ----
INDEX=$(ls .git/claimtrail/search.*.sqlite)
[ -f "$INDEX" ] && ok || fail "no index in the git directory: $(ls .git/claimtrail)"
[ -z "$(git status --porcelain)" ] && ok || fail "the index shows in the work tree"
rm -f "$INDEX"
expect_status 0 "$CT" search ferry
[ "$(printf '%s\n' "$OUT" | grep -c '^claim ')" -eq 3 ] && ok || fail "after delete: $OUT"
[ -f "$INDEX" ] && ok || fail "index not made again"
for i in $(seq 1 200); do echo "this is not an SQLite database, line $i"; done >"$INDEX"
expect_status 0 "$CT" search ferry
[ "$(printf '%s\n' "$OUT" | grep -c '^claim ')" -eq 3 ] && ok || fail "after damage: $OUT"
[ "$(head -c 15 "$INDEX")" = "SQLite format 3" ] && ok || fail "the damaged index was not replaced"
[ "$(ls .git/claimtrail/ | grep -c 'search.*sqlite')" -eq 1 ] && ok || fail "index files: $(ls .git/claimtrail)"

# ---- kept in step: a new claim, a revision, a note ----
expect_status 0 "$CT" claim add --id pier --statement "The new pier cost 4 million." --source paper
expect_status 0 "$CT" search pier
contains "$OUT" "claim pier"
expect_status 0 "$CT" claim revise pier --statement "The new jetty cost 4 million." \
	--reason "The council calls it a jetty."
expect_status 0 "$CT" search new pier
[ -z "$OUT" ] && ok || fail "the old statement is still found: $OUT"
expect_status 0 "$CT" search jetty
contains "$OUT" "The new [jetty] cost 4 million."
contains "$OUT" "reasons: The council calls it a [jetty]."

# ---- kept in step with another clone's commits, pulled by plain git ----
cd .. && git clone -q repo other && cd other || exit 99
expect_status 0 "$CT" claim add --id lighthouse --statement "The lighthouse was rebuilt in 1990." \
	--source paper
git rm -q -r "$(dirname "$(git ls-files 'claims/claim/*/budget/r0001.json')")" &&
	git commit -q -m "plain git: drop budget" || exit 99
cd ../repo || exit 99
git pull -q ../other main || exit 99
expect_status 0 "$CT" search lighthouse
contains "$OUT" "claim lighthouse"
contains "$OUT" "The [lighthouse] was rebuilt in 1990."
expect_status 0 "$CT" search subsidy
[ -z "$OUT" ] && ok || fail "a claim removed by a pulled commit is still found: $OUT"
# and a rewind (git reset) is followed too
git reset -q --hard HEAD~2 || exit 99
expect_status 0 "$CT" search lighthouse
[ -z "$OUT" ] && ok || fail "found after the branch was rewound: $OUT"
expect_status 0 "$CT" search subsidy
contains "$OUT" "claim budget"

# ---- list --grep: case-insensitive substring of id or statement ----
expect_status 0 "$CT" list --grep FERRY
contains "$OUT" "ferry "
contains "$OUT" "harbour "
not_contains "$OUT" "budget" "list --grep FERRY"
expect_status 0 "$CT" list --grep udge
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] && contains "$OUT" "budget" || fail "--grep by id: $OUT"
expect_status 0 "$CT" list --grep zeppelin
[ -z "$OUT" ] && ok || fail "list --grep zeppelin: $OUT"
expect_status 0 "$CT" list --grep '*' --json
contains "$OUT" "[]"

# ---- past 20,000 hits: every word in the statement first (score 0), then the others (-1) ----
cd .. && git init -q -b main large && cd large || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id census --title "Gull census" --publisher "Coast Paper"
awk 'BEGIN { for (i = 1; i <= 20001; i++) printf "{\"id\":\"gull-%d\",\"statement\":\"Gull count %d on the coast.\",\"attribution\":{\"source\":\"census\"}}\n", i, i }' >../bulk.jsonl
expect_status 0 "$CT" import ../bulk.jsonl
expect_status 0 "$CT" claim add --id tagged --statement "The coast had birds." --source census \
	--tag gull
expect_status 0 "$CT" search --json -n 1000000 gull
printf '%s' "$OUT" | node -e '
	const r = JSON.parse(require("fs").readFileSync(0, "utf8")).results;
	const top = r.slice(0, 20001), rest = r.slice(20001);
	const ok = r.length === 20003 && top.every(h => h.score === 0 && /^gull-/.test(h.id) &&
			h.matched.includes("statement")) &&
		rest.every(h => h.score === -1) && rest.map(h => h.id).sort().join() === "census,tagged";
	process.exit(ok ? 0 : 1);' && ok || fail "search past 20,000 hits: $(printf '%s' "$OUT" | tail -c 600)"
expect_status 0 "$CT" search -n 2 gull
[ "$(printf '%s\n' "$OUT" | grep -c '^claim gull-')" -eq 2 ] && ok || fail "-n 2 past 20,000: $OUT"
expect_status 0 "$CT" search birds gull
contains "$OUT" "claim tagged" "a rare word with a common one is ranked by BM25"

# ---- searches at once on a missing index: one builds it, the others wait, none deletes it ----
rm -f .git/claimtrail/search.*.sqlite
for i in 1 2 3; do ("$CT" search -n 3 gull coast >"../c$i.out" 2>&1; echo "status $?" >>"../c$i.out") & done
wait
expect_status 0 "$CT" search -n 3 gull coast
for i in 1 2 3; do
	[ "$(cat "../c$i.out")" = "$OUT
status 0" ] && ok || fail "concurrent search $i: $(cat "../c$i.out")"
done

finish
