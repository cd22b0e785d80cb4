#!/bin/sh
# The library's layers (docs/hacking.md): a module may call its own layer or the ones below,
# never above, and the five modules of layer 7 (workflow, diff, bundle, search, sync) do not call each
# other. Read from the compiled objects with nm: every undefined symbol an object uses is looked
# up among the symbols the library's objects define, and the two modules' layers compared.
#
# Usage: tests/layering.sh OBJDIR [OBJDIR...]   (meson passes the library's object folder)
# Objects are named as meson flattens them: <module>_<file>.c.o.
# Run with --self-test, it also plants an upward call and checks that it is caught.
set -u

# the layer of each module, as awk reads it: "module layer" pairs
LAYERS="util 1 json 2 record 3 crypto 4 git 5 store 6 workflow 7 diff 7 bundle 7 search 7 sync 7
publish 8 export 8"

# check OBJ...: prints one line per upward call, returns 1 when there is any (one awk pass over
# the joined lists: a shell loop forking per symbol took a minute on a loaded machine)
check() {
	defs=$(mktemp) uses=$(mktemp)
	# one nm for all objects: "<object>:<value> <type> <symbol>", or "<object>: U <symbol>"
	nm -A "$@" | awk -v defs="$defs" -v uses="$uses" '{
		colon = index($0, ":"); obj = substr($0, 1, colon - 1); rest = substr($0, colon + 1)
		sub(/.*\//, "", obj); f = obj; sub(/\.c\.o$/, "", f); m = f; sub(/_.*/, "", m)
		k = split(rest, w, " ")
		if (k == 3 && w[2] ~ /^[TDBR]$/) print w[3], m, f > defs
		else if (k == 2 && w[1] == "U") print w[2], m, f > uses
	}'
	sort "$uses" >"$uses.s"
	out=$(sort "$defs" | join -1 1 -2 1 - "$uses.s" | awk -v layers="$LAYERS" '
		BEGIN { n = split(layers, w, /[ \n]+/); for (i = 1; i < n; i += 2) layer[w[i]] = w[i + 1] }
		{
			sym = $1; dm = $2; df = $3; um = $4; uf = $5
			if (dm == um) next
			dl = (dm in layer) ? layer[dm] : 0; ul = (um in layer) ? layer[um] : 0
			if (dl == 0 || ul == 0)
				print "unknown module: " df " (" dm ") or " uf " (" um "): add it to tests/layering.sh"
			else if (dl + 0 > ul + 0 || (dl == ul && dl == 7))
				print uf " (" um ", layer " ul ") calls " sym " of " df " (" dm ", layer " dl ")"
		}')
	rm -f "$defs" "$uses" "$uses.s"
	[ -z "$out" ] && return 0
	printf '%s\n' "$out"
	return 1
}

self_test=0
if [ "${1:-}" = "--self-test" ]; then
	self_test=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--self-test] OBJDIR..." >&2; exit 2; }
objs=$(for d in "$@"; do ls "$d"/*.c.o; done)
[ -n "$objs" ] || { echo "no objects in $*" >&2; exit 2; }
n=$(printf '%s\n' "$objs" | wc -l)

# shellcheck disable=SC2086
if ! check $objs; then
	echo "layering: upward calls among $n objects (see docs/hacking.md)"
	exit 1
fi
echo "layering: $n objects, no upward call"

if [ $self_test -eq 1 ]; then
	# a util object that calls into the store must be caught
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sym=$(for o in $objs; do case $(basename "$o") in store_*) nm "$o" | awk '$2 == "T" { print $3 }' ;; esac; done | head -n 1)
	[ -n "$sym" ] || { echo "self-test: no store symbol found" >&2; exit 1; }
	printf 'void %s(void);\nvoid planted(void) { %s(); }\n' "$sym" "$sym" >"$tmp/planted.c"
	${CC:-cc} -c -o "$tmp/util_planted.c.o" "$tmp/planted.c" || exit 1
	# shellcheck disable=SC2086
	if out=$(check $objs "$tmp/util_planted.c.o"); then
		echo "self-test: a planted call from util to $sym was not caught" >&2
		exit 1
	fi
	case "$out" in
	*"util_planted (util, layer 1) calls $sym of "*) echo "layering: self-test caught the planted call" ;;
	*) echo "self-test: unexpected report: $out" >&2; exit 1 ;;
	esac
fi
exit 0
