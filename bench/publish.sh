#!/usr/bin/env bash
# Publish benchmark (issue 15, point 6): `claimtrail publish` of a generated store of N claims
# into an empty folder (full), again with nothing changed, and again after one claim changed
# (incremental), against a plain copy of the site's files (`cp -r` of the folder the full
# publish wrote: the same number of files and bytes). Printed, never a pass or a fail.
#   bench/publish.sh [N...]      default: 10000 100000
# Each N runs twice: with a signing key (every claim's own bundle and claims.bundle are made
# too) and without one (pages only). Needs a build in build/ and git.
# Targets: full publish at most 3x the copy; incremental under 1% of the full publish.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CT=$ROOT/build/src/cli/claimtrail
GEN=$ROOT/build/bench/genstore
[ -x "$CT" ] && [ -x "$GEN" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 2; }
[ $# -gt 0 ] || set -- 10000 100000
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
"$CT" key generate --unencrypted -o "$WORK/bench.key" --name Bench >/dev/null
URL=https://example.org/checks

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
ms() { awk -v us="$1" 'BEGIN { printf "%.0f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f%%", 100 * a / b }'; }

for N in "$@"; do
	d=$WORK/store-$N.git
	git init -q --bare -b main "$d"
	"$GEN" stream "$N" "$WORK/bench.key" | git -C "$d" fast-import --quiet
	"$CT" -C "$d" list >/dev/null # the list summaries, as any earlier listing leaves them
	for mode in bundles pages; do
		site=$WORK/site-$N-$mode
		if [ $mode = bundles ]; then export CLAIMTRAIL_KEY=$WORK/bench.key; else unset CLAIMTRAIL_KEY; fi
		t0=$(now); "$CT" -C "$d" publish -o "$site" --base-url "$URL" >"$WORK/out" 2>/dev/null; t1=$(now)
		full=$((t1 - t0))
		files=$(find "$site" -type f | wc -l)
		mb=$(du -sm "$site" | cut -f1)
		sync
		t0=$(now); cp -r "$site" "$WORK/copy"; t1=$(now)
		copy=$((t1 - t0))
		rm -rf "$WORK/copy"
		t0=$(now); "$CT" -C "$d" publish -o "$site" --base-url "$URL" >"$WORK/out" 2>/dev/null; t1=$(now)
		noop=$((t1 - t0))
		for f in "$site"/claim/*.html; do id=$(basename "$f" .html); break; done
		CLAIMTRAIL_KEY=$WORK/bench.key "$CT" -C "$d" claim revise "$id" \
			--statement "A statement revised for the benchmark ($mode)." --reason bench >/dev/null
		t0=$(now); "$CT" -C "$d" publish -o "$site" --base-url "$URL" >"$WORK/out" 2>/dev/null; t1=$(now)
		inc=$((t1 - t0))
		wrote=$(grep -c '^wrote ' "$WORK/out" || true)
		echo "publish $N claims ($mode): $files files, $mb MB"
		printf '  %-44s %9s ms\n' "full publish" "$(ms $full)"
		printf '  %-44s %9s ms   full/copy %sx (target <= 3x)\n' "cp -r of the same files" "$(ms $copy)" "$(ratio $full $copy)"
		printf '  %-44s %9s ms   %s of full\n' "publish again, nothing changed" "$(ms $noop)" "$(pct $noop $full)"
		printf '  %-44s %9s ms   %s of full (target < 1%%), %s files written\n' \
			"publish after one claim changed" "$(ms $inc)" "$(pct $inc $full)" "$wrote"
		rm -rf "$site"
	done
	rm -rf "$d"
done
