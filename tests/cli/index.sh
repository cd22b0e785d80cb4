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
# an index.lock claimtrail did not make (a git command running, or killed): claimtrail waits for
# it, then names it and the command that removes it, having written nothing
cd r2
touch .git/index.lock
before=$(git rev-parse HEAD)
CLAIMTRAIL_LOCK_TIMEOUT=0.3 expect_status 4 $CT claim add --statement "Locked index" --source s --id locked
contains "$ERR" "index.lock exists: another git command is using the index, or one was killed"
contains "$ERR" "rm '$PWD/.git/index.lock'"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$before" ] && ok || fail "a write with index.lock held committed"
rm .git/index.lock
expect_status 0 $CT claim add --statement "Locked index" --source s --id locked
git status --porcelain | grep -q . && fail "git status after the write: $(git status --porcelain)" || ok

# setup REPO: a repository with user files and a store, the index at version 2
setup() {
	cd "$TMP"; rm -rf "$1"; mkdir "$1"; cd "$1"
	git init -q -b main .
	mkdir -p docs sub && for i in 1 2 3; do echo "$i" > "docs/f$i.txt"; echo "$i" > "sub/g$i.txt"; done
	git add docs sub && git commit -qm "user files"
	$CT init >/dev/null && $CT source add --title T --publisher P --id s >/dev/null || fail "$1: setup"
}
# git_accepts LABEL: stock git reads the index, the claims are staged as committed, fsck passes
git_accepts() {
	git status --porcelain >/dev/null 2>&1 && ok || fail "$1: git status"
	git diff --cached --quiet -- claims && ok || fail "$1: claims differ from HEAD in the index"
	[ -z "$(git ls-files -s claims | while read -r m id s p; do
		[ "$id" = "$(git rev-parse "HEAD:$p")" ] || echo "$p"; done)" ] && ok || fail "$1: blob ids"
	git ls-files | LC_ALL=C sort -c 2>/dev/null && ok || fail "$1: index not in git's order"
	git fsck --strict >/dev/null 2>&1 && ok || fail "$1: fsck"
}

# split and sparse indexes: libgit2 cannot read them and a splice would corrupt them, so the write
# is refused before anything is committed, saying what to do; after that, it works
setup split
git update-index --split-index
expect_status 4 $CT claim add --statement "Split" --source s --id split
contains "$ERR" "split index"
[ "$(git log --oneline | wc -l)" -eq 3 ] && ok || fail "split: a commit was made"
git update-index --no-split-index
expect_status 0 $CT claim add --statement "Split" --source s --id split
git_accepts split
if git sparse-checkout init --cone --sparse-index 2>/dev/null && git sparse-checkout set docs; then
	setup sparse
	git sparse-checkout init --cone --sparse-index && git sparse-checkout set docs
	expect_status 4 $CT claim add --statement "Sparse" --source s --id sparse
	contains "$ERR" "sparse index"
	git sparse-checkout set --no-sparse-index docs
	expect_status 0 $CT claim add --statement "Sparse" --source s --id sparse
	git_accepts sparse
	[ "$(git ls-files -t sub | cut -c1 | sort -u)" = "S" ] && ok || fail "sparse: skip-worktree lost"
fi

# racy git: an entry whose mtime equals the index's, its file changed since (same size and
# second; core.checkStat=minimal so that only mtime and size are compared). git still compares its
# content; after our rewrite (a newer index file) it must too: the entry is smudged.
for version in 2 4; do
	setup "racy$version"
	git update-index --index-version "$version"
	git config core.checkStat minimal
	t=$(( $(date +%s) - 100 ))
	echo aaa > docs/r.txt && touch -d "@$t" docs/r.txt && git add docs/r.txt && git commit -qm r
	git update-index --index-version "$version"
	echo bbb > docs/r.txt && touch -d "@$t" docs/r.txt docs/f1.txt .git/index
	expect_status 0 $CT claim add --statement "Racy" --source s --id "racy$version"
	sleep 1
	[ "$(git status --porcelain docs)" = " M docs/r.txt" ] && ok ||
		fail "v$version: a racily clean change was lost: '$(git status --porcelain docs)'"
	git_accepts "racy$version"
	ls .git | grep -q "index.claimtrail\|index.lock" && fail "v$version: files left in .git" || ok
done

# a damaged index (bad checksum: one byte changed) is refused before the commit, with one line
# naming the index, and not rewritten with a good checksum; an all-zero checksum
# (index.skipHash, git 2.40) is accepted
setup damaged
head=$(git rev-parse HEAD)
sed -i 's,sub/g2.txt,sub/g9.txt,' .git/index
cp .git/index saved-index
expect_status 4 $CT claim add --statement "Damaged" --source s --id damaged
contains "$ERR" "git index is damaged (bad checksum)"
not_contains "$ERR" "committed"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$head" ] && ok || fail "damaged index: a commit was made"
[ -z "$(find claims -path '*/damaged/*')" ] && ok || fail "damaged index: the claim was written"
cmp -s .git/index saved-index && ok || fail "a damaged index was rewritten"
setup skiphash
size=$(stat -c %s .git/index)
printf '\0%.0s' $(seq 20) | dd of=.git/index bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
expect_status 0 $CT claim add --statement "Skip hash" --source s --id skiphash
git_accepts skiphash

# entries of every kind are kept as they are: intent-to-add and skip-worktree (v3 extended
# flags), a path of 4095+ bytes (name length 0xFFF), paths around claims/ in byte order, EOIE
# and IEOT written by git, resolve-undo
setup kinds
echo new > docs/ita.txt && git add -N docs/ita.txt
git update-index --skip-worktree sub/g1.txt
long=$(printf 'd%.0s' $(seq 300)); long="$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/x"
git update-index --add --cacheinfo "100644,$(git rev-parse HEAD:docs/f1.txt),$long"
for p in claims-x claims.txt claims0 claimsa/x claim/x cla; do mkdir -p "$(dirname "$p")"; echo "$p" > "$p"; done
git add claims-x claims.txt claims0 claimsa claim cla
git -c index.threads=2 -c index.recordEndOfIndexEntries=true -c index.recordOffsetTable=true \
	update-index --force-write-index
cp .git/index before-index
expect_status 0 $CT claim add --statement "Kinds" --source s --id kinds
git_accepts kinds
[ "$(git ls-files -s "$long" | cut -d' ' -f2)" = "$(git rev-parse HEAD:docs/f1.txt)" ] && ok || fail "long path"
[ "$(git ls-files -t sub/g1.txt)" = "S sub/g1.txt" ] && ok || fail "skip-worktree lost"
git diff --name-only | grep -q "docs/ita.txt" && ok || fail "intent-to-add lost"
[ "$(GIT_INDEX_FILE=before-index git ls-files -s | grep -v "$(printf "\tclaims/")")" = "$(git ls-files -s | grep -v "$(printf "\tclaims/")")" ] \
	&& ok || fail "the user's entries changed"
git rm -q --cached "$long" && git commit -qm "user commits" && ok || fail "commit after kinds"
finish
