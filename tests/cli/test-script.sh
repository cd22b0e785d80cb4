#!/bin/sh
# scripts/test itself, run on a small stand-in project (not on claimtrail: no recursion) whose
# tests pass, fail and skip: both suites run after the first has failed, each build folder gets
# its options even when it was configured otherwise before, a build that fails or a meson test
# that runs no test counts as a failure, and the last line is always the summary.
. "$(dirname "$0")/lib.sh"

P="$TMP/proj"
mkdir -p "$P/scripts" || exit 99
cp "$SRCDIR/scripts/test" "$SRCDIR/scripts/setup" "$P/scripts/" || exit 99
# the project's own options, so that every -D scripts/test passes exists in the stand-in
cp "$SRCDIR/meson_options.txt" "$P/" || exit 99
cat >"$P/meson.build" <<'END'
project('stand-in', 'c', default_options : ['warning_level=3'])
test('pass', executable('passes', 'passes.c'))
test('fail', find_program('fail.sh'))
test('skip', find_program('skip.sh'))
END
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$P/passes.c"
printf '#!/bin/sh\necho "this test fails"\nexit 1\n' >"$P/fail.sh"
printf '#!/bin/sh\nexit 77\n' >"$P/skip.sh"
chmod +x "$P/fail.sh" "$P/skip.sh"

# option NAME DIR: the value meson has for option NAME in DIR
option() {
	meson introspect "$P/$2" --buildoptions | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o["name"] == sys.argv[1]:
        v = o["value"]
        print(",".join(v) if isinstance(v, list) else str(v).lower())' "$1"
}
# run N ARGS...: runs the stand-in's scripts/test with ARGS, its output (stdout and stderr as
# printed) in run.out, and checks the exit status is N
run() {
	local want=$1; shift
	local got=0
	"$P/scripts/test" "$@" >"$TMP/run.out" 2>&1 || got=$?
	[ "$got" -eq "$want" ] && ok || fail "scripts/test $*: exit $got (wanted $want): $(cat "$TMP/run.out")"
}
last_line() { tail -n 1 "$TMP/run.out"; }

# a failing test in the first suite: the second still runs, all is counted, the status says so
run 1
[ "$(last_line)" = "2 passed, 2 failed, 2 skipped" ] && ok || fail "summary: $(last_line)"
grep -q "this test fails" "$TMP/run.out" && ok || fail "the failing test's log is not shown"
[ "$(option werror build-test)" = true ] && ok || fail "build-test: werror $(option werror build-test)"
[ "$(option werror build-asan)" = true ] && ok || fail "build-asan: werror $(option werror build-asan)"
[ "$(option b_sanitize build-asan)" = "address,undefined" ] && ok ||
	fail "build-asan: b_sanitize $(option b_sanitize build-asan)"
[ "$(option b_sanitize build-test)" = none ] && ok || fail "build-test: b_sanitize $(option b_sanitize build-test)"

# only the tests named, in both suites; all pass: status 0
run 0 pass
[ "$(last_line)" = "2 passed, 0 failed, 0 skipped" ] && ok || fail "summary: $(last_line)"

# no such test: meson test does not run anything, and that is a failure, not a pass
run 1 no-such-test
[ "$(last_line)" = "0 passed, 2 failed, 0 skipped" ] && ok || fail "summary: $(last_line)"

# a folder configured without -Dwerror=true (as by hand) is reconfigured: a warning now fails
# the build in both suites, each counted, and the summary is still the last line
meson configure "$P/build-test" -Dwerror=false >/dev/null || exit 99
[ "$(option werror build-test)" = false ] || exit 99
printf 'int main(void)\n{\n\tint unused;\n\treturn 0;\n}\n' >"$P/passes.c"
run 1
[ "$(last_line)" = "0 passed, 2 failed, 0 skipped" ] && ok || fail "summary: $(last_line)"
grep -q "the build in build-test failed" "$TMP/run.out" && ok || fail "no word of the failed build"
grep -q "the build in build-asan failed" "$TMP/run.out" && ok || fail "no word of the failed build"
[ "$(option werror build-test)" = true ] && ok || fail "build-test: werror not enforced"
finish
