#!/bin/sh
# End to end: what the reading commands print, line by line: 'log' names each annotation once,
# 'list' keeps its columns with ids of every allowed length, and counts agree with their nouns.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
cat >../article.txt <<'TEXT'
The council said 1,200 people attended the rally on Friday.
TEXT
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id paper --title "Rally" --publisher "City Paper" --file ../article.txt
expect_status 0 "$CT" claim add --id rally --statement "1,200 people attended the rally." \
	--source paper --quote "1,200 people attended the rally"

# ---- log: each annotation once ----
expect_status 0 "$CT" annotate rally --verdict mostly-true --note "The police counted 1,100."
V=$OUT
expect_status 0 "$CT" annotate rally --note "Ask the council for its count."
N=$OUT
expect_status 0 "$CT" log rally
LOG=$OUT
[ "$(printf '%s\n' "$LOG" | grep -c "$V")" -eq 1 ] && ok || fail "log names $V more than once: $LOG"
[ "$(printf '%s\n' "$LOG" | grep -c "$N")" -eq 1 ] && ok || fail "log names $N more than once: $LOG"
[ "$(printf '%s\n' "$LOG" | grep -c 'The police counted 1,100.')" -eq 1 ] && ok || fail "verdict note: $LOG"
[ "$(printf '%s\n' "$LOG" | grep -c 'Ask the council for its count.')" -eq 1 ] && ok || fail "note: $LOG"
# 1 revision + 2 annotations, 3 lines each (header, two details / one detail), blank lines between
[ "$(printf '%s\n' "$LOG" | grep -c .)" -eq 7 ] && ok || fail "log is not 7 lines: $LOG"
contains "$LOG" "annotation $V  "
contains "$LOG" '  verdict "mostly-true" - The police counted 1,100.  (signed '
contains "$LOG" '  note - Ask the council for its count.  (signed '
finish
