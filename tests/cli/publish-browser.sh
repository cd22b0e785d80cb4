#!/bin/sh
# The published site in a browser (tests/browser/publish.mjs: Debian's headless Chromium over
# the DevTools protocol, from file:// and from a local HTTP server) and every page through an
# HTML validator (Debian's tidy). Screenshots of each kind of page go to
# $BUILDDIR/publish-screenshots/. Skipped (77) when chromium, tidy or node is missing:
# scripts/setup installs them.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
for tool in chromium tidy node; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: no $tool (scripts/setup installs it)"; exit 77; }
done
. "$HERE/publishlib.sh"

expect_status 0 "$CT" publish -o ../site --base-url https://example.org/checks
S=$TMP/site

# ---- tidy: every page is valid HTML, without a warning ----
for f in "$S"/index.html "$S"/claim/*.html "$S"/source/*.html; do
	if out=$(tidy -q -e --show-warnings yes "$f" 2>&1); then
		ok
	else
		fail "tidy: $(basename "$f"): $out"
	fi
done

# ---- the browser ----
SHOTS=${BUILDDIR:-$TMP}/publish-screenshots
mkdir -p "$SHOTS" || exit 99
TMPDIR=$TMP node --experimental-websocket "$HERE/../browser/publish.mjs" "$(command -v chromium)" "$S" "$SHOTS" \
	>"$TMP/browser.out" 2>&1
st=$?
cat "$TMP/browser.out"
[ $st -eq 99 ] && exit 99
[ $st -eq 0 ] && ok || fail "the browser checks failed"
for p in index claim source index-phone; do
	[ -s "$SHOTS/publish-$p.png" ] && ok || fail "no screenshot publish-$p.png"
done
finish
