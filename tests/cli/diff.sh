#!/bin/sh
# claimtrail diff and log -p, end to end: word marks, the JSON patch (applied by an independent
# RFC 6902 applier in node), store diffs between git revisions, and errors.
. "$(dirname "$0")/lib.sh"

keyid=$($CT key generate --unencrypted -o k.key 2>/dev/null | sed -n 's/^key \([0-9a-f]*\).*/\1/p')
[ -n "$keyid" ] || { echo "key generate failed"; exit 1; }
export CLAIMTRAIL_KEY="$TMP/k.key"
expect_status 0 $CT init
expect_status 0 $CT source add --id sec-reports --title "Security reports" \
	--publisher "Example Post"
expect_status 0 $CT claim add --id fighters --source sec-reports \
	--statement "As many as 6000 foreign fighters may have moved into Afghanistan" \
	--quote "as many as 6,000 foreign fighters" --quantity 6000 --unit fighters \
	--qualifier "as many as" --tag iskp
expect_status 0 $CT claim revise fighters --quantity 5000 \
	--statement "As many as 5000 foreign fighters may have moved into Afghanistan" \
	--reason "the primary source says 5,000"

# ---- claim diff, text ----
expect_status 0 $CT diff fighters
contains "$OUT" "diff claim fighters revision 1 -> 2"
contains "$OUT" "--- revision 1  sha256:"
contains "$OUT" "+++ revision 2  sha256:"
contains "$OUT" "reason: (first revision)"
contains "$OUT" "reason: the primary source says 5,000"
contains "$OUT" "signed by $keyid"
stmt=$(printf '%s\n' "$OUT" | grep '^statement: ')
want="statement: As many as [-6000-]{+5000+} foreign fighters may have moved into Afghanistan"
[ "$stmt" = "$want" ] \
	&& ok || fail "statement line: $stmt"
contains "$OUT" "quantity.amount: 6,000 -> 5,000"
not_contains "$OUT" "quantity.unit"
not_contains "$OUT" "tags:"
not_contains "$OUT" "$(printf '\033')" "plain output"
# explicit revisions: number, digest prefix, commit; and colour on request
d1=$($CT cat fighters --rev 1 | node -e '
	const c = require("crypto"); let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
	const r = JSON.parse(s); process.stdout.write(r.revision + "\n"); });')
[ "$d1" = "1" ] && ok || fail "cat --rev 1"
digest1=$($CT diff fighters --json | node -e '
	let s = ""; process.stdin.on("data", d => s += d).on("end", () =>
	process.stdout.write(JSON.parse(s).a.digest.slice(7, 19)));')
expect_status 0 $CT diff fighters "$digest1" 2
contains "$OUT" "[-6000-]{+5000+}"
expect_status 0 $CT diff fighters HEAD~1 HEAD
contains "$OUT" "revision 1 -> 2"
expect_status 0 $CT diff fighters 2 1
contains "$OUT" "statement: As many as [-5000-]{+6000+} foreign"
expect_status 0 $CT diff fighters 1
contains "$OUT" "revision 1 -> 2"
expect_status 0 $CT diff fighters 2 2
contains "$OUT" "(no field changed)"
expect_status 0 $CT diff fighters --color=always
contains "$OUT" "$(printf '\033[31m')6000$(printf '\033[m')$(printf '\033[32m')5000"
not_contains "$OUT" "[-6000-]"
expect_status 0 env NO_COLOR=1 $CT diff fighters --color=auto
not_contains "$OUT" "$(printf '\033')" "NO_COLOR output"

# ---- claim diff, JSON: the patch turns `cat --rev 1` into `cat --rev 2` exactly ----
$CT cat fighters --rev 1 >r1.json
$CT cat fighters --rev 2 >r2.json
expect_status 0 $CT diff fighters --json
printf '%s\n' "$OUT" >diff.json
cat >apply.js <<'EOF'
// An independent RFC 6902 applier (add, remove, replace, move, copy, test).
const fs = require("fs");
const [a, b, d] = process.argv.slice(2).map(f => JSON.parse(fs.readFileSync(f, "utf8")));
function parse(p) {
	if (p === "") return [];
	if (p[0] !== "/") throw new Error("bad pointer " + p);
	return p.slice(1).split("/").map(t => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}
function walk(doc, toks) {
	let cur = doc;
	for (const t of toks) {
		if (cur === null || typeof cur !== "object" || !(t in cur)) throw new Error("no " + t);
		cur = cur[t];
	}
	return cur;
}
function apply(doc, op) {
	const toks = parse(op.path), last = toks[toks.length - 1];
	if (toks.length === 0) return op.value;
	const parent = walk(doc, toks.slice(0, -1));
	const isArr = Array.isArray(parent);
	if (op.op === "add") {
		if (isArr) parent.splice(last === "-" ? parent.length : +last, 0, op.value);
		else parent[last] = op.value;
	} else if (op.op === "remove") {
		if (!(last in parent)) throw new Error("remove: no " + op.path);
		if (isArr) parent.splice(+last, 1); else delete parent[last];
	} else if (op.op === "replace") {
		if (!(last in parent)) throw new Error("replace: no " + op.path);
		parent[last] = op.value;
	} else {
		throw new Error("unexpected op " + op.op);
	}
	return doc;
}
function canon(v) {
	if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
	if (v && typeof v === "object")
		return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k]))
			.join(",") + "}";
	return JSON.stringify(v);
}
let doc = a;
for (const op of d.patch) doc = apply(doc, op);
if (canon(doc) !== canon(b)) {
	console.log("MISMATCH\n" + canon(doc) + "\n" + canon(b));
	process.exit(1);
}
const fields = d.changes.map(c => c.field).join(",");
console.log("ok " + d.patch.length + " " + fields + " " + d.a.revision + "->" + d.b.revision +
	" " + d.b.reason + " " + (d.a.signers.length === 1));
