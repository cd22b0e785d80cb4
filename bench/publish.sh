#!/usr/bin/env bash
# Publish benchmark (issue 15, point 6): `claimtrail publish` of a generated store of N claims
# into an empty folder (full), again with nothing changed, and again after one claim changed
# (incremental), against a plain copy of the site's files (`cp -r` of the folder the full
# publish wrote: the same number of files and bytes). Printed, never a pass or a fail.
#   bench/publish.sh [N...]      default: 10000 100000
#   MODES=pages bench/publish.sh  only one of the two modes (bundles, pages)
#   CT=/path/to/claimtrail bench/publish.sh   another binary (default build/src/cli/claimtrail)
# Each N runs twice: with a signing key (every claim's own bundle and claims.bundle are made
# too) and without one (pages only). Needs a build in build/ and git.
# Targets: full publish at most 3x the copy; incremental under 1% of the full publish.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CT=${CT:-$ROOT/build/src/cli/claimtrail}
GEN=$ROOT/build/bench/genstore
[ -x "$CT" ] && [ -x "$GEN" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 2; }
[ $# -gt 0 ] || set -- 10000 100000
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
"$CT" key generate --unencrypted -o "$WORK/bench.key" --name Bench >/dev/null
URL=https://example.org/checks

# run CMD...: its output in $WORK/out and $WORK/err; prints "wall user+sys" in milliseconds (bash's
# time) and the one-minute load average when it ended
run() {
	local t
	t=$({
		TIMEFORMAT='%R %U %S'
		time "$@" >"$WORK/out" 2>"$WORK/err"
	} 2>&1) || true
	awk -v t="$t" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
		'BEGIN { split(t, a, " "); printf "%.0f %.0f %s\n", a[1] * 1000, (a[2] + a[3]) * 1000, l }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f%%", 100 * a / (b > 0 ? b : 1) }'; }
row() { printf '  %-40s %8s ms %8s ms %6s   %s\n' "$1" "$2" "$3" "$4" "$5"; }

echo "load average before: $(cat /proc/loadavg)"
for N in "$@"; do
	d=$WORK/store-$N.git
	git init -q --bare -b main "$d"
	"$GEN" stream "$N" "$WORK/bench.key" | git -C "$d" fast-import --quiet
	"$CT" -C "$d" list >/dev/null # the list summaries, as any earlier listing leaves them
	for mode in ${MODES:-bundles pages}; do
		site=$WORK/site-$N-$mode
		if [ $mode = bundles ]; then export CLAIMTRAIL_KEY=$WORK/bench.key; else unset CLAIMTRAIL_KEY; fi
		read -r full fullc fulll < <(run "$CT" -C "$d" publish -o "$site" --base-url "$URL")
		if [ ! -f "$site/index.html" ]; then
			echo "publish $N claims ($mode) failed: $(grep -v 'no signing key' "$WORK/err")"
			continue
		fi
		files=$(find "$site" -type f | wc -l)
		mb=$(du -sm "$site" | cut -f1)
		sync
		read -r copy copyc copyl < <(run cp -r "$site" "$WORK/copy")
		rm -rf "$WORK/copy"
		read -r noop noopc noopl < <(run "$CT" -C "$d" publish -o "$site" --base-url "$URL")
		for f in "$site"/claim/*.html; do id=$(basename "$f" .html); break; done
		CLAIMTRAIL_KEY=$WORK/bench.key "$CT" -C "$d" claim revise "$id" \
			--statement "A statement revised for the benchmark ($mode)." --reason bench >/dev/null
		read -r inc incc incl < <(run "$CT" -C "$d" publish -o "$site" --base-url "$URL")
		wrote=$(grep -c '^wrote ' "$WORK/out" || true)
		# the floor of an incremental publish as the site is laid out: the files every
		# change rewrites whole (the index in three forms, the manifest, claims.bundle)
		mkdir "$WORK/floor"
		sync
		read -r floor floorc floorl < <(run cp "$site"/index.html "$site"/index.json "$site"/index.js \
			"$site"/.claimtrail-publish.json $([ $mode = bundles ] && echo "$site"/claims.bundle) \
			"$WORK/floor")
		rm -rf "$WORK/floor"
		echo "publish $N claims ($mode): $files files, $mb MB"
		printf '  %-40s %11s %11s %6s\n' "" "wall" "user+sys" "load"
		row "full publish" "$full" "$fullc" "$fulll" ""
		row "cp -r of the same files" "$copy" "$copyc" "$copyl" \
			"full/copy $(ratio "$full" "$copy")x wall, $(ratio "$fullc" "$copyc")x cpu (target <= 3x)"
		row "publish again, nothing changed" "$noop" "$noopc" "$noopl" \
			"$(pct "$noop" "$full") of full wall, $(pct "$noopc" "$fullc") cpu"
		row "publish after one claim changed" "$inc" "$incc" "$incl" \
			"$(pct "$inc" "$full") wall, $(pct "$incc" "$fullc") cpu of full (target < 1%), $wrote files written"
		row "cp of the files every change rewrites" "$floor" "$floorc" "$floorl" \
			"$(pct "$floor" "$full") of full: the floor of the layout"
		rm -rf "$site"
	done
	rm -rf "$d"
done
echo "load average after: $(cat /proc/loadavg)"
