#!/bin/sh
# End to end: claimtrail export claimreview | annotations | prov | dot. Each output is parsed by
# a tool that is not claimtrail (node for the JSON formats, checking the structure each format's
# specification requires, as docs/export.md lists it; Graphviz's dot for DOT), records that do
# not verify are left out, and a review without a url is warned about.
. "$(dirname "$0")/lib.sh"

command -v node >/dev/null || { echo "node is needed (scripts/setup installs nodejs)" >&2; exit 1; }
command -v dot >/dev/null || { echo "dot is needed (scripts/setup installs graphviz)" >&2; exit 1; }

"$CT" key generate --unencrypted --name "Fact Checker" --org "Example Desk" -o k.key >/dev/null ||
	exit 99
KEYID=$("$CT" key show k.key --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key_id))') ||
	exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
printf 'Le maire a dit que 1 200 personnes étaient présentes au rassemblement de vendredi.\n' >../report.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id council --title "Rally report" --publisher "City Council" \
	--author "A. Clerk" --published 2024-03-01 --url https://example.com/rally --file ../report.txt
expect_status 0 "$CT" source add --id police --title "Police count" --publisher "City Police"
expect_status 0 "$CT" claim add --id rally --statement "1,200 people attended the rally." \
	--source council --quote "1 200 personnes étaient présentes" --tag crowds
expect_status 0 "$CT" annotate rally --verdict mostly-true --note "Police counted 1,100." \
	--evidence police
expect_status 0 "$CT" dispute rally --by "A reader" --reason "The organisers said 2,000." \
	--source police
D1=$OUT
expect_status 0 "$CT" resolve rally "$D1" --outcome rejected --note "The police count holds."
# a hostile statement: quotes, a backslash, markup
expect_status 0 "$CT" claim add --id hostile --statement 'He said "no\" <script>x</script> \\ end' \
	--source police
expect_status 0 "$CT" claim revise hostile --statement 'He said "no" \ twice' --reason "wording"

# ---- claimreview: a JSON-LD array of ClaimReview, warned about without a url ----
expect_status 0 "$CT" export claimreview -o cr.json
contains "$ERR" "warning: claim hostile has no verdict"
contains "$ERR" "warning: 1 review has no url, which search engines require"
node - cr.json <<'JS' && ok || fail "claimreview structure"
const a = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const t = (c, m) => { if (!c) { console.error("claimreview: " + m); process.exit(1); } };
t(Array.isArray(a) && a.length === 1, "one review");
const r = a[0];
t(r["@context"] === "https://schema.org" && r["@type"] === "ClaimReview", "type");
t(r.claimReviewed === "1,200 people attended the rally.", "claimReviewed");
t(/^\d{4}-\d\d-\d\d$/.test(r.datePublished), "datePublished");
const g = r.reviewRating;
t(g["@type"] === "Rating" && g.alternateName === "Mostly true", "alternateName");
t(g.ratingValue === 4 && g.bestRating === 5 && g.worstRating === 1, "rating numbers");
t(r.itemReviewed["@type"] === "Claim", "itemReviewed");
t(r.itemReviewed.author.name === "A. Clerk", "claim author");
t(r.itemReviewed.appearance.url === "https://example.com/rally", "appearance");
t(r.author["@type"] === "Organization" && r.author.name === "Example Desk", "author");
t(!("url" in r), "no url without --base-url");
JS
expect_status 0 "$CT" export claimreview --tag crowds --base-url https://example.org/checks/
not_contains "$ERR" "warning"
contains "$OUT" '"url": "https://example.org/checks/claim/rally.html"'
expect_status 0 "$CT" export claimreview --format markup-page --base-url https://example.org/c \
	-o page.json
node - page.json <<'JS' && ok || fail "markup page structure"
const a = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const t = (c, m) => { if (!c) { console.error("markup-page: " + m); process.exit(1); } };
const only = (o, keys, what) => Object.keys(o).forEach(k => t(keys.includes(k), what + " has " + k));
t(Array.isArray(a) && a.length === 1, "one page");
const p = a[0];
only(p, ["name", "pageUrl", "publishDate", "claimReviewAuthor", "claimReviewMarkups", "versionId"], "page");
t(p.pageUrl === "https://example.org/c/claim/rally.html", "pageUrl");
t(/^\d{4}-\d\d-\d\d$/.test(p.publishDate), "publishDate");
only(p.claimReviewAuthor, ["name", "imageUrl"], "claimReviewAuthor");
t(p.claimReviewAuthor.name === "Example Desk", "claimReviewAuthor.name");
t(p.claimReviewMarkups.length === 1, "one markup");
const m = p.claimReviewMarkups[0];
only(m, ["claimAppearances", "claimAuthor", "claimDate", "claimFirstAppearance", "claimLocation",
	"claimReviewed", "rating", "url"], "markup");
