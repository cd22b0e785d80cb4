#!/bin/sh
# kill -9 during claimtrail fetch and pull (docs/sync.md, "Recovery"): at every point where the
# command changes the file system (tests/faultinject.c: each rename, link, unlink, mkdir, create,
# fsync and flock, libgit2's included), the process is killed; afterwards the branch is where it
# was (fetch) or where it was or at the complete merge (pull), the next claimtrail command leaves
# no change in the work tree or the index, check is clean, and pulling again finishes the job.
. "$(dirname "$0")/lib.sh"
: "${FAULTLIB:?FAULTLIB must name tests/faultinject.so}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
(
	export CLAIMTRAIL_KEY="$TMP/alice.key"
	cd a && "$CT" init >/dev/null && "$CT" trust add ../bob.key.pub >/dev/null &&
		"$CT" source add --id s --title T --publisher P >/dev/null &&
		"$CT" claim add --id base --statement "Base." --source s >/dev/null &&
		git remote add origin ../hub.git && "$CT" push >/dev/null
) || exit 99
git clone -q hub.git b || exit 99
(
	export CLAIMTRAIL_KEY="$TMP/bob.key"
	cd b && "$CT" trust add ../alice.key.pub >/dev/null && "$CT" trust add ../bob.key.pub >/dev/null &&
		"$CT" claim add --id bob-1 --statement "Bob one." --source s >/dev/null &&
		"$CT" claim revise base --statement "Base, revised by Bob." --reason "Bob" >/dev/null &&
		"$CT" annotate base --verdict mostly-true >/dev/null && "$CT" push >/dev/null
) || exit 99
# alice wrote something too: her pull is a merge, not a fast-forward
(cd a && CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" claim add --id alice-1 --statement "Alice one." \
	--source s >/dev/null) || exit 99
OLD=$(git -C a rev-parse HEAD)
INCOMING=$(git -C hub.git rev-parse main)

# points: how many fault points the command has, run once unharmed on a copy
points() {
	rm -rf t && cp -a a t || exit 99
	(cd t && CT_FAULT_COUNT="$TMP/count" LD_PRELOAD="$FAULTLIB" "$CT" "$@" >/dev/null 2>&1)
	cat "$TMP/count"
}

# trial N CMD...: the command killed at point N on a fresh copy of a; then the checks
trial() {
	local n=$1 head
	shift
	rm -rf t && cp -a a t || exit 99
	(cd t && CT_FAULT_AT=$n LD_PRELOAD="$FAULTLIB" "$CT" "$@" >/dev/null 2>&1)
	head=$(git -C t rev-parse HEAD)
	case "$1" in
	fetch)
		[ "$head" = "$OLD" ] && ok || fail "fetch killed at $n moved the branch to $head"
		;;
	pull)
		if [ "$head" != "$OLD" ]; then
			# the whole merge: both histories, or nothing
			[ "$(git -C t rev-parse HEAD^1)" = "$OLD" ] &&
				[ "$(git -C t rev-parse HEAD^2)" = "$INCOMING" ] && ok ||
				fail "pull killed at $n left the branch at $head"
		else
			ok
		fi
		;;
	esac
	# the next claimtrail command finishes or undoes what the kill left
	(cd t && "$CT" list >/dev/null 2>&1)
	[ -z "$(git -C t status --porcelain)" ] && ok ||
		fail "$* killed at $n: work tree or index changed: $(git -C t status --porcelain | head -n 3)"
	(cd t && "$CT" check >/dev/null 2>&1) && ok || fail "$* killed at $n: check is not clean"
	# and pulling again gets the same result as an unharmed pull
	(cd t && "$CT" pull >/dev/null 2>&1) && ok || fail "$* killed at $n: the next pull failed"
	[ "$(git -C t rev-parse HEAD^2)" = "$INCOMING" ] && ok || fail "$* killed at $n: no merge after"
	[ -n "$(git -C t ls-files 'claims/claim/*/bob-1/*')" ] && [ -f t/claims/claim/*/bob-1/r0001.json ] &&
		ok || fail "$* killed at $n: bob's claim is missing after the next pull"
}

# every point of fetch; every other point of pull (about 80: the fetch's, then the write's), and
# its last one, to keep the test short on a shared machine
for cmd in fetch pull; do
	n=$(points $cmd)
	[ "$n" -gt 0 ] && ok || fail "no fault points in $cmd"
	step=1
	[ $cmd = pull ] && step=2
	i=1
	while [ "$i" -le "$n" ]; do
		trial "$i" $cmd
		[ "$i" -lt "$n" ] && [ $((i + step)) -gt "$n" ] && i=$((n - step))
		i=$((i + step))
	done
	echo "$cmd: $n kill points"
done

finish
