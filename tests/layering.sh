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

layer_of() {
	case "$1" in
	util) echo 1 ;; json) echo 2 ;; record) echo 3 ;; crypto) echo 4 ;; git) echo 5 ;;
	store) echo 6 ;; workflow | diff | bundle | search | sync) echo 7 ;; publish | export) echo 8 ;;
	*) echo 0 ;;
	esac
}

# check OBJ...: prints one line per upward call, returns 1 when there is any
check() {
	defs=$(mktemp) uses=$(mktemp)
	for o in "$@"; do
		m=$(basename "$o")
		m=${m%%_*}
		nm "$o" | awk -v m="$m" -v f="$(basename "$o" .c.o)" \
			'NF == 3 && $2 ~ /^[TDBR]$/ { print $3, m, f >> "'"$defs"'" }
			 NF == 2 && $1 == "U" { print $2, m, f >> "'"$uses"'" }'
	done
	bad=0
	out=$(sort "$defs" | join -1 1 -2 1 - "$(sort "$uses" >"$uses.s" && echo "$uses.s")" |
		while read -r sym dm df um uf; do
			[ "$dm" = "$um" ] && continue
			dl=$(layer_of "$dm") ul=$(layer_of "$um")
			if [ "$dl" -eq 0 ] || [ "$ul" -eq 0 ]; then
				echo "unknown module: $df ($dm) or $uf ($um): add it to tests/layering.sh"
			elif [ "$dl" -gt "$ul" ] || { [ "$dl" -eq "$ul" ] && [ "$dl" -eq 7 ]; }; then
				echo "$uf ($um, layer $ul) calls $sym of $df ($dm, layer $dl)"
			fi
		done)
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
