#!/bin/sh
# End to end: claimtrail bundle show BUNDLE [ID] --trust KEY.pub reads a bundle with no store,
# key or init: its claims as `list` prints them, one claim as `show` does; a bundle that does
# not verify against the reader's keys (tampered, or signed by a key not trusted) is refused with
# the reason, and nothing of it is printed.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" --org "Example Desk" -o k.key >/dev/null ||
	exit 99
"$CT" key generate --unencrypted --name "Stranger" -o other.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
printf 'The council said 1,200 people attended the rally on Friday.\n' >../report.txt
"$CT" init >/dev/null &&
	"$CT" source add --id council --title "Rally report" --publisher "City Council" \
		--file ../report.txt >/dev/null &&
	"$CT" claim add --id rally --statement "1,200 people attended the rally." \
		--source council --quote "1,200 people attended the rally" >/dev/null &&
	"$CT" claim add --id rain --statement "It rained." --source council >/dev/null &&
	"$CT" annotate rally --verdict mostly-true --note "Police counted 1,100." >/dev/null &&
	D=$("$CT" dispute rally --by "A reader" --reason "The organisers said 2,000.") &&
	"$CT" resolve rally "$D" --outcome rejected --note "The police count holds." >/dev/null &&
	"$CT" claim revise rain --statement "It rained on Friday." --reason "the day" >/dev/null ||
	exit 99
# the quote moves: revision 2 only re-anchors it, so the verdict on revision 1 still stands
printf 'Update at noon. The council said 1,200 people attended the rally on Friday.\n' >../report2.txt
"$CT" source revise council --file ../report2.txt --reason "an update line" >/dev/null &&
	"$CT" anchor check rally --update >/dev/null || exit 99
expect_status 0 "$CT" bundle create -o ../all.bundle --all --history --annotations
LIST=$("$CT" list) || exit 99
SHOW=$("$CT" show rally) || exit 99
cd .. && mkdir elsewhere && cd elsewhere || exit 99

# ---- no store, no key, no init: as list and show print it ----
unset CLAIMTRAIL_KEY
expect_status 0 "$CT" bundle show ../all.bundle --trust ../k.key.pub
[ "$OUT" = "$LIST" ] && ok || fail "bundle show lists otherwise than list: '$OUT' vs '$LIST'"
expect_status 0 "$CT" bundle show ../all.bundle ral --trust ../k.key.pub
contains "$OUT" "claim rally (revision 2)"
contains "$OUT" "status:     supported"
contains "$OUT" "stands: later revisions only re-anchored the quote"
contains "$OUT" "verified:   yes (bundle ../all.bundle"
for field in status statement source quote anchored context "signed by" digest; do
	line=$(printf '%s\n' "$SHOW" | grep "^$field: *")
	contains "$OUT" "$line" "the $field line"
done
contains "$OUT" "verdict \"mostly-true\" - Police counted 1,100."
contains "$OUT" "dispute by A reader: The organisers said 2,000."
expect_status 0 "$CT" bundle show ../all.bundle rain --trust ../k.key.pub
contains "$OUT" "claim rain (revision 2)"
contains "$OUT" "statement:  It rained on Friday."
[ ! -e .git ] && [ ! -e claims ] && ok || fail "bundle show made a store"

# ---- refused: no keys, keys that did not sign it, a changed byte ----
expect_status 2 "$CT" bundle show ../all.bundle
contains "$ERR" "name the keys you trust with --trust KEY.pub"
expect_status 1 "$CT" bundle show ../all.bundle --trust ../other.key.pub
[ -z "$OUT" ] && ok || fail "an untrusted bundle was shown: $OUT"
contains "$ERR" "bundle ../all.bundle not shown: "
one_line "$ERR"
# the claim's signed payload says 1,900 instead of 1,200; its signature stays
node -e '
	const fs = require("fs");
	let n = 0;
	const out = fs.readFileSync(process.argv[1], "utf8").split("\n").map(l => {
		if (!l.includes("payload")) return l;
		const e = JSON.parse(l);
		const p = Buffer.from(e.payload, "base64").toString("utf8");
		if (!p.includes("1,200 people attended")) return l;
		n++;
		e.payload = Buffer.from(p.replace("1,200 people", "1,900 people")).toString("base64");
		return JSON.stringify(e);
	});
	if (n === 0) process.exit(1);
	fs.writeFileSync(process.argv[2], out.join("\n"));' ../all.bundle bad.bundle || exit 99
expect_status 1 "$CT" bundle show bad.bundle rally --trust ../k.key.pub
[ -z "$OUT" ] && ok || fail "a tampered bundle was shown: $OUT"
contains "$ERR" "bundle bad.bundle not shown: "
not_contains "$ERR" "1,900"
expect_status 3 "$CT" bundle show ../all.bundle nosuch --trust ../k.key.pub
contains "$ERR" 'no claim "nosuch" in bundle ../all.bundle'
expect_status 3 "$CT" bundle show ../missing.bundle --trust ../k.key.pub
finish