t(m.claimReviewed === "1,200 people attended the rally." && m.url === p.pageUrl, "markup fields");
t(m.claimAuthor.name === "A. Clerk" && m.claimDate === "2024-03-01", "claim author and date");
t(m.claimAppearances[0] === "https://example.com/rally", "claimAppearances");
only(m.rating, ["bestRating", "imageUrl", "ratingExplanation", "ratingValue", "textualRating",
	"worstRating"], "rating");
t(m.rating.textualRating === "Mostly true" && m.rating.ratingValue === 4, "rating");
t(Number.isInteger(m.rating.bestRating) && Number.isInteger(m.rating.worstRating), "scale");
JS
expect_status 2 "$CT" export claimreview --format html
contains "$ERR" "--format takes jsonld or markup-page, not 'html'"
expect_status 4 "$CT" export claimreview --base-url "not a url"
contains "$ERR" 'base url "not a url" is not an absolute url'
one_line "$ERR"
expect_status 3 "$CT" export claimreview hostile
contains "$ERR" "claim hostile has no verdict on its current revision that stands"
expect_status 3 "$CT" export prov nosuch
expect_status 2 "$CT" export annotations --base-url https://example.org
expect_status 2 "$CT" export annotations --all --tag crowds

# ---- annotations: W3C Web Annotation, the selectors pointing at the quote in the text ----
expect_status 0 "$CT" export annotations -o anno.json
node - anno.json ../report.txt <<'JS' && ok || fail "web annotation structure"
const fs = require("fs");
const c = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const text = Array.from(fs.readFileSync(process.argv[3], "utf8"));
const t = (ok, m) => { if (!ok) { console.error("annotations: " + m); process.exit(1); } };
const iri = s => typeof s === "string" && /^[a-z][a-z0-9+.-]*:\S+$/i.test(s);
t(c["@context"] === "http://www.w3.org/ns/anno.jsonld", "@context");
t(c.type === "AnnotationCollection" && iri(c.id), "collection");
t(c.first.type === "AnnotationPage" && iri(c.first.id), "page");
t(c.total === 1 && c.first.items.length === 1, "one annotation (the hostile claim has no quote)");
for (const a of c.first.items) {
	t(iri(a.id) && a.type === "Annotation", "annotation id and type");
	t(!("@context" in a), "@context only once, on the collection");
	t(a.body.type === "TextualBody" && a.body.value === "1,200 people attended the rally.", "body");
	t(a.target.source === "https://example.com/rally", "target source");
	const q = a.target.selector.find(s => s.type === "TextQuoteSelector");
	const p = a.target.selector.find(s => s.type === "TextPositionSelector");
	t(q && q.exact === "1 200 personnes étaient présentes", "TextQuoteSelector exact");
	t(typeof q.prefix === "string" && typeof q.suffix === "string", "prefix and suffix");
	t(p && Number.isInteger(p.start) && p.end >= p.start, "TextPositionSelector");
	// offsets are code points of the source text, as the Web Annotation model says
	t(text.slice(p.start, p.end).join("") === q.exact, "the position selects the quote");
	t(text.slice(0, p.start).join("").endsWith(q.prefix), "prefix precedes");
	t(text.slice(p.end).join("").startsWith(q.suffix), "suffix follows");
	t(a.creator.type === "Person" && a.creator.name === "Fact Checker", "creator");
}
JS

