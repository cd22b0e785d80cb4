#!/bin/sh
# Fetching from a repository on this machine (docs/sync.md, "Transports"): claimtrail packs what
# the clone lacks with libgit2's packbuilder and feeds libgit2's indexer in large chunks instead
# of one call per object (src/lib/git/fetch_local.c). Checked against stock git and against
# libgit2's own local transport (`git config claimtrail.localFetch libgit2`): the same objects,
# a pack git accepts, the same quarantine ref, for a path and a file:// URL; and, counted with
# strace, far fewer munmap calls than libgit2's transport makes for the same fetch.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name alice -o alice.key >/dev/null || exit 99
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$A claim add --id c0 --statement "The first claim." --source report >/dev/null || exit 99
git -C a remote add origin "$TMP/hub.git" || exit 99
$A push >/dev/null || exit 99
git clone -q hub.git b || exit 99
"$CT" -C b trust add "$TMP/alice.key.pub" >/dev/null || exit 99

# the remote moves on: a bulk import of 300 claims, then two claims of their own commits
awk 'BEGIN { for (i = 1; i <= 300; i++)
	printf "{\"id\":\"bulk-%d\",\"statement\":\"Claim number %d of the import.\",\"attribution\":{\"source\":\"report\"}}\n", i, i }' \
	>claims.jsonl
$A import "$TMP/claims.jsonl" >/dev/null || exit 99
$A claim add --id c1 --statement "A later claim." --source report >/dev/null || exit 99
$A claim revise c0 --statement "The first claim, revised." --reason "a better wording" >/dev/null || exit 99
$A push >/dev/null || exit 99
for d in lib file bogus m-chunked m-libgit2; do cp -a b "$d" || exit 99; done
git -C lib config claimtrail.localFetch libgit2 || exit 99
git -C file remote set-url origin "file://$TMP/hub.git" || exit 99
git -C bogus config claimtrail.localFetch sideways || exit 99

packs() { ls "$1"/.git/objects/pack/*.pack 2>/dev/null | wc -l; }
objects() { git -C "$1" rev-list --objects "$2" | sort; }
lacking=$(git -C hub.git rev-list --objects main --not "$(git -C b rev-parse main)" | wc -l)
[ "$lacking" -gt 600 ] && ok || fail "the fixture: only $lacking objects to fetch"

before=$(packs b)
expect_status 0 "$CT" -C b fetch
contains "$OUT" "302 new records, 0 problems"
[ "$(git -C b rev-parse refs/claimtrail/incoming/origin)" = "$(git -C hub.git rev-parse main)" ] && ok ||
	fail "the quarantine ref is not the hub's branch"
[ "$(packs b)" -eq $((before + 1)) ] && ok || fail "the fetch did not write one pack"
# the pack holds exactly the objects the clone lacked, each once, and git reads it
new=$(ls -t b/.git/objects/pack/*.idx | head -n 1)
git verify-pack "$new" >/dev/null 2>&1 && ok || fail "git verify-pack refuses $new"
[ "$(git show-index <"$new" | wc -l)" -eq "$lacking" ] && ok ||
	fail "the pack holds $(git show-index <"$new" | wc -l) objects, $lacking were lacking"
[ "$(objects b refs/claimtrail/incoming/origin)" = "$(objects hub.git main)" ] && ok ||
	fail "the fetched history's objects are not the hub's"
git -C b fsck --strict --no-dangling >/dev/null 2>&1 && ok || fail "git fsck of the clone after the fetch"

# libgit2's own transport brings the same
expect_status 0 "$CT" -C lib fetch
contains "$OUT" "302 new records, 0 problems"
[ "$(objects lib refs/claimtrail/incoming/origin)" = "$(objects b refs/claimtrail/incoming/origin)" ] &&
	ok || fail "the two routes fetched different objects"

# a file:// URL takes the same route
expect_status 0 "$CT" -C file fetch
[ "$(git -C file rev-parse refs/claimtrail/incoming/origin)" = "$(git -C hub.git rev-parse main)" ] &&
	ok || fail "fetch from a file:// URL"
git -C file fsck --strict --no-dangling >/dev/null 2>&1 && ok || fail "git fsck after a file:// fetch"

# an unknown claimtrail.localFetch: one line naming it, nothing fetched
expect_status 4 "$CT" -C bogus fetch
contains "$ERR" "claimtrail.localFetch"
one_line "$ERR"
git -C bogus rev-parse -q --verify refs/claimtrail/incoming/origin >/dev/null && fail "a ref was set" || ok
[ "$(packs bogus)" -eq "$before" ] && ok || fail "a pack was written"

# nothing new: no pack, the ref still the hub's
expect_status 0 "$CT" -C b fetch
[ "$(packs b)" -eq $((before + 1)) ] && ok || fail "a fetch of nothing wrote a pack"
[ "$(git -C b rev-parse refs/claimtrail/incoming/origin)" = "$(git -C hub.git rev-parse main)" ] && ok ||
	fail "the quarantine ref moved on a fetch of nothing"

# the pull merges what the fetch brought; git and check are happy with the result
expect_status 0 "$CT" -C b pull
contains "$OUT" "fast-forwarded main"
expect_status 0 "$CT" -C b check
git -C b fsck --strict >/dev/null 2>&1 && ok || fail "git fsck after the pull"

# the reason for the route: libgit2's transport gives the indexer one call per object, and the
# indexer unmaps its windows on each; the chunked route makes a handful of them
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null true 2>/dev/null; then
	for d in chunked libgit2; do
		git -C "m-$d" config claimtrail.localFetch $d || exit 99
		# LeakSanitizer (the ASan build) cannot run under ptrace
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -qq -e trace=munmap -o "munmap-$d.log" "$CT" -C "m-$d" fetch >/dev/null 2>&1 ||
			fail "fetch ($d) under strace"
	done
	chunked=$(grep -c munmap munmap-chunked.log) libgit2=$(grep -c munmap munmap-libgit2.log)
	echo "munmap calls for $lacking objects: chunked $chunked, libgit2 $libgit2" >&2
	[ "$libgit2" -gt $((lacking / 2)) ] && ok ||
		fail "libgit2's transport made only $libgit2 munmap calls for $lacking objects (the reason for the route is gone?)"
	[ $((chunked * 4)) -lt "$libgit2" ] && ok ||
		fail "the chunked fetch made $chunked munmap calls, libgit2's transport $libgit2"
else
	echo "strace cannot trace here: the munmap count is not checked" >&2
fi
finish
