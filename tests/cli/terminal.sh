#!/bin/sh
# End to end: output for a terminal and for a pipe. Colour (--color, NO_COLOR, auto), the pager
# (CLAIMTRAIL_PAGER, --no-pager), list cut to the terminal's width and --sort, show's context, and
# progress lines on standard error only when it is a terminal. Terminals are pseudo-terminals
# made by pty-run.py.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PTY="python3 $HERE/pty-run.py"
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
ESC=$(printf '\033')
unset NO_COLOR PAGER CLAIMTRAIL_PAGER
export TERM=xterm

"$CT" key generate --unencrypted --name "Desk" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
printf 'The council said 1,200 people attended the rally on Friday in the square.\n' >../a.txt
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id paper --title "Rally" --publisher "City Paper" --file ../a.txt
expect_status 0 "$CT" source add --id radio --title "Radio" --publisher "Radio"
LONGS="The rally drew a crowd of one thousand two hundred people to the square on a cold Friday evening in March"
# b-rally is the newer claim: --sort date puts it first, --sort id last
SOURCE_DATE_EPOCH=1700000200 expect_status 0 "$CT" claim add --id b-rally --statement "$LONGS" \
	--source paper --quote "1,200 people attended the rally"
SOURCE_DATE_EPOCH=1700000100 expect_status 0 "$CT" claim add --id a-date \
	--statement "The rally was on Friday." --source radio --quote "on Friday"
expect_status 0 "$CT" annotate b-rally --verdict true --note "Police count agrees."

# ---- colour ----
expect_status 0 "$CT" list --color=always
contains "$OUT" "$ESC[32msupported" "list --color=always"
expect_status 0 "$CT" show b-rally --color=always
contains "$OUT" "verdict \"$ESC[32mtrue" "show's verdict in colour"
expect_status 0 "$CT" --color=always show b-rally
contains "$OUT" "$ESC[" "show --color=always (global)"
expect_status 0 "$CT" log b-rally --colour=always
contains "$OUT" "$ESC[" "log --colour=always"
expect_status 0 "$CT" check --color=always
contains "$OUT" "$ESC[32mOK" "check --color=always"
expect_status 0 "$CT" list --color=never
not_contains "$OUT" "$ESC" "list --color=never"
expect_status 0 "$CT" list
not_contains "$OUT" "$ESC" "list piped (auto)"
expect_status 2 "$CT" list --color=sometimes
one_line "$ERR"
contains "$ERR" "always, never or auto"
# on a terminal: colour by default, none with NO_COLOR or --color=never
CLAIMTRAIL_PAGER=cat $PTY 100 tty.out "$CT" list
contains "$(cat tty.out)" "$ESC[32msupported" "list on a terminal"
NO_COLOR=1 CLAIMTRAIL_PAGER=cat $PTY 100 tty.out "$CT" list
not_contains "$(cat tty.out)" "$ESC" "list on a terminal with NO_COLOR"
CLAIMTRAIL_PAGER=cat $PTY 100 tty.out "$CT" --color=never list
not_contains "$(cat tty.out)" "$ESC" "list on a terminal with --color=never"

# ---- the pager: used on a terminal, not when piped or with --no-pager ----
CLAIMTRAIL_PAGER='cat >pager.out' $PTY 100 tty.out "$CT" list || fail "list under a pager"
[ -f pager.out ] && ok || fail "the pager was not run on a terminal"
contains "$(cat pager.out 2>/dev/null)" "a-date" "what the pager got"
rm -f pager.out
CLAIMTRAIL_PAGER='cat >pager.out' $PTY 100 tty.out "$CT" show b-rally
contains "$(cat pager.out 2>/dev/null)" "statement:" "show through the pager"
rm -f pager.out
CLAIMTRAIL_PAGER='cat >pager.out' $PTY 100 tty.out "$CT" list --no-pager
[ -f pager.out ] && fail "--no-pager ran the pager" || ok
contains "$(cat tty.out)" "a-date" "list --no-pager on the terminal"
CLAIMTRAIL_PAGER='cat >pager.out' $PTY 100 tty.out "$CT" --no-pager log b-rally
[ -f pager.out ] && fail "global --no-pager ran the pager" || ok
CLAIMTRAIL_PAGER='cat >pager.out' "$CT" list >piped.out
[ -f pager.out ] && fail "the pager ran when piped" || ok
PAGER='cat >pager.out' $PTY 100 tty.out "$CT" list
[ -f pager.out ] && ok || fail "PAGER was not used"
rm -f pager.out

# ---- list: sorted by id, cut to a terminal's width, whole when piped ----
expect_status 0 "$CT" list
[ "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" = "a-date b-rally " ] && ok ||
	fail "list not sorted by id: $OUT"
contains "$OUT" "$LONGS" "list piped keeps the statement whole"
expect_status 0 "$CT" list --sort status
[ "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" = "b-rally a-date " ] && ok ||
	fail "list --sort status: $OUT"
expect_status 0 "$CT" list --sort date
[ "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" = "b-rally a-date " ] && ok ||
	fail "list --sort date (newest first): $OUT"
expect_status 0 "$CT" list --sort date --json
contains "$(printf '%s\n' "$OUT" | grep '"id"' | head -n 1)" '"id": "b-rally"' "list --sort date --json"
not_contains "$OUT" "_created" "list --json"
expect_status 2 "$CT" list --sort size
contains "$ERR" "id, date or status"
CLAIMTRAIL_PAGER=cat $PTY 60 tty.out "$CT" --color=never list
W=$(python3 -c 'import sys; print(max(len(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))' tty.out)
[ "$W" -le 60 ] && ok || fail "list on a 60-column terminal is $W wide: $(cat tty.out)"
[ "$W" -ge 55 ] && ok || fail "list on a 60-column terminal uses only $W columns: $(cat tty.out)"
contains "$(cat tty.out)" "…" "the cut statement's ellipsis"
not_contains "$(cat tty.out)" "$LONGS" "list on a terminal"