EOF
expect_status 0 node apply.js r1.json r2.json diff.json
contains "$OUT" "ok "
contains "$OUT" "statement,quantity.amount 1->2 the primary source says 5,000 true"

# a third revision changing tags, quote and location, and the patch between revisions 1 and 3
expect_status 0 $CT claim revise fighters --tag iskp --tag afghanistan --location "paragraph 4" \
	--quote "as many as 5,000 foreign fighters" --reason "re-read the article"
expect_status 0 $CT diff fighters
contains "$OUT" "attribution.quote: as many as [-6,000-]{+5,000+} foreign fighters"
contains "$OUT" "attribution.location: (none) -> paragraph 4"
contains "$OUT" "tags: iskp -> iskp, afghanistan"
$CT cat fighters --rev 3 >r3.json
$CT diff fighters 1 3 --json >diff13.json
expect_status 0 node apply.js r1.json r3.json diff13.json
$CT diff fighters 3 1 --json >diff31.json
expect_status 0 node apply.js r3.json r1.json diff31.json

# ---- log -p ----
expect_status 0 $CT log -p fighters
contains "$OUT" "changes since revision 2:"
contains "$OUT" "changes since revision 1:"
contains "$OUT" "    statement: As many as [-6000-]{+5000+} foreign fighters"
contains "$OUT" "    tags: iskp -> iskp, afghanistan"
expect_status 0 $CT log fighters
not_contains "$OUT" "changes since"
expect_status 0 $CT log -p --json fighters
contains "$OUT" '"diff": {'
contains "$OUT" '"path": "/quantity/amount"'

# ---- store diff ----
expect_status 0 $CT claim add --id attacks --source sec-reports \
	--statement "More than 190 suicide attacks since 2022"
expect_status 0 $CT diff --store HEAD~2 HEAD
contains "$OUT" "claim fighters revised (r2 -> r3)"
contains "$OUT" "claim attacks added (r1)"
last=$(printf '%s\n' "$OUT" | tail -n 1)
[ "$last" = "1 claim added, 1 revised" ] && ok || fail "counts line: $last"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] && ok || fail "one line per change: $OUT"
git tag published
expect_status 0 $CT diff --store published HEAD
[ "$OUT" = "no changes" ] && ok || fail "empty store diff: $OUT"

expect_status 0 $CT claim retract attacks --reason "misread the report"
expect_status 0 $CT source revise sec-reports --title "Security reports (updated)" \
	--reason "new title"
# annotations and a sign-off, committed with plain git (the store diff reads trees only)
adir=$(find claims/claim -type d -name fighters)/annotations
mkdir -p "$adir"
digest3=$(node -e '
	process.stdout.write(JSON.parse(require("fs").readFileSync("diff13.json")).b.digest)')
cat >"$adir/v1.json" <<EOF
{"type": "annotation", "id": "v1", "claim": "fighters", "claim_revision": "$digest3",
 "created": "2024-04-01T10:00:00Z", "kind": "verdict", "verdict": "unverifiable"}
EOF
cat >"$adir/d1.json" <<EOF
{"type": "annotation", "id": "d1", "claim": "fighters", "claim_revision": "$digest3",
 "created": "2024-04-02T10:00:00Z", "kind": "dispute",
 "dispute": {"by": "Ministry of Foreign Affairs", "reason": "no such movement"}}
EOF
git add claims >/dev/null && git commit -q -m "annotate by hand" || fail "git commit"
rdir=$(find claims/claim -type d -name fighters)
node -e '
	const fs = require("fs"), f = process.argv[1], r = JSON.parse(fs.readFileSync(f, "utf8"));
	r.signatures.push({key_id: "fedcba9876543210", sig: "A".repeat(86) + "=="});
	fs.writeFileSync(f, JSON.stringify(r, null, 2) + "\n");' "$rdir"/r0002-*.json
git commit -q -a -m "sign-off by hand" || fail "git commit"
handsigned=$(git rev-parse HEAD)
expect_status 0 $CT diff --store published HEAD
contains "$OUT" "claim attacks retracted (r1 -> r2)"
contains "$OUT" "source sec-reports revised (r1 -> r2)"
contains "$OUT" 'claim fighters annotated: verdict "unverifiable" (annotation v1)'
contains "$OUT" \
	"claim fighters disputed by Ministry of Foreign Affairs: no such movement (annotation d1)"
contains "$OUT" "claim fighters r2 signed by fedcba9876543210  NOT VERIFIED: signed by key fedcba9876543210, which has no valid key record in the store"
contains "$OUT" 'claim fighters annotated: verdict "unverifiable" (annotation v1)  NOT VERIFIED: not signed'
last=$(printf '%s\n' "$OUT" | tail -n 1)
[ "$last" = "1 claim retracted, 1 annotation, 1 dispute, 1 sign-off, 1 source revised" ] \
	&& ok || fail "counts line: $last"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 6 ] && ok || fail "one line per change: $OUT"
