#!/bin/sh
# The bundle conformance corpus (tests/vectors/bundle, docs/bundle.md section 8): the exit status
# of 'claimtrail verify' for every case, then every case's whole report through the independent
# verifier (node, tests/independent/verify.mjs). test_bundle_vectors checks the C verifier's
# reports line by line.
. "$(dirname "$0")/lib.sh"
VECTORS="$SRCDIR/tests/vectors/bundle"

n=0
for dir in "$VECTORS"/*/; do
	dir=${dir%/}
	[ -f "$dir/expected.json" ] || continue
	n=$((n + 1))
	want=$(sed -n 's/^ *"exit": *\([0-9]*\).*/\1/p' "$dir/expected.json")
	if grep -q '"proof": true' "$dir/expected.json"; then
		root=$(sed -n 's/^ *"root": *"\([0-9a-f]*\)".*/\1/p' "$dir/expected.json")
		expect_status "$want" "$CT" verify --proof "$dir/proof" --root "$root"
		continue
	fi
	threshold=$(sed -n 's/^ *"threshold": *\([0-9]*\).*/\1/p' "$dir/expected.json")
	expect_status "$want" "$CT" verify "$dir/bundle" --trust "$dir/trust" --threshold "$threshold"
	case $want in
	0) contains "$OUT" "OK" "$(basename "$dir")" ;;
	1) contains "$OUT" "FAILED" "$(basename "$dir")"; one_line "$ERR" ;;
	*) one_line "$ERR" ;;
	esac
done
[ "$n" -ge 40 ] && ok || fail "only $n cases in $VECTORS (docs/bundle.md promises at least 40)"

if ! command -v node >/dev/null 2>&1; then
	echo "node is not installed: the independent verifier's half is skipped"
	finish
	exit $?
fi
expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --corpus "$VECTORS"
contains "$OUT" "$n cases, 0 failed"
finish
