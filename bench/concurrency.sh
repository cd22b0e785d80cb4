#!/usr/bin/env bash
# Concurrency test: WRITERS claimtrail writers for SECONDS seconds in one repository, one of them
# importing 50 claims at a time, while a person edits and commits a file of their own with
# `git commit -a`, and `git gc --prune=now` runs in a loop. Then: every write that exited 0 is in
# HEAD, the index and the work tree; no write failed; git fsck --strict, `claimtrail check` and
# `git status` are clean. Prints the counts; exits 1 when anything was lost or failed.
#   bench/concurrency.sh [WRITERS [SECONDS]]     default 16 30
# Needs a build in build/ (or CLAIMTRAIL naming the command). tests/cli/concurrency.sh runs a
# short form. CONCURRENCY_COMMIT_EVERY and CONCURRENCY_GC_EVERY (seconds, default 0.2 and 0.5)
# set how often the person commits and gc runs. When git fsck fails, every error it gave is
# printed with what names the objects (HEAD's tree or only the index's cache-tree);
# CONCURRENCY_KEEP=1 keeps the scratch folder.
set -u
WRITERS=${1:-16}
SECONDS_RUN=${2:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CT=${CLAIMTRAIL:-$ROOT/build/src/cli/claimtrail}
[ -x "$CT" ] || { echo "build first: scripts/test" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-conc.XXXXXX")
trap 'if [ -n "${CONCURRENCY_KEEP:-}" ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@claimtrail.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@claimtrail.invalid
# a writer waits its turn: with 16 queued behind an import, give each time enough
export CLAIMTRAIL_LOCK_TIMEOUT=${CLAIMTRAIL_LOCK_TIMEOUT:-120}
cd "$WORK" || exit 2
"$CT" key generate --unencrypted -o k.key >/dev/null || exit 2
export CLAIMTRAIL_KEY=$WORK/k.key
mkdir repo && cd repo || exit 2
git init -q -b main .
# git commit starts `git gc --auto` in the background once there are many packs; in the
# foreground instead, so that the checks at the end run after every git command has finished
git config gc.autoDetach false && git config maintenance.autoDetach false
echo "notes" >notes.txt && git add notes.txt && git commit -qm notes
"$CT" init >/dev/null && "$CT" source add --title T --publisher P --id s >/dev/null || exit 2
STOP=$(($(date +%s) + SECONDS_RUN))

writer() { # writer W: small writes until the time is up; W = 1 imports 50 claims at a time
	local w=$1 n=0 id
	while [ "$(date +%s)" -lt "$STOP" ]; do
		n=$((n + 1))
		if [ "$w" -eq 1 ]; then
			for k in $(seq 1 50); do
				printf '{"id":"imp-%d-%d","statement":"Imported %d %d","attribution":{"source":"s"}}\n' \
					"$n" "$k" "$n" "$k"
			done >"$WORK/import-$n.jsonl"
			if "$CT" import "$WORK/import-$n.jsonl" >/dev/null 2>>"$WORK/err.$w"; then
				seq 1 50 | sed "s/^/imp-$n-/" >>"$WORK/ok.$w"
				echo "$n" >>"$WORK/imports"
			else echo "import $n" >>"$WORK/fail.$w"; fi
			continue
		fi
		id="w$w-$n"
		if [ $((n % 3)) -eq 0 ] && [ -s "$WORK/ok.$w" ]; then # annotate one of ours
			if "$CT" annotate "$(tail -1 "$WORK/ok.$w")" --verdict true --note "n $n" \
				>/dev/null 2>>"$WORK/err.$w"; then echo "annotation" >>"$WORK/ann.$w"
			else echo "annotate $n" >>"$WORK/fail.$w"; fi
		elif "$CT" claim add --statement "Claim $w $n" --source s --id "$id" \
			>/dev/null 2>>"$WORK/err.$w"; then
			echo "$id" >>"$WORK/ok.$w"
		else echo "$id" >>"$WORK/fail.$w"; fi
	done
}

# The person's `git commit -a` and `git gc --prune=now` take turns (flock on git.lock), as they do
# when one person runs both: git itself does not survive them side by side. `git commit -a` writes
# its blob, tree and commit as loose objects before it moves the branch, and `git prune --expire
# now` deletes loose objects that nothing refers to yet: HEAD then names a commit, tree or blob that
# is gone (git-gc(1), "--prune=now ... increases the risk of corruption if another process is
# writing to the repository concurrently"; git alone does it, with no claimtrail command running).
# claimtrail's writers still run beside both.
person() { # edits notes.txt and commits it; git refuses while a write holds index.lock
	local n=0
	while [ "$(date +%s)" -lt "$STOP" ]; do
		n=$((n + 1))
		echo "edit $n" >>notes.txt
		if flock "$WORK/git.lock" git commit -qam "person $n" >/dev/null 2>&1; then
			echo ok >>"$WORK/person.ok"
		else echo refused >>"$WORK/person.refused"; fi
		sleep "${CONCURRENCY_COMMIT_EVERY:-0.2}"
	done
}

gcloop() {
	while [ "$(date +%s)" -lt "$STOP" ]; do
		if flock "$WORK/git.lock" git gc -q --prune=now >/dev/null 2>&1; then
			echo ok >>"$WORK/gc.ok"
		else echo fail >>"$WORK/gc.fail"; fi
		sleep "${CONCURRENCY_GC_EVERY:-0.5}"
	done
}

pids=""
for w in $(seq 1 "$WRITERS"); do writer "$w" & pids="$pids $!"; done
person & pids="$pids $!"
gcloop & pids="$pids $!"
wait $pids

count() { cat "$WORK"/$1 2>/dev/null | wc -l; }
ok=$(count 'ok.*') failed=$(count 'fail.*') ann=$(count 'ann.*')
problems=0
# the person's last edit, refused or not, is theirs to commit: commit it now
git commit -qam "person, last" >/dev/null 2>&1
lost=0 hidden=0
git ls-tree -r --name-only HEAD -- claims/claim >"$WORK/head.txt"
git ls-files -- claims/claim >"$WORK/index.txt"
for f in "$WORK"/ok.*; do
	[ -e "$f" ] || continue
	while read -r id; do
		path=$(grep -m1 "/$id/r0001.json\$" "$WORK/head.txt")
		if [ -z "$path" ]; then lost=$((lost + 1)); echo "lost: $id" >&2
		elif ! grep -qx "$path" "$WORK/index.txt" || [ ! -e "$path" ]; then
			hidden=$((hidden + 1)); echo "hidden: $id" >&2
		fi
	done <"$f"
done
anns=$(grep -c '/annotations/' "$WORK/head.txt")
status=$(git status --porcelain | head -5)
fsck=ok; git fsck --strict >"$WORK/fsck.out" 2>&1 || fsck="FAILED ($(grep -v '^Checking\|^dangling' "$WORK/fsck.out" | head -3 | tr '\n' ' '))"
check=ok; "$CT" check >/dev/null 2>&1 || check=FAILED
leftovers=$(ls .git/index.lock .git/refs/heads/*.lock .git/claimtrail/pending .git/claimtrail/index.old .git/claimtrail/tmp_claimtrail_* .git/objects/pack/*.keep 2>/dev/null | wc -l)
echo "writers: $WRITERS for $SECONDS_RUN s (one importing 50 claims a time), a person committing, git gc --prune=now in a loop (the two take turns)"
imports=$(count imports)
echo "writes: $((ok - 50 * imports + imports + ann + failed)) ($imports imports of 50 claims, the rest one record each); failed: $failed"
echo "acknowledged: $ok claims, $ann annotations (annotations in HEAD: $anns)"
echo "person's git commit -a: $(count person.ok) committed, $(count person.refused) refused while a write held index.lock"
echo "git gc --prune=now: $(count gc.ok) runs, $(count gc.fail) failed"
echo "lost: $lost; hidden: $hidden; leftovers: $leftovers; git status: ${status:-clean}; fsck: $fsck; check: $check"
if [ "$fsck" != ok ]; then # git fsck names the cache-tree first: the rest says more
	echo "git fsck --strict:"; grep -v '^Checking\|^dangling' "$WORK/fsck.out" | head -20
	if git ls-tree -r -t HEAD >"$WORK/head-trees.txt" 2>/dev/null; then
		echo "HEAD's tree: complete"
	else echo "HEAD's tree: objects missing below HEAD"; fi
	for id in $(grep -o '[0-9a-f]\{40\}: invalid sha1 pointer in cache-tree' "$WORK/fsck.out" |
		cut -c1-40); do
		where=$(grep -m1 " $id	" "$WORK/head-trees.txt" | cut -f2)
		[ "$id" = "$(git rev-parse -q --verify 'HEAD^{tree}')" ] && where=/
		if [ -n "$where" ]; then echo "cache-tree names $id: in HEAD's tree at $where"
		else echo "cache-tree names $id: not in HEAD's tree (as far as it can be read)"; fi
	done
	echo "last commits:"; git log -4 --format='  %h %s' 2>&1 | head -4
fi
if [ "$failed" -gt 0 ]; then
	echo "first failures:"; cat "$WORK"/err.* 2>/dev/null | sort | uniq -c | sort -rn | head -5
fi
[ "$lost" -eq 0 ] && [ "$hidden" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$anns" -ge "$ann" ] &&
	[ -z "$status" ] && [ "$fsck" = ok ] && [ "$check" = ok ] && [ "$leftovers" -eq 0 ] || problems=1
exit $problems