expect_status 0 $CT diff --store published HEAD --json
printf '%s\n' "$OUT" >store.json
expect_status 0 node -e '
	const d = JSON.parse(require("fs").readFileSync("store.json", "utf8"));
	const c = d.counts, acts = d.changes.map(e => e.kind + ":" + e.id + ":" + e.action).join(" ");
	if (c.claims_retracted !== 1 || c.annotations !== 1 || c.disputes !== 1 || c.signoffs !== 1 ||
		c.sources_revised !== 1 || c.claims_added !== 0 || d.changes.length !== 5)
		{ console.log(JSON.stringify(d)); process.exit(1); }
	if (!/^[0-9a-f]{40}$/.test(d.from) || !/^[0-9a-f]{40}$/.test(d.to)) process.exit(2);
	console.log(acts);'
contains "$OUT" "annotation:d1:disputed"
# the whole history from the first commit
first=$(git rev-list --max-parents=0 HEAD)
expect_status 0 $CT diff --store "$first" main
contains "$OUT" "claim attacks added (r1 -> r2), retracted"
contains "$OUT" "claim fighters added (r1 -> r3)"
contains "$OUT" "source sec-reports added (r1 -> r2)"

# ---- errors: one line, documented exit statuses ----
expect_status 3 $CT diff nosuch
contains "$ERR" 'no claim or source "nosuch"'
one_line "$ERR"
expect_status 3 $CT diff fighters 9
contains "$ERR" "no revision 9"
one_line "$ERR"
expect_status 3 $CT diff fighters deadbeefcafe
one_line "$ERR"
expect_status 0 $CT claim add --id lonely --source sec-reports \
	--statement "A claim with one revision"
expect_status 3 $CT diff lonely
contains "$ERR" "only one revision"
one_line "$ERR"
expect_status 3 $CT diff --store no-such-tag HEAD
contains "$ERR" 'no git revision "no-such-tag"'
one_line "$ERR"
expect_status 4 $CT diff "Bad/ID"
one_line "$ERR"
expect_status 2 $CT diff
expect_status 2 $CT diff --store HEAD
expect_status 2 $CT diff fighters 1 2 3
expect_status 2 $CT diff fighters --color=sometimes
expect_status 2 $CT diff fighters --frobnicate
expect_status 0 $CT diff --help
contains "$OUT" "usage: claimtrail diff"

# Annotations show with the side they judge: a verdict on revision 3 is not one on 1 or 2.
# (A signature by a key the store has no record of proves nothing either way, so the revision
# it was added to by hand still verifies; undo the hand-made sign-off all the same.)
expect_status 0 $CT show fighters --rev 2
contains "$OUT" "verified:   yes"
git revert --no-edit "$handsigned" >/dev/null || fail "git revert"
expect_status 0 $CT annotate fighters --verdict mostly-true --note "checked the new figure"
expect_status 0 $CT diff fighters 1 2
not_contains "$OUT" "checked the new figure"
expect_status 0 $CT diff fighters
contains "$OUT" "annotations:"
contains "$OUT" "(judges revision 3)"
expect_status 0 $CT diff fighters --json
contains "$OUT" '"judges": "b"'

# A claim diff reads its two revisions, not the rest: with revision 1 broken by hand, the
# default diff (2 -> 3) still works, and a diff that needs revision 1 says what is wrong.
printf 'not json\n' >"$rdir/r0001.json"
git commit -q -a -m "break r1 by hand" || fail "git commit"
expect_status 0 $CT diff fighters
contains "$OUT" "revision 2 -> 3"
expect_status 4 $CT diff fighters 1 3
contains "$ERR" "claim fighters revision 1"
one_line "$ERR"

# a path in git is any bytes: one that is not UTF-8 is invalid input, not "out of memory"
before=$(git rev-parse HEAD)
echo x >"claims/$(printf 'odd\377name')" && git add claims && git commit -qm "odd file by hand"
expect_status 4 $CT diff --store "$before" HEAD
contains "$ERR" "a file path in the store is not valid UTF-8 (byte 10)"
not_contains "$ERR" "memory"
one_line "$ERR"

finish
