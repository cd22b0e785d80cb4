# Shared helpers for the end-to-end tests: sourced, not run.
# Each test runs in a fresh temporary folder that is removed on exit.
set -u
: "${CLAIMTRAIL:?CLAIMTRAIL must name the built claimtrail binary}"
CT="$CLAIMTRAIL"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 99
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
unset CLAIMTRAIL_PASSPHRASE CLAIMTRAIL_KEY
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }

# expect_status N CMD...: runs CMD, stores stdout/stderr in $OUT/$ERR, checks the exit status.
expect_status() {
	local want=$1; shift
	local got=0
	"$@" >"$TMP/.out" 2>"$TMP/.err" || got=$?
	OUT=$(cat "$TMP/.out"); ERR=$(cat "$TMP/.err")
	if [ "$got" -ne "$want" ]; then
		fail "exit $got (wanted $want): $*"; echo "  stdout: $OUT" >&2; echo "  stderr: $ERR" >&2
	else ok; fi
}

# contains HAYSTACK NEEDLE [LABEL]
contains() {
	case "$1" in *"$2"*) ok ;; *) fail "${3:-output} does not contain '$2': $1" ;; esac
}
not_contains() {
	case "$1" in *"$2"*) fail "${3:-output} contains '$2': $1" ;; *) ok ;; esac
}
# one_line TEXT: errors are one line
one_line() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] && ok || fail "not one line: $1"
}

finish() {
	echo "$CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
