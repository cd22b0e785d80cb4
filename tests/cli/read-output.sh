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

# ---- list: the id column fits the longest id shown (ids have up to 64 characters) ----
LONG=a-claim-id-of-sixty-four-characters-which-is-the-longest-allowed
[ "${#LONG}" -eq 64 ] || exit 99
expect_status 0 "$CT" claim add --id "$LONG" --statement "The rally was on Friday." \
	--source paper --quote "the rally on Friday"
columns_line_up() { # every line's second column starts at the same character
	[ "$(printf '%s\n' "$1" | awk '{ print index($0, " " $2 " ") }' | sort -u | wc -l)" -eq 1 ]
}
expect_status 0 "$CT" list
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] && ok || fail "list: $OUT"
columns_line_up "$OUT" && ok || fail "list columns do not line up: $OUT"
contains "$OUT" "$LONG unreviewed   The rally was on Friday."
contains "$OUT" "rally$(printf '%59s' '') supported    1,200 people attended the rally."
expect_status 0 "$CT" list --needs-sign-off
columns_line_up "$OUT" && ok || fail "list --needs-sign-off columns do not line up: $OUT"
contains "$OUT" "$LONG unreviewed   1/2 signers  The rally was on Friday."
# only the ids shown count: a short list is narrow
expect_status 0 "$CT" list --status supported
[ "$OUT" = "rally supported    1,200 people attended the rally." ] && ok || fail "list --status: '$OUT'"

# ---- counts agree with their nouns: "1 key", "1 sentence", "1 byte" ----
cd .. || exit 99
git init -q -b main one && cd one || exit 99
expect_status 0 "$CT" init
printf 'x' >../one-byte.txt
expect_status 0 "$CT" source add --id tiny --title "Tiny" --publisher "P" --file ../one-byte.txt
expect_status 0 "$CT" source show tiny
contains "$OUT" ", 1 byte, kept in the store"
expect_status 0 "$CT" claim add --id lone --statement "There is one of everything." --source tiny
expect_status 0 "$CT" bundle create -o ../one.bundle lone
contains "$OUT" "one.bundle: 4 records (1 key, 1 source, 1 claim revision, 0 annotations, 1 source text)"

expect_status 0 "$CT" verify ../one.bundle --trust "$TMP/k.key.pub"
contains "$OUT" "OK: 4 records (1 key, 1 source, 1 claim revision, 0 annotations, 1 source text)"
cd .. || exit 99
printf 'The council counted 1,200 people.\n' >one-sentence.txt
expect_status 0 "$CT" suggest one-sentence.txt
contains "$OUT" "1 of 1 sentence worth checking"
not_contains "$OUT" "sentences"
finish
