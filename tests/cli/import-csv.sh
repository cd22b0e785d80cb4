#!/bin/sh
# End to end: claimtrail import of a spreadsheet saved as CSV (docs/store.md, "Importing a
# spreadsheet"): quoted cells with commas, doubled quotes and line ends, CRLF, a byte order
# mark, columns named in any case; --dry-run writes nothing and needs no key; the ids printed
# (or as JSON); a bad row or column is named and nothing is written.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted -o k.key >/dev/null || exit 99
git init -q -b main repo && cd repo || exit 99
printf 'Intro.\nAbout 6.4 million people were displaced, "officials" said.\n' >../text.txt
expect_status 0 "$CT" init --key ../k.key
expect_status 0 "$CT" source add --id art --title A --publisher P --file ../text.txt --key ../k.key
expect_status 0 "$CT" source add --id radio --title R --publisher P --key ../k.key

# A sheet as a spreadsheet saves it: BOM, CRLF, quoted cells (commas, "" and a line end).
printf '\357\273\277Statement,SOURCE,Quote,quantity,Tags,id\r\n' >../sheet.csv
printf '"Displaced, officials say.",art,"About 6.4 million people were displaced, ""officials"" said",about 6.4m,"unhcr, 2024",\r\n' >>../sheet.csv
printf '"Two lines\nof statement.",radio,,,,second\r\n' >>../sheet.csv
printf ',,,,,\r\n' >>../sheet.csv
N=$(git rev-list --count HEAD)

# --dry-run: every check the import makes, nothing written, no key needed
expect_status 0 "$CT" import ../sheet.csv --dry-run
contains "$OUT" "claim displaced-officials-say"
contains "$OUT" 'quote:      "About 6.4 million people were displaced, "officials" said"'
contains "$OUT" 'quantity:   about 6,400,000 (written "about 6.4m")'
contains "$OUT" "claim second"
contains "$OUT" "would import 2 claims (dry run: nothing written)"
[ "$(git rev-list --count HEAD)" -eq "$N" ] && ok || fail "--dry-run wrote a commit"
expect_status 0 "$CT" import ../sheet.csv --dry-run --json
contains "$OUT" '"dry_run": true'
contains "$OUT" '"ids": ['
contains "$OUT" '"statement": "Two lines\nof statement."'
contains "$OUT" '"selector": {'
expect_status 3 "$CT" show second
contains "$ERR" 'no claim "second"'

# the import itself: one commit, the ids printed in the sheet's order
expect_status 0 "$CT" import ../sheet.csv --key ../k.key -m "from the desk's sheet"
[ "$(printf '%s\n' "$OUT" | head -n 2 | tr '\n' ' ')" = "displaced-officials-say second " ] &&
	ok || fail "import's ids: $OUT"
contains "$OUT" "imported 2 claims"
[ "$(git rev-list --count HEAD)" -eq $((N + 1)) ] && ok || fail "import: expected one commit"
contains "$(git log -1 --format=%s)" "import 2 claims"
expect_status 0 "$CT" show displaced-officials-say
contains "$OUT" 'quote:      "About 6.4 million people were displaced, "officials" said"'
contains "$OUT" "anchored:   characters 7-64"
contains "$OUT" "tags:       unhcr 2024"
expect_status 0 "$CT" cat second
contains "$OUT" '"statement": "Two lines\nof statement."'
expect_status 0 "$CT" check
contains "$OUT" "OK"

# --json: the ids; --format csv for a name without .csv, and jsonl for one with it
printf 'statement,source\nThird claim.,radio\n' >../third.txt
expect_status 0 "$CT" import ../third.txt --format csv --json --key ../k.key
contains "$OUT" '"ids": ['
contains "$OUT" '"third-claim"'
contains "$OUT" '"count": 1'
printf '{"statement": "Fourth.", "attribution": {"source": "radio"}}\n' >../fourth.csv
expect_status 4 "$CT" import ../fourth.csv --key ../k.key
contains "$ERR" "row 1 (line 1), column 1: a quote inside a field"
expect_status 0 "$CT" import ../fourth.csv --format jsonl --dry-run
contains "$OUT" "would import 1 claim (dry run: nothing written)"
expect_status 0 "$CT" import ../fourth.csv --format jsonl --key ../k.key
contains "$OUT" "fourth"
expect_status 2 "$CT" import ../fourth.csv --format xlsx
contains "$ERR" '--format "xlsx" is not one of csv, jsonl'

# refusals: one line naming the row (and the column), exit 4, nothing written
N=$(git rev-list --count HEAD)
refused() {
	printf "$1" >../bad.csv
	expect_status "${3:-4}" "$CT" import ../bad.csv --key ../k.key
	contains "$ERR" "$2"
	one_line "$ERR"
	[ "$(git rev-list --count HEAD)" -eq "$N" ] && ok || fail "a refused import wrote: $1"
}
refused 'statement,source,verdict\nA,radio,true\n' 'column 3: "verdict" is not a column claimtrail knows (the columns are id, statement, source'
refused 'statement,source\nGood one.,radio\nBad "quote",radio\n' 'row 3 (line 3), column 1: a quote inside a field that does not begin with one'
refused 'statement,source\nGood one.,radio\n"Never closed,radio\n' 'row 3 (line 3), column 1: the quote opened on line 3 is not closed'
refused 'statement,source\nGood one.,radio\n"Closed"then,radio\n' 'row 3 (line 3), column 1: text after the closing quote'
refused 'statement,source\nGood one.,radio\nToo,many,cells\n' 'row 3 (line 3): 3 cells, the header has 2'
refused 'statement,source,quantity\nGood one.,radio,5\nBad one.,radio,lots\n' 'row 3, column 3 (quantity): quantity "lots" is not a number'
refused 'statement,source\nGood one.,radio\nBad one.,nowhere\n' 'row 3: bad-one: source nowhere does not exist' 3
refused 'statement,source\nGood one.,radio\nGood one.,radio\n' 'row 3: claim good-one appears twice'
refused 'statement,source\n"Good one.",radio\n"Same\nagain",radio\nThird.,radio\nThird.,radio\n' 'row 5: claim third appears twice'
refused 'Statement,Source,statement\n' 'names the same member as column 1'
refused 'statement\nA\n' 'no "source" column'
refused '' 'no header row: the sheet is empty'
expect_status 3 "$CT" show good-one

finish
