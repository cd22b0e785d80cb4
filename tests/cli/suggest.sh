#!/bin/sh
# End to end: 'suggest' on a news-style text (tests/data/texts/orrin-flood.txt, written for the
# project) finds the claims worth checking, says why and where, does not list every sentence,
# and prints 'claim add' commands that work as printed.
. "$(dirname "$0")/lib.sh"
: "${DATADIR:?DATADIR must name tests/data}"
ARTICLE="$DATADIR/texts/orrin-flood.txt"

expect_status 0 "$CT" suggest "$ARTICLE"
contains "$OUT" 'quantity "more than 130"'
contains "$OUT" 'quantity "at least 21"'
contains "$OUT" 'quantity "more than 190"'
contains "$OUT" 'quantity "as many as 6,000"'
contains "$OUT" 'quantity "nearly 200"'
contains "$OUT" 'quantity "13"'
contains "$OUT" 'superlative "worst"'
contains "$OUT" 'attribution "according to"'
contains "$OUT" 'attribution "estimated"'
# offsets count code points: the curly apostrophe before it is one, not three bytes
contains "$OUT" "characters 303-458: Floodwater from the Orrin river has forced more than 130 families"
contains "$OUT" "--quote 'at least 21 people were rescued from their cars in the lower town of Brennick'"
not_contains "$OUT" "Skip to main content"
not_contains "$OUT" "Open this photo"
not_contains "$OUT" "Volunteers fill sandbags"
not_contains "$OUT" "Share this story"
# "U.N." and "Dr." do not end a sentence
contains "$OUT" ": U.N. hydrologists have confirmed this account"
not_contains "$OUT" ": N. hydrologists"
contains "$OUT" ": And in February, Dr. Ada Pell, the chief engineer"
not_contains "$OUT" ": Ada Pell"
# Clearly fewer than all sentences: at most half.
LAST=$(printf '%s\n' "$OUT" | tail -n 1)
PICKED=$(printf '%s\n' "$LAST" | sed -n 's/^\([0-9]*\) of \([0-9]*\) sentences worth checking$/\1/p')
TOTAL=$(printf '%s\n' "$LAST" | sed -n 's/^\([0-9]*\) of \([0-9]*\) sentences worth checking$/\2/p')
[ -n "$PICKED" ] && [ -n "$TOTAL" ] && ok || fail "no summary line: $LAST"
[ "${TOTAL:-0}" -ge 20 ] && ok || fail "only $TOTAL sentences found in the text"
[ "$((2 * ${PICKED:-99}))" -le "${TOTAL:-0}" ] && ok || fail "picked $PICKED of $TOTAL sentences"
[ "$(printf '%s\n' "$OUT" | grep -c '^   claimtrail claim add ')" -eq "${PICKED:-0}" ] && ok ||
	fail "not one command per suggestion"

# --json: offsets in code points that match the article.
if command -v node >/dev/null 2>&1; then
	expect_status 0 "$CT" suggest "$ARTICLE" --json
	printf '%s\n' "$OUT" | node -e '
		const fs = require("fs");
		const text = Array.from(fs.readFileSync(process.argv[1], "utf8"));
		let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
			const r = JSON.parse(s);
			let bad = r.suggestions.length === 0 || r.sentences < 2 * r.suggestions.length;
			for (const x of r.suggestions) {
				if (text.slice(x.start, x.end).join("") !== x.text) bad = true;
				if (text.slice(x.quote.start, x.quote.end).join("") !== x.quote.text) bad = true;
				if (!x.reasons.length || !x.command.startsWith("claimtrail claim add ")) bad = true;
			}
			process.exit(bad ? 1 : 0);
		});' "$ARTICLE" && ok || fail "suggest --json offsets or fields are wrong"
fi

# The printed commands work as printed: record every suggestion in a store.
"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id ledger --title "Orrin floods" --publisher "The Eastmere Ledger" --file "$ARTICLE"
expect_status 0 "$CT" suggest "$ARTICLE" --source ledger
printf '%s\n' "$OUT" | sed -n 's/^   claimtrail /"$CT" /p' >../record.sh
[ "$(wc -l <../record.sh)" -eq "${PICKED:-0}" ] && ok || fail "commands: $(cat ../record.sh)"
CT="$CT" sh -e ../record.sh >../record.out 2>&1 && ok || fail "a suggested command failed: $(cat ../record.out)"
expect_status 0 "$CT" list
[ "$(printf '%s\n' "$OUT" | grep -c .)" -eq "${PICKED:-0}" ] && ok || fail "not every suggestion recorded: $OUT"
expect_status 0 "$CT" anchor check
contains "$OUT" "${PICKED} ok, 0 moved, 0 orphaned"
cd .. || exit 99

# Shell quoting: an apostrophe in a sentence survives.
printf "%s\n" "The minister said it's 40 per cent higher than last year's 1,200." >quotes.txt
expect_status 0 "$CT" suggest quotes.txt
contains "$OUT" "--statement 'The minister said it'\\''s 40 per cent higher than last year'\\''s 1,200.'"
contains "$OUT" 'quantity "40 per cent"'
contains "$OUT" 'quantity "1,200"'

# Bad input.
printf 'caf\351 had 1,000 guests.\n' >latin1.txt
expect_status 4 "$CT" suggest latin1.txt
contains "$ERR" "latin1.txt: the text is not valid UTF-8 (byte 3)"
one_line "$ERR"
expect_status 3 "$CT" suggest missing.txt
one_line "$ERR"
expect_status 2 "$CT" suggest
expect_status 0 "$CT" suggest --help

# a missing file: one line naming it once
expect_status 3 "$CT" suggest no-such-article.txt
contains "$ERR" "no-such-article.txt"; one_line "$ERR"
[ "$(printf '%s' "$ERR" | grep -o 'no-such-article.txt' | wc -l)" -eq 1 ] && ok ||
	fail "the file is named more than once: $ERR"
finish