# ---- show: the quote's context, the evidence, a quote the store could not check ----
expect_status 0 "$CT" show b-rally
contains "$OUT" "context:    ...The council said [1,200 people attended the rally] on Friday"
contains "$OUT" 'verdict "true" - Police count agrees.'
expect_status 0 "$CT" show a-date
contains "$OUT" "quote not checked: the source has no text"

# ---- show: each sign-off with its time and note ----
"$CT" key generate --unencrypted --name "Editor" -o ../ed.key >/dev/null || exit 99
expect_status 0 "$CT" trust add ../ed.key.pub --name "Editor"
SOURCE_DATE_EPOCH=1700000300 GIT_COMMITTER_DATE="@1700000300 +0000" \
	expect_status 0 "$CT" sign-off b-rally --key ../ed.key --note "Checked against the minutes."
expect_status 0 "$CT" show b-rally
contains "$OUT" "  signed off 2023-11-14T22:18:20Z by " "show's sign-off"
contains "$OUT" ": Checked against the minutes." "show's sign-off note"

# ---- source list and anchor check: in id order, whatever the store's folders' order ----
for s in zeta alpha mike bravo; do
	expect_status 0 "$CT" source add --id $s --title "T $s" --publisher P
done
expect_status 0 "$CT" source list
[ "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" = "alpha bravo mike paper radio zeta " ] &&
	ok || fail "source list is not in id order: $OUT"
for c in zz aa mm bb; do
	expect_status 0 "$CT" claim add --id $c --statement "Claim $c." --source alpha --quote "q"
done
expect_status 0 "$CT" anchor check
[ "$(printf '%s\n' "$OUT" | awk '/^(ok|no-text|moved|orphaned|broken) / {print $2}' | tr '\n' ' ')" = "a-date: aa: b-rally: bb: mm: zz: " ] &&
	ok || fail "anchor check is not in id order: $OUT"

# ---- verify: colour on request ----
expect_status 0 "$CT" cat b-rally
printf '%s' "$OUT" >../rec.json
expect_status 0 "$CT" verify ../rec.json --trust "$TMP/k.key.pub" --color=always
contains "$OUT" "$ESC[32mOK" "verify --color=always"
expect_status 0 "$CT" verify ../rec.json --trust "$TMP/k.key.pub"
not_contains "$OUT" "$ESC" "verify piped"

# ---- progress: on a terminal's standard error, never when it is piped ----
i=0; : >../many.jsonl
while [ $i -lt 50 ]; do
	printf '{"id": "c%d", "statement": "Claim %d.", "attribution": {"source": "radio"}}\n' $i $i >>../many.jsonl
	i=$((i + 1))
done
$PTY 100 tty.out --stdout-file import.out "$CT" import ../many.jsonl || fail "import on a pty"
contains "$(cat tty.out)" "import: " "import's progress line on a terminal"
contains "$(cat import.out)" "imported 50 claims"
not_contains "$(cat import.out)" "import: " "standard output"
head -n 20 ../many.jsonl | sed 's/"c\([0-9]*\)"/"d\1"/' >../more.jsonl
expect_status 0 "$CT" import ../more.jsonl
not_contains "$ERR" "import:" "import's piped standard error"
$PTY 100 tty.out --stdout-file check.out "$CT" check || fail "check on a pty"
contains "$(cat tty.out)" "check: checking" "check's progress line"
# the total is counted first, so the line says "N of M" (and, on a longer check, the time left)
FILES=$(git ls-tree -r --name-only HEAD claims | wc -l)
contains "$(cat tty.out)" "check: checking $FILES of $FILES" "check's progress line with its total"
expect_status 0 "$CT" check
not_contains "$ERR" "checking" "check's piped standard error"
expect_status 0 "$CT" bundle create --all -o ../b.bundle
not_contains "$ERR" "bundle create:" "bundle create's piped standard error"
$PTY 100 tty.out --stdout-file create.out "$CT" bundle create --all -o ../b2.bundle ||
	fail "bundle create on a pty"
contains "$(cat tty.out)" "bundle create: reading" "bundle create's progress line"
$PTY 100 tty.out --stdout-file verify.out "$CT" verify ../b.bundle --trust "$TMP/k.key.pub" ||
	fail "bundle verify on a pty"
contains "$(cat tty.out)" "verify: verifying" "bundle verify's progress line"
contains "$(cat verify.out)" "OK" "bundle verify's report"
expect_status 0 "$CT" verify ../b.bundle --trust "$TMP/k.key.pub"
not_contains "$ERR" "verifying" "bundle verify's piped standard error"
cd .. && git init -q -b main other && cd other || exit 99
expect_status 0 "$CT" init
$PTY 100 tty.out --stdout-file bimport.out "$CT" bundle import ../b.bundle --trust "$TMP/k.key.pub" ||
	fail "bundle import on a pty"
contains "$(cat tty.out)" "bundle import: verifying" "bundle import's progress line (verifying)"
contains "$(cat tty.out)" "bundle import: writing" "bundle import's progress line (writing)"
contains "$(cat bimport.out)" "imported" "bundle import's report"
cd .. && git init -q -b main third && cd third || exit 99
expect_status 0 "$CT" init
expect_status 0 "$CT" bundle import ../b.bundle --trust "$TMP/k.key.pub"
not_contains "$ERR" "bundle import:" "bundle import's piped standard error"
finish
