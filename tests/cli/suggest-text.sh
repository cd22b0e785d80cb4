#!/bin/sh
# End to end: 'suggest' on texts written here: invalid UTF-8 (encoded surrogates, overlong forms)
# is refused with one line naming the file and the byte, and statements and quotes do not carry
# a quotation mark whose partner is outside them.
. "$(dirname "$0")/lib.sh"

# ---- invalid UTF-8: one line naming the file and the byte offset ----
# U+D800 encoded as if it were a character (CESU-8): bytes ED A0 80 at byte 28
printf 'The figure was 1,000 people \355\240\200 here.\n' >surrogate.txt
expect_status 4 "$CT" suggest surrogate.txt
contains "$ERR" "surrogate.txt: the text is not valid UTF-8 (byte 28)"
not_contains "$ERR" "out of memory"
one_line "$ERR"
# the last surrogate, U+DFFF (ED BF BF), at the very end of the text
printf 'More than 200 people came.\n\355\277\277' >surrogate-end.txt
expect_status 4 "$CT" suggest surrogate-end.txt
contains "$ERR" "surrogate-end.txt: the text is not valid UTF-8 (byte 27)"
one_line "$ERR"
# an overlong 3-byte form of '/' (E0 80 AF)
printf 'About 5,000 \340\200\257 fans.\n' >overlong.txt
expect_status 4 "$CT" suggest overlong.txt
contains "$ERR" "overlong.txt: the text is not valid UTF-8 (byte 12)"
one_line "$ERR"
# U+D7FF and U+E000, either side of the surrogates, are characters
printf 'About 5,000 fans came \355\237\277 and \356\200\200 left.\n' >edges.txt
expect_status 0 "$CT" suggest edges.txt
contains "$OUT" 'quantity "About 5,000"'
# ---- quotation marks: none left without its partner in a statement or a quote ----
cat >quotes.txt <<'TEXT'
“We counted 1,200 people at the rally. Another 300 came later,” the mayor said.

The council chairman, who spoke after the vote, said the city had spent “more than $4 million on the new stadium.”

He said the bill would cost "more than 40 per cent more than the old one." Then he left the room.

“The ministry counted at least 21 dead in Kandahar on Friday.

“Another 45 were wounded, and the hospitals were full,” the officer said on Saturday.

“We counted 1,200 people at the rally on Friday night, and more came later,” the mayor said.
TEXT
expect_status 0 "$CT" suggest quotes.txt
# a quotation of two sentences is one statement, not two halves with a mark each
contains "$OUT" "--statement '“We counted 1,200 people at the rally. Another 300 came later,” the mayor said.'"
not_contains "$OUT" "--statement 'Another 300 came later,” the mayor said.'"
not_contains "$OUT" "--statement '“We counted 1,200 people at the rally.'"
# a quote that ends in a quotation holding the number is the quoted words
contains "$OUT" "--quote 'more than \$4 million on the new stadium'"
contains "$OUT" "--quote 'more than 40 per cent more than the old one'"
# a quotation that goes on in the next paragraph: its opening mark is left out
contains "$OUT" "--statement 'The ministry counted at least 21 dead in Kandahar on Friday.'"
contains "$OUT" "--quote 'The ministry counted at least 21 dead in Kandahar on Friday'"
# a quotation whole in the quote keeps its marks
contains "$OUT" "--quote '“Another 45 were wounded, and the hospitals were full,” the officer said on Saturday'"
# a quote cut at a clause keeps no mark whose partner it left out
contains "$OUT" "--quote 'We counted 1,200 people at the rally on Friday night'"
# no quote starts or ends with a mark whose partner is not in it
printf '%s\n' "$OUT" | sed -n "s/.* --quote '\(.*\)'\$/\1/p" >quotes.out
[ "$(wc -l <quotes.out)" -eq 6 ] && ok || fail "six quotes expected: $(cat quotes.out)"
if grep -n '^[^“]*”\|“[^”]*$' quotes.out >&2; then fail "a quote with an unpaired mark"; else ok; fi
# --json: the offsets still match the text after the marks are left out
if command -v node >/dev/null 2>&1; then
	expect_status 0 "$CT" suggest quotes.txt --json
	printf '%s\n' "$OUT" | node -e '
		const fs = require("fs");
		const text = Array.from(fs.readFileSync(process.argv[1], "utf8"));
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			const r = JSON.parse(s);
			let bad = r.suggestions.length !== 6;
			for (const x of r.suggestions) {
				if (text.slice(x.start, x.end).join("") !== x.text) bad = true;
				if (text.slice(x.quote.start, x.quote.end).join("") !== x.quote.text) bad = true;
			}
			process.exit(bad ? 1 : 0);
		});' quotes.txt && ok || fail "suggest --json offsets do not match quotes.txt: $OUT"
fi
# the statements and quotes are the source's text: every printed command records its claim
"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id council --title "Council" --publisher "City Paper" --file ../quotes.txt
expect_status 0 "$CT" suggest ../quotes.txt --source council
printf '%s\n' "$OUT" | sed -n 's/^   claimtrail /"$CT" /p' >../record.sh
CT="$CT" sh -e ../record.sh >../record.out 2>&1 && ok || fail "a suggested command failed: $(cat ../record.out)"
expect_status 0 "$CT" anchor check
contains "$OUT" "6 ok, 0 moved, 0 orphaned"
cd .. || exit 99
finish
