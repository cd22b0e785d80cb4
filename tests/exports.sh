#!/bin/sh
# What libclaimtrail.so exports is the API and nothing else: every dynamic symbol it defines
# must be a ct_ name declared in include/ (docs/hacking.md, "Names"). Read with nm -D; the
# version node CLAIMTRAIL_0 (claimtrail.map) is not a symbol of ours.
#
# Usage: tests/exports.sh [--self-test] LIBRARY INCLUDEDIR
# Run with --self-test, it also checks that an internal (ct__) name and a name without the
# prefix, planted among the library's symbols, are caught.
set -u

self_test=0
if [ "${1:-}" = "--self-test" ]; then
	self_test=1
	shift
fi
[ $# -eq 2 ] || { echo "usage: $0 [--self-test] LIBRARY INCLUDEDIR" >&2; exit 2; }
lib=$1 incdir=$2
[ -f "$lib" ] || { echo "exports: no library at $lib" >&2; exit 2; }
[ -d "$incdir" ] || { echo "exports: no folder $incdir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The functions the public headers declare: a ct_ name followed by "(".
find "$incdir" -name '*.h' -exec cat {} + | grep -o '\bct_[a-z0-9_]*[[:space:]]*(' |
	sed 's/[[:space:](]*$//' | sort -u >"$tmp/declared"
[ -s "$tmp/declared" ] || { echo "exports: no ct_ declarations found in $incdir" >&2; exit 2; }

# The library's defined dynamic symbols, without their version suffix.
nm -D --defined-only "$lib" >"$tmp/nm" || { echo "exports: nm -D failed on $lib" >&2; exit 2; }
awk '{ print $NF }' "$tmp/nm" | sed 's/@.*//' | grep -vx 'CLAIMTRAIL_0' | sort -u >"$tmp/exported"
[ -s "$tmp/exported" ] || { echo "exports: $lib exports nothing" >&2; exit 2; }

# check FILE: prints each symbol of FILE that is not a declared ct_ name; 1 when there is any
check() {
	bad=$(grep -vx -e 'ct_[a-z0-9][a-z0-9_]*' "$1"; grep -x -e 'ct_[a-z0-9][a-z0-9_]*' "$1" |
		comm -23 - "$tmp/declared")
	[ -z "$bad" ] && return 0
	printf '%s\n' "$bad" | sed 's/^/not part of the API: /'
	return 1
}

n=$(wc -l <"$tmp/exported")
if ! check "$tmp/exported"; then
	echo "exports: $(basename "$lib") exports names that are not declared ct_ names in include/"
	exit 1
fi
echo "exports: $n symbols, all ct_ names declared in include/"

if [ $self_test -eq 1 ]; then
	for planted in ct__planted_internal planted_helper; do
		{ cat "$tmp/exported"; echo "$planted"; } | sort -u >"$tmp/planted"
		out=$(check "$tmp/planted")
		if [ "$out" != "not part of the API: $planted" ]; then
			echo "self-test: a planted export $planted was not caught exactly: $out" >&2
			exit 1
		fi
	done
	echo "exports: self-test caught the planted exports"
fi
exit 0
