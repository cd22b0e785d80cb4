#!/bin/sh
# End to end: claimtrail publish writes a static site (docs/publish.md): refuses without
# --base-url, escapes every piece of user text, embeds a ClaimReview that parses on the pages of
# claims with a verdict, offers bundles that verify, rewrites only what changed on a second
# publish (and says what, --json too), removes the pages of claims no longer selected, and makes
# the same site from a bundle with --from. The browser test is publish-browser.sh.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/publishlib.sh"

URL=https://example.org/checks
# ---- refusals: nothing written ----
expect_status 2 "$CT" publish -o ../site
contains "$ERR" "--base-url"
one_line "$ERR"
[ ! -e ../site ] && ok || fail "publish without --base-url wrote ../site"
expect_status 4 "$CT" publish -o ../site --base-url 'javascript:alert(1)'
contains "$ERR" "not an http or https address"
one_line "$ERR"
[ ! -e ../site ] && ok || fail "publish with a javascript: base url wrote ../site"
expect_status 3 "$CT" publish -o ../site --base-url "$URL" no-such-claim
expect_status 2 "$CT" publish -o ../site --base-url "$URL" --all --tag hostile

# ---- the site ----
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>'
contains "$OUT" "wrote index.html"
contains "$OUT" "wrote claim/rally.html"
contains "$OUT" "wrote source/evil-source.html"
contains "$OUT" "wrote bundle/rally.bundle"
contains "$OUT" "wrote claims.bundle"
contains "$OUT" "published 4 claims and 2 sources"
S=../site
for f in index.html index.json index.js search.js style.css claim/rally.html \
	claim/hostile-script.html claim/hostile-attr.html claim/hostile-url.html \
	source/council.html source/evil-source.html claims.bundle bundle/hostile-url.bundle; do
	[ -s "$S/$f" ] && ok || fail "the site has no $f"
done

