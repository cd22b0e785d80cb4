#!/bin/sh
# claimtrail canon: the RFC 8785 vectors byte for byte (from a file and from stdin), and clean
# one-line refusals with exit status 4.
. "$SRCDIR/tests/cli/lib.sh"

JCS="$DATADIR/jcs"
n=0
for in in "$JCS"/input/*.json; do
	name=$(basename "$in")
	want="$JCS/output/$name"
	expect_status 0 "$CT" canon "$in"
	"$CT" canon "$in" >"$TMP/got" 2>/dev/null
	cmp -s "$TMP/got" "$want" && ok || fail "canon $name differs from output/$name"
	"$CT" canon <"$in" >"$TMP/got-stdin" 2>/dev/null
	cmp -s "$TMP/got-stdin" "$want" && ok || fail "canon <$name (stdin) differs"
	"$CT" canon - <"$in" >"$TMP/got-dash" 2>/dev/null
	cmp -s "$TMP/got-dash" "$want" && ok || fail "canon - <$name differs"
	n=$((n + 1))
done
[ "$n" -ge 6 ] && ok || fail "only $n JCS vectors found in $JCS"

# The output is exactly the canonical bytes: no trailing newline, so it can be hashed.
printf '{ "b": 2, "a": [1.0, "x"] }\n' >"$TMP/doc.json"
expect_status 0 "$CT" canon "$TMP/doc.json"
printf '{"a":[1,"x"],"b":2}' >"$TMP/doc-want"
"$CT" canon "$TMP/doc.json" >"$TMP/doc-got"
cmp -s "$TMP/doc-got" "$TMP/doc-want" && ok || fail "canon output is not exactly the canonical form"
# Canonical form is a fixed point.
"$CT" canon "$TMP/doc-got" >"$TMP/doc-again"
cmp -s "$TMP/doc-again" "$TMP/doc-want" && ok || fail "canon of canonical text changed it"

# Malformed input: exit 4, one line naming the file, line and column.
printf '{\n  "a": 1,\n  "a": 2\n}\n' >"$TMP/dup.json"
expect_status 4 "$CT" canon "$TMP/dup.json"
one_line "$ERR"
contains "$ERR" "$TMP/dup.json: line 3, column 3: duplicate object key \"a\"" stderr
[ -z "$OUT" ] && ok || fail "stdout not empty on error: $OUT"

printf '[1,\n 2,,3]' >"$TMP/bad.json"
expect_status 4 "$CT" canon "$TMP/bad.json"
one_line "$ERR"
contains "$ERR" "bad.json: line 2, column 4: unexpected character ','" stderr

expect_status 4 sh -c "printf '[\"\\\\ud800\"]' | \"\$1\" canon" sh "$CT"
contains "$ERR" "stdin: line 1, column 3: lone surrogate" stderr

printf '[1] trailing' >"$TMP/trail.json"
expect_status 4 "$CT" canon "$TMP/trail.json"
contains "$ERR" "line 1, column 5" stderr

expect_status 4 sh -c "printf '' | \"\$1\" canon" sh "$CT"
contains "$ERR" "stdin: line 1, column 1: unexpected end of input" stderr

# A missing file is "not found"; usage errors are 2.
expect_status 3 "$CT" canon "$TMP/missing.json"
contains "$ERR" "missing.json" stderr
expect_status 2 "$CT" canon a.json b.json
expect_status 2 "$CT" canon --no-such-option
contains "$ERR" "unknown option '--no-such-option' (see 'claimtrail canon --help')" "usage error"; one_line "$ERR"
expect_status 0 "$CT" canon --help
contains "$OUT" "usage: claimtrail canon [FILE]" "--help"
contains "$OUT" "no" "--help"
contains "$OUT" "trailing newline" "--help"

finish
