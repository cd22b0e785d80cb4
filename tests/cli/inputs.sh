#!/usr/bin/env bash
# End to end: inputs that used to hang, grow without bound, write outside the store or be
# ignored (issue 11, point 6), and secret keys at rest (point 7).
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key --name "Test Checker" --org "Desk" >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key

mkdir repo && cd repo
git init -q -b main .
$CT init >/dev/null || exit 99
$CT source add --title "A report" --publisher P --id rep >/dev/null || exit 99
$CT claim add --statement "Something happened." --source rep --id c1 --tag t1 >/dev/null || exit 99
headrev() { git rev-parse HEAD; }

# runs CMD with a time limit: a hang is a failure, not a stuck test suite
bounded() { timeout 20 "$@"; }

# --- list --tag "": an empty tag names nothing; it used to loop forever
expect_status 2 bounded $CT list --tag ""
contains "$ERR" "empty tag"; one_line "$ERR"
expect_status 0 bounded $CT list --tag t1
contains "$OUT" "c1"

# --- write errors on standard output are errors, for every command
if [ -w /dev/full ]; then
	expect_status 4 sh -c "$CT list >/dev/full"
	contains "$ERR" "error writing standard output"; one_line "$ERR"
	expect_status 4 sh -c "$CT show c1 >/dev/full"
	contains "$ERR" "error writing standard output"
	expect_status 4 sh -c "$CT version >/dev/full"
	expect_status 4 sh -c "$CT --help >/dev/full"
fi

finish