# escaping: user text appears as text, never as markup, and only http(s) becomes a link
ALL=$(cat "$S"/index.html "$S"/claim/*.html "$S"/source/*.html)
not_contains "$ALL" "<script>alert" "the pages"
not_contains "$ALL" "</script><script>" "the pages"
not_contains "$ALL" "<img" "the pages"
not_contains "$ALL" "<b>Checker" "the pages"
not_contains "$ALL" "<i>Reader" "the pages"
not_contains "$ALL" "<u>wrong" "the pages"
not_contains "$ALL" 'href="javascript:' "the pages"
not_contains "$ALL" "<checks>" "the pages"
contains "$ALL" "&lt;script&gt;alert(1)&lt;/script&gt; zebra"
contains "$ALL" "&quot;&gt;&lt;img src=x onerror=alert(4)&gt; quagga"
contains "$ALL" "javascript:alert(5) okapi"
contains "$ALL" "Fact &lt;b&gt;Checker&lt;/b&gt; (Desk &amp; Co)"
contains "$ALL" "<title>Desk &lt;checks&gt;</title>"
contains "$(cat "$S/source/council.html")" '<a href="https://example.com/rally">'
# the ClaimReview: a script element no text can end, JSON that parses, the fields search
# engines read, the url under the base url (one slash)
for c in rally hostile-script; do
	python3 - "$S/claim/$c.html" "$URL/claim/$c.html" <<'PY' && ok || fail "ClaimReview of $c"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
assert len(blocks) == 1, blocks
r = json.loads(blocks[0])
assert r["@type"] == "ClaimReview" and r["url"] == sys.argv[2], r
for k in ("claimReviewed", "datePublished", "author", "reviewRating", "itemReviewed"):
    assert r[k], k
rr = r["reviewRating"]
for k in ("ratingValue", "bestRating", "worstRating", "alternateName"):
    assert k in rr, k
assert r["itemReviewed"]["@type"] == "Claim"
assert r["itemReviewed"]["author"] and r["itemReviewed"]["appearance"]
PY
done
contains "$(cat "$S/claim/hostile-script.html")" '\u003c/script\u003e\u003cscript\u003ealert(6)'
# a claim without a verdict has no ClaimReview
not_contains "$(cat "$S/claim/hostile-url.html")" "application/ld+json"
# the revision's word diff, its reason, the verdict, the quote in context, the signers
R=$(cat "$S/claim/rally.html")
contains "$R" "<ins>About </ins>"
contains "$R" "the council&#39;s own wording"
contains "$R" "<strong>Mostly true</strong>"
contains "$R" "<mark>1,200 people attended the rally</mark>"
contains "$R" "The council said "
contains "$R" "Verified when published."
contains "$R" 'href="../bundle/rally.bundle"'
H=$(cat "$S/claim/hostile-attr.html")
contains "$H" "Disputed by &lt;i&gt;Reader&lt;/i&gt;: it&#39;s &lt;u&gt;wrong&lt;/u&gt;"
contains "$H" ": rejected"
# the index: every claim, its status; the search index beside it
contains "$(cat "$S/index.html")" 'href="claim/hostile-url.html"'
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ids = sorted(c["id"] for c in d["claims"])
assert ids == ["hostile-attr", "hostile-script", "hostile-url", "rally"], ids
r = [c for c in d["claims"] if c["id"] == "rally"][0]
assert r["quote"] and "Police counted" in " ".join(r["notes"]) and r["status"] == "supported", r
' "$S/index.json" && ok || fail "index.json"
# the bundles verify against the published keys: every key that signed what the site shows
[ "$(ls "$S/keys" | wc -l)" -eq 2 ] && ok || fail "keys/ holds $(ls "$S/keys")"
expect_status 0 "$CT" verify "$S/claims.bundle" --trust "$S/keys/"
expect_status 0 "$CT" verify "$S/bundle/rally.bundle" --trust "$S/keys/"

# ---- incremental ----
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>'
contains "$OUT" "0 files written"
not_contains "$OUT" "wrote"
"$CT" claim revise hostile-url --statement "javascript:alert(5) okapi, revised" \
	--reason "a second look" >/dev/null || fail "revise"
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>' --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = sorted(d["written"])
assert w == sorted(["claim/hostile-url.html", "bundle/hostile-url.bundle", "index.html",
    "index.json", "index.js", "source/evil-source.html", "claims.bundle"]), w
assert d["removed"] == [] and d["unchanged"] >= 10 and d["claims"] == 4, d
assert d["full"] is None, d
' "$OUT" && ok || fail "the second publish wrote more or less than what changed: $OUT"
contains "$(cat "$S/claim/hostile-url.html")" "okapi, revised"
# a page deleted by hand is made again
rm "$S/claim/rally.html"
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>'
contains "$OUT" "wrote claim/rally.html"
contains "$OUT" "every page made: claim/rally.html is not as the last publish left it"
# a page changed by hand in place (same file, other bytes) is found and made again, and no
# other page is written
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>' --json
contains "$OUT" '"full": null'
cp "$S/claim/hostile-script.html" ../hostile-script.html || exit 99
printf '<p>tampered</p>\n' >>"$S/claim/hostile-script.html"
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>' --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert "claim/hostile-script.html is not as the last publish left it" in d["full"], d
assert [w for w in d["written"] if w.endswith(".html")] == ["claim/hostile-script.html"], d
' "$OUT" && ok || fail "a page changed on disk was not found: $OUT"
cmp -s "$S/claim/hostile-script.html" ../hostile-script.html && ok ||
	fail "the page changed on disk was not made again"
# a key revoked: every signature line may change, so every page is made, and the pages that
# show its signature are the ones written
EDID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["key_id"])' ../ed.key.pub)
"$CT" key revoke "$EDID" --reason "lost" --key ../ed.key >/dev/null || fail "revoke"
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>' --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert "the store\x27s key records changed" in d["full"], d
assert [w for w in d["written"] if w.startswith("claim/")] == ["claim/hostile-attr.html"], d
assert "bundle/hostile-attr.bundle" in d["removed"], d
' "$OUT" && ok || fail "a revoked key did not rewrite the page it signed: $OUT"
contains "$(cat "$S/claim/hostile-attr.html")" "verifies, but the key is revoked"
git reset -q --hard HEAD~1
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>'
contains "$OUT" "wrote claim/hostile-attr.html"
not_contains "$(cat "$S/claim/hostile-attr.html")" "the key is revoked"
# a narrower selection removes what the site no longer holds, and nothing else
echo mine >"$S/notes.txt"
expect_status 0 "$CT" publish -o ../site --base-url "$URL/" --title 'Desk <checks>' --tag crowds
contains "$OUT" "every page made: another selection of claims than the last publish"
contains "$OUT" "removed claim/hostile-url.html"
contains "$OUT" "removed source/evil-source.html"
contains "$OUT" "published 1 claim and 1 source"
[ ! -e "$S/claim/hostile-url.html" ] && [ -e "$S/notes.txt" ] && [ -e "$S/claim/rally.html" ] &&
	ok || fail "the narrower publish removed the wrong files"

# ---- a key that signed only a source: its key record stays published after an incremental
# publish that kept the source's page ----
"$CT" key generate --unencrypted --name "Archivist" -o ../src.key >/dev/null || exit 99
SRCID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["key_id"])' ../src.key.pub)
CLAIMTRAIL_KEY=$TMP/src.key "$CT" source add --id archive --title "Archive" \
	--publisher "Archive" >/dev/null || fail "source add with another key"
"$CT" claim add --id archived --statement "The archive holds it." --source archive \
	--tag archive >/dev/null || fail "claim add"
expect_status 0 "$CT" publish -o ../site8 --base-url "$URL"
[ -s ../site8/keys/$SRCID.json ] && ok || fail "the source signer's key record is not published"
"$CT" claim revise rally --statement "Some 1,200 people attended the rally." \
	--reason "wording" >/dev/null || fail "revise"
expect_status 0 "$CT" publish -o ../site8 --base-url "$URL" --json
contains "$OUT" '"full": null'
not_contains "$OUT" "source/archive.html"
[ -s ../site8/keys/$SRCID.json ] && ok ||
	fail "an incremental publish removed the key record of a source's signer: $OUT"
contains "$(cat ../site8/index.html)" "keys/$SRCID.json"
git reset -q --hard HEAD~3

# ---- nothing unverified is shown as signed: a statement changed by hand in git ----
f=$(find claims/claim -path "*/rally/r0002*.json")
sed 's/About 1,200/About 9,999/' "$f" >"$f.new" && mv "$f.new" "$f" || exit 99
git add claims && git commit -qm "a statement changed by hand" || exit 99
expect_status 0 env -u CLAIMTRAIL_KEY "$CT" publish -o ../site3 --base-url "$URL" --tag crowds
P=$(cat ../site3/claim/rally.html)
contains "$P" "About 9,999"
contains "$P" "NOT VERIFIED when published"
contains "$P" "does not verify"
contains "$P" '<span class="status status-unverified">unverified</span>'
not_contains "$P" "application/ld+json"
not_contains "$P" "Mostly true</strong>"
# with a key: no bundle carries the record that does not verify, and the page says so
expect_status 0 "$CT" publish -o ../site4 --base-url "$URL" --tag crowds
contains "$(cat ../site4/claim/rally.html)" "No bundle of this claim is offered"
[ ! -e ../site4/bundle/rally.bundle ] && [ ! -e ../site4/claims.bundle ] && ok ||
	fail "a bundle of a claim that does not verify was offered"
git reset -q --hard HEAD~1

# ---- incremental, after each kind of change, into the same folder: the pages that show the
# change are made again, and no bundle ever carries a record that does not verify ----
start=$(git rev-parse HEAD)
S5=../site5
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds
contains "$OUT" "wrote claims.bundle"
# an annotation added
"$CT" annotate rally --note "A second count found 1,150." >/dev/null || fail "annotate"
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds
contains "$OUT" "wrote claim/rally.html"
contains "$OUT" "wrote bundle/rally.bundle"
contains "$OUT" "wrote claims.bundle"
contains "$(cat $S5/claim/rally.html)" "A second count found 1,150."
expect_status 0 "$CT" verify "$S5/claims.bundle" --trust "$S5/keys/"
# a key record added (a new signer's, on a claim not published): the claim pages are made
# again (their bytes do not change) and so are the bundles, from the pages' own verification
"$CT" key generate --unencrypted --name "Newcomer" -o ../new.key >/dev/null || exit 99
CLAIMTRAIL_KEY=$TMP/new.key "$CT" annotate hostile-url --note "seen" >/dev/null ||
	fail "annotate with a new key"
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert "bundle/rally.bundle" in d["written"] and "claims.bundle" in d["written"], d
assert "claim/rally.html" not in d["written"], d
' "$OUT" && ok || fail "a key record added did not make the claim again: $OUT"
expect_status 0 "$CT" verify "$S5/bundle/rally.bundle" --trust "$S5/keys/"
# a claim edited by plain git, then published again into the same folder
f=$(find claims/claim -path "*/rally/r0002*.json")
sed 's/About 1,200/About 9,999/' "$f" >"$f.new" && mv "$f.new" "$f" || exit 99
git add claims && git commit -qm "a statement changed by hand" || exit 99
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds
contains "$OUT" "wrote claim/rally.html"
contains "$OUT" "removed bundle/rally.bundle"
contains "$OUT" "removed claims.bundle"
P=$(cat $S5/claim/rally.html)
contains "$P" "About 9,999"
contains "$P" "NOT VERIFIED when published"
contains "$P" '<span class="status status-unverified">unverified</span>'
[ ! -e $S5/bundle/rally.bundle ] && [ ! -e $S5/claims.bundle ] && ok ||
	fail "an incremental publish kept a bundle of a claim that does not verify"
# and back: the page verifies again and the bundles return
git reset -q --hard "$start"
"$CT" annotate rally --note "A second count found 1,150." >/dev/null || fail "annotate again"
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds
contains "$OUT" "wrote claim/rally.html"
contains "$OUT" "wrote claims.bundle"
not_contains "$(cat $S5/claim/rally.html)" "NOT VERIFIED"
expect_status 0 "$CT" verify "$S5/claims.bundle" --trust "$S5/keys/"
# the manifest keeps each claim's index row as text, joined into index.json as it is: the
# index an incremental publish splices is the one a full publish makes, and a row edited by
# hand into something that is not a JSON object only costs its page (never lands in index.js)
head -1 $S5/.claimtrail-publish.json | grep -qx 'claimtrail-publish-manifest 3' && ok ||
	fail "the manifest is not in lines"
expect_status 0 "$CT" publish -o ../site5-full --base-url "$URL" --tag crowds
cmp -s $S5/index.json ../site5-full/index.json && cmp -s $S5/index.js ../site5-full/index.js &&
	cmp -s $S5/index.html ../site5-full/index.html && ok ||
	fail "the spliced index differs from a full publish's"
sed 's/^\(claim rally\) .*/\1 {"statement":"x"}];alert(1);[{}/' \
	$S5/.claimtrail-publish.json >../m.new && mv ../m.new $S5/.claimtrail-publish.json || exit 99
grep -q 'alert(1)' $S5/.claimtrail-publish.json || fail "the manifest row was not edited"
expect_status 0 "$CT" publish -o $S5 --base-url "$URL" --tag crowds
not_contains "$(cat $S5/index.js $S5/index.json $S5/.claimtrail-publish.json)" "alert(1)"
cmp -s $S5/index.js ../site5-full/index.js && ok || fail "an edited manifest row reached index.js"
git reset -q --hard "$start"

# ---- --from BUNDLE: the same site without a store ----
expect_status 0 "$CT" bundle create -o ../all.bundle --all --history --annotations
mkdir ../reader && cd ../reader || exit 99
expect_status 2 "$CT" publish -o site --base-url "$URL" --from ../all.bundle
contains "$ERR" "--trust"
unset CLAIMTRAIL_KEY
expect_status 0 "$CT" key generate --unencrypted -o other.key
expect_status 1 "$CT" publish -o site --base-url "$URL" --from ../all.bundle --trust other.key.pub
[ ! -e site/index.html ] && ok || fail "publish --from an unverified bundle wrote a site"
mkdir keys && cp "$TMP/k.key.pub" "$TMP/ed.key.pub" keys/ || exit 99
KEYDIR=$TMP/reader/keys
expect_status 0 "$CT" publish -o site --base-url "$URL" --from ../all.bundle --trust "$KEYDIR"
contains "$OUT" "published 4 claims"
cmp -s site/claims.bundle ../all.bundle && ok || fail "--from without a key offers another bundle"
ls -a site | grep -q claimtrail-from && fail "the temporary store was left in site/" || ok
contains "$(cat site/claim/hostile-url.html)" "okapi, revised"
not_contains "$(cat site/claim/*.html)" "<script>alert"
expect_status 0 "$CT" publish -o site --base-url "$URL" --from ../all.bundle --trust "$KEYDIR"
contains "$OUT" "0 files written"

# run inside a repository (with a store, then without one): the temporary store is its own
cd "$TMP/repo" || exit 99
before=$(git rev-parse HEAD)
expect_status 0 "$CT" publish -o site-in-repo --base-url "$URL" --from ../all.bundle --trust "$KEYDIR"
contains "$OUT" "published 4 claims"
[ "$(git rev-parse HEAD)" = "$before" ] && ok || fail "publish --from wrote into the repository around DIR"
rm -rf site-in-repo
mkdir ../plain && cd ../plain && git init -q -b main . || exit 99
expect_status 0 "$CT" publish -o site --base-url "$URL" --from ../all.bundle --trust "$KEYDIR"
[ ! -e claims ] && ! git rev-parse -q --verify HEAD >/dev/null && ok ||
	fail "publish --from made a store in the repository around DIR"

# ---- the repository's example store: every claim with a verdict that stands carries a
# ClaimReview search engines take (its url under the base url), the others none ----
expect_status 0 "$CT" -C "$SRCDIR" list --json
nclaims=$(printf '%s' "$OUT" | grep -c '"id":')
expect_status 0 "$CT" -C "$SRCDIR" publish -o "$TMP/example-site" --base-url "$URL" \
	--key "$TMP/k.key"
contains "$OUT" "published $nclaims claims"
python3 - "$TMP/example-site" "$URL" <<'PY' && ok || fail "the example store's ClaimReviews"
import json, re, sys
site, url = sys.argv[1], sys.argv[2]
index = json.load(open(site + "/index.json"))
reviewed = 0
for c in index["claims"]:
    html = open(site + "/" + c["page"], encoding="utf-8").read()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == (1 if c["verdict"] else 0), (c["id"], c["verdict"], len(blocks))
    if not blocks:
        continue
    reviewed += 1
    r = json.loads(blocks[0])
    assert r["url"] == url + "/" + c["page"] and r["claimReviewed"] == c["statement"], r
    assert r["reviewRating"]["alternateName"] == c["verdict"], r
    assert (r["reviewRating"].get("ratingValue") == c["rating"]), r
    assert r["itemReviewed"]["author"] and r["itemReviewed"]["appearance"], r
    assert r["author"]["name"] and re.match(r"\d{4}-\d{2}-\d{2}$", r["datePublished"]), r
assert reviewed >= 3, reviewed
PY
expect_status 0 "$CT" verify "$TMP/example-site/claims.bundle" --trust "$TMP/example-site/keys/"

# ---- the site is flushed to disk once (one syncfs before the manifest, and the manifest's own
# fsync), not once a bundle; counted with strace where it can trace ----
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null true 2>/dev/null; then
	# (LeakSanitizer cannot run under ptrace: the sanitizer build leaves leaks to the others)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=fsync,fdatasync,syncfs -o "$TMP/sync.trace" \
		"$CT" -C "$SRCDIR" publish -o "$TMP/sync-site" --base-url "$URL" \
		--key "$TMP/k.key" >/dev/null 2>&1 || fail "publish under strace"
	[ -s "$TMP/sync-site/claims.bundle" ] && ok || fail "no claims.bundle under strace"
	nsync=$(grep -c -E 'fsync\(|fdatasync\(' "$TMP/sync.trace")
	nfs=$(grep -c 'syncfs(' "$TMP/sync.trace")
	[ "$nsync" -le 1 ] && [ "$nfs" -eq 1 ] && ok ||
		fail "publish flushed $nsync files one by one and the file system $nfs times"
else
	echo "publish.sh: strace cannot trace here: the count of flushes is not checked" >&2
fi

# ---- claim pages are made on more than one thread (CLAIMTRAIL_THREADS), and the site is the
# same byte for byte as one thread makes it ----
env -u CLAIMTRAIL_KEY CLAIMTRAIL_THREADS=1 "$CT" -C "$SRCDIR" publish -o "$TMP/one-thread" \
	--base-url "$URL" >/dev/null 2>&1 || fail "publish on one thread"
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null true 2>/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" CLAIMTRAIL_THREADS=2 \
		strace -f -qq -e trace=clone,clone3 -o "$TMP/threads.trace" \
		env -u CLAIMTRAIL_KEY "$CT" -C "$SRCDIR" publish -o "$TMP/two-threads" \
		--base-url "$URL" >/dev/null 2>&1 || fail "publish on two threads under strace"
	grep -q 'CLONE_THREAD' "$TMP/threads.trace" && ok ||
		fail "publish made its pages on one thread"
else
	env -u CLAIMTRAIL_KEY CLAIMTRAIL_THREADS=2 "$CT" -C "$SRCDIR" publish \
		-o "$TMP/two-threads" --base-url "$URL" >/dev/null 2>&1 || fail "publish on two threads"
fi
diff -r -x .claimtrail-publish.json "$TMP/one-thread" "$TMP/two-threads" >/dev/null && ok ||
	fail "the site made on two threads differs from the one made on one"
finish
