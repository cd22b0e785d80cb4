#!/bin/sh
# End to end: quotes anchored in a source's stored text (tolerant of typographic quotes and
# white space, recording the exact span), 'anchor check' after the source is re-retrieved with
# changed text (ok, moved with the new offsets, orphaned), and --update re-anchoring.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
unchanged() {
	[ "$(git rev-parse HEAD)" = "$1" ] && ok || fail "HEAD moved after: $2"
}

# Curly quotes and apostrophes, a double space, as real articles have them.
printf '%s\n' \
	'A terrorist attack on Moscow’s Crocus concert hall has resulted in more than 130 deaths.' \
	'' \
	'The UN team documented more than 190 suicide-bomb attacks  by ISKP since 2022.' \
	'' \
	'Andrey Serdyukov warned of “the main threat to the stability in Central Asia.”' >../v1.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id article --title "Article" --publisher "The Globe and Mail" --file ../v1.txt
expect_status 0 "$CT" source add --id statement --title "Statement" --publisher "CSTO"

expect_status 0 "$CT" claim add --id deaths --statement "More than 130 died." --source article \
	--quote "more than 130 deaths"
expect_status 0 "$CT" claim add --id attacks --statement "More than 190 suicide attacks." --source article \
	--quote "more than 190 suicide-bomb attacks by ISKP"
expect_status 0 "$CT" claim add --id threat --statement "The main threat." --source article \
	--quote "\"the main threat to the stability in Central Asia.\""
expect_status 0 "$CT" claim add --id crocus --statement "Crocus." --source article \
	--quote "Moscow's Crocus concert hall"
expect_status 0 "$CT" claim add --id untexted --statement "No text." --source statement --quote "anything"
expect_status 0 "$CT" claim add --id unquoted --statement "No quote." --source article

# The selector records the source's exact bytes and code point offsets.
expect_status 0 "$CT" cat attacks
contains "$OUT" '"exact": "more than 190 suicide-bomb attacks  by ISKP"'
contains "$OUT" '"start": 113'
contains "$OUT" '"end": 156'
expect_status 0 "$CT" cat threat
contains "$OUT" '"exact": "“the main threat to the stability in Central Asia.”"'
expect_status 0 "$CT" cat crocus
contains "$OUT" '"exact": "Moscow’s Crocus concert hall"'
contains "$OUT" '"start": 22'
contains "$OUT" '"quote": "Moscow'"'"'s Crocus concert hall"'
expect_status 0 "$CT" show deaths
contains "$OUT" "anchored:   characters 67-87 of the source's text"

# A quote that is not in the text is refused; nothing is written.
H=$(git rev-parse HEAD)
expect_status 4 "$CT" claim add --id absent --statement "x" --source article --quote "more than 300 deaths"
contains "$ERR" 'quote "more than 300 deaths" does not occur in the source'"'"'s text'
one_line "$ERR"
expect_status 4 "$CT" claim revise deaths --quote "nearly 200 deaths" --reason "wrong"
one_line "$ERR"
unchanged "$H" "absent quotes"

# Everything is where it was.
expect_status 0 "$CT" anchor check
contains "$OUT" "ok        deaths: characters 67-87 of source article revision 1"
contains "$OUT" "no-text   untexted: source statement keeps no text to check against"
not_contains "$OUT" "unquoted"
contains "$OUT" "4 ok, 0 moved, 0 orphaned, 0 broken, 1 without text"
expect_status 0 "$CT" anchor check unquoted
contains "$OUT" "no-quote  unquoted"
expect_status 3 "$CT" anchor check nosuch
expect_status 2 "$CT" anchor verify
expect_status 2 "$CT" anchor check --reason x

# The source is re-retrieved: a correction paragraph on top (35 code points with its blank
# line), the toll changed, white space and quotes changed in another sentence.
{
	printf '%s\n\n' 'Correction: the toll was revised.'
	printf '%s\n' \
		'A terrorist attack on Moscow’s Crocus concert hall has resulted in more than 140 deaths.' \
		'' \
		'The UN team documented more than 190 suicide-bomb attacks by ISKP since 2022.' \
		'' \
		'Andrey Serdyukov warned of "the main threat to the stability in Central Asia."'
} >../v2.txt
expect_status 0 "$CT" source revise article --file ../v2.txt --reason "re-retrieved"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" anchor check
contains "$OUT" "orphaned  deaths: quote \"more than 130 deaths\" is not in source article revision 2"
contains "$OUT" "moved     attacks: characters 113-156 (source article revision 1) are now 148-190 in revision 2"
contains "$OUT" "moved     crocus: characters 22-50 (source article revision 1) are now 57-85 in revision 2"
contains "$OUT" "moved     threat:"
contains "$OUT" "0 ok, 3 moved, 1 orphaned, 0 broken, 1 without text"
unchanged "$H" "anchor check without --update"
if command -v node >/dev/null 2>&1; then
	expect_status 1 "$CT" anchor check --json
	printf '%s\n' "$OUT" | node -e '
		const fs = require("fs");
		const text = Array.from(fs.readFileSync(process.argv[1], "utf8"));
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			let bad = 0;
			for (const r of JSON.parse(s))
				if (r.new_exact !== undefined &&
					text.slice(r.new_start, r.new_end).join("") !== r.new_exact) bad++;
			process.exit(bad);
		});' ../v2.txt && ok || fail "anchor check --json offsets do not match the new text"
fi

# --update re-anchors what moved (one revision each, with a reason, all in one commit) and
# leaves orphans.
N=$(git rev-list --count HEAD)
expect_status 1 "$CT" anchor check --update
contains "$OUT" "moved     attacks: characters 113-156 (source article revision 1) are now 148-190 in revision 2; re-anchored in claim revision 2"
[ "$(git rev-list --count HEAD)" -eq $((N + 1)) ] && ok || fail "--update: expected 1 commit"
contains "$(git log -1 --format=%s)" "anchor relocate 3 claims"
expect_status 0 "$CT" show attacks
contains "$OUT" "anchored:   characters 148-190 of the source's text"
contains "$OUT" "reason:     re-anchored: the quote moved from characters 113-156 to 148-190 of source article (revision 2)"
expect_status 0 "$CT" cat attacks
contains "$OUT" '"exact": "more than 190 suicide-bomb attacks by ISKP"'
expect_status 0 "$CT" anchor check attacks
contains "$OUT" "ok        attacks: characters 148-190 of source article revision 2"
expect_status 1 "$CT" anchor check deaths
H=$(git rev-parse HEAD)
expect_status 1 "$CT" anchor check deaths --update
unchanged "$H" "--update on an orphan"
# A person fixes the orphan by revising the quote.
expect_status 0 "$CT" claim revise deaths --statement "More than 140 died." --quote "more than 140 deaths" \
	--reason "the source corrected the toll"
expect_status 0 "$CT" anchor check
contains "$OUT" "4 ok, 0 moved, 0 orphaned, 0 broken, 1 without text"
expect_status 0 "$CT" check
git fsck --strict >../fsck.out 2>&1 && ok || fail "git fsck --strict: $(cat ../fsck.out)"

finish
