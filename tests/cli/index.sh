#!/usr/bin/env bash
# claimtrail splices its entries into git's index: stock git must read the result as its own,
# with the user's staged work kept, for index versions 2, 3 and 4 (4 goes through libgit2).
. "$(dirname "$0")/lib.sh"

$CT key generate --unencrypted -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY=$TMP/k.key

for version in 2 3 4; do
	rm -rf "r$version"; mkdir "r$version"; cd "r$version"
	git init -q -b main .
	mkdir -p docs && for i in 1 2 3 4 5; do echo "$i" > "docs/f$i.txt"; done
	git add docs && git commit -qm "user files"     # git writes a cache-tree (TREE) extension
	git update-index --index-version "$version"
	$CT init >/dev/null
	$CT source add --title T --publisher P --id s >/dev/null
	echo "staged by the user" > staged.txt && git add staged.txt
	expect_status 0 $CT claim add --statement "Index v$version" --source s --id "c$version"
	[ "$(git status --porcelain)" = "A  staged.txt" ] && ok || fail "v$version: git status: $(git status --porcelain)"
	f=$(git ls-files "claims/claim/*/c$version/r0001.json")
	[ -n "$f" ] && ok || fail "v$version: claim file not in the index"
	[ "$(git ls-files -s "$f" | cut -d' ' -f2)" = "$(git rev-parse "HEAD:$f")" ] && ok || fail "v$version: staged id differs"
	git diff --quiet && git diff --cached --quiet -- claims && ok || fail "v$version: index differs from HEAD for claims/"
	[ "$(git ls-files | wc -l)" -eq "$(( $(git ls-tree -r HEAD --name-only | wc -l) + 1 ))" ] && ok || fail "v$version: entry count"
	git commit -qm "user commits the staged file" && ok || fail "v$version: git commit after claimtrail"
	git fsck --strict >/dev/null 2>&1 && ok || fail "v$version: fsck"
	cd "$TMP"
done
# a held index.lock: claimtrail waits, then reports it; the commit itself is already made
cd r2
touch .git/index.lock
expect_status 4 $CT claim add --statement "Locked index" --source s --id locked
contains "$ERR" "index.lock"
rm .git/index.lock
git status --porcelain | grep -q . && ok || fail "a failed index update should show in git status"
finish