# ---- prov: PROV-JSON, every relation naming what the document declares ----
expect_status 0 "$CT" export prov -o prov.json
[ -z "$ERR" ] && ok || fail "prov warned on a store that verifies: $ERR"
node - prov.json "$KEYID" <<'JS' && ok || fail "prov structure"
const d = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const key = "ct:key/" + process.argv[3];
const t = (ok, m) => { if (!ok) { console.error("prov: " + m); process.exit(1); } };
// the members of each PROV-JSON relation: the first two name what it relates
const rel = {
	wasGeneratedBy: ["prov:entity", "prov:activity", "entity", "activity"],
	wasAssociatedWith: ["prov:activity", "prov:agent", "activity", "agent"],
	wasAttributedTo: ["prov:entity", "prov:agent", "entity", "agent"],
	wasDerivedFrom: ["prov:generatedEntity", "prov:usedEntity", "entity", "entity"],
	specializationOf: ["prov:specificEntity", "prov:generalEntity", "entity", "entity"],
};
const sections = ["prefix", "entity", "activity", "agent", ...Object.keys(rel)];
Object.keys(d).forEach(k => t(sections.includes(k), "unknown section " + k));
const prefixes = new Set(["prov", "xsd", ...Object.keys(d.prefix)]);
const qn = s => { const m = /^([A-Za-z_][\w.-]*):/.exec(s); t(m && prefixes.has(m[1]), "prefix of " + s); };
for (const sec of ["entity", "activity", "agent"])
	for (const [id, attrs] of Object.entries(d[sec])) {
		qn(id);
		for (const [k, v] of Object.entries(attrs)) {
			qn(k);
			if (v && typeof v === "object") { t(v.type === "prov:QUALIFIED_NAME", "typed value"); qn(v.$); }
		}
	}
for (const [name, [a, b, sa, sb]] of Object.entries(rel))
	for (const [id, r] of Object.entries(d[name] || {})) {
		t(id.startsWith("_:"), "relation id " + id);
		t(r[a] in d[sa], name + " " + a + " " + r[a] + " is not declared");
		t(r[b] in d[sb], name + " " + b + " " + r[b] + " is not declared");
	}
t(d.agent[key] && d.agent[key]["prov:label"] === "Fact Checker" && d.agent[key]["ct:org"] === "Example Desk", "agent");
const all = n => Object.values(d[n] || {});
t(all("wasAttributedTo").some(r => r["prov:entity"] === "ct:claim/rally/r1" && r["prov:agent"] === key), "who signed the claim");
t(all("wasDerivedFrom").some(r => r["prov:generatedEntity"] === "ct:claim/hostile/r2" &&
	r["prov:usedEntity"] === "ct:claim/hostile/r1" && r["prov:type"].$ === "prov:Revision"), "revision");
t(all("wasDerivedFrom").some(r => r["prov:generatedEntity"] === "ct:claim/rally/r1" &&
	r["prov:usedEntity"] === "ct:source/council/r1" && r["prov:type"].$ === "prov:Quotation"), "quotation");
t(all("wasGeneratedBy").every(r => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r["prov:time"])), "times");
const ann = Object.keys(d.entity).filter(e => e.startsWith("ct:claim/rally/annotation/"));
t(ann.length === 3, "verdict, dispute and resolution: " + ann.length);
JS

# ---- dot: Graphviz reads it, hostile text included ----
expect_status 0 "$CT" export dot -o g.dot
dot -Tplain g.dot >g.plain 2>dot.err && ok || fail "dot refused the graph: $(cat dot.err)"
[ ! -s dot.err ] && ok || fail "dot warned: $(cat dot.err)"
grep -c '^node ' g.plain | grep -qx 5 && ok || fail "5 nodes wanted: $(grep '^node ' g.plain)"
grep -q '^edge "dispute:rally:'"$D1"'" "claim:rally"' g.plain && ok || fail "dispute edge"
grep -q 'dispute by A reader (rejected)' g.plain && ok || fail "dispute outcome"
grep -qF 'He said \"no\" \\ twice' g.plain && ok || fail "hostile statement: $(grep hostile g.plain)"
grep -qE '^edge "claim:rally" "source:police" .* evidence .* dashed' g.plain && ok || fail "evidence edge"

# ---- records that do not verify are left out, with a warning ----
vf=$(find claims/claim -path "*/rally/annotations/verdict-*.json")
node -e '
	const fs = require("fs"), r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
	r.verdict = "false"; r.id = "verdict-000000000000";
	fs.writeFileSync(process.argv[2], JSON.stringify(r, null, 2) + "\n");' \
	"$vf" "$(dirname "$vf")/verdict-000000000000.json" || exit 99
git add claims && git commit -q -m "a verdict by hand" || exit 99
expect_status 0 "$CT" export prov
contains "$ERR" "warning: claim rally: 1 annotation is not verified; left out"
not_contains "$OUT" "verdict-000000000000"
expect_status 0 "$CT" export dot
not_contains "$OUT" "false"
expect_status 0 "$CT" export claimreview rally
contains "$OUT" '"alternateName": "Mostly true"'
finish
