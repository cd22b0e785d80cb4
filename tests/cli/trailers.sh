#!/bin/sh
# The commit journal attributes what a commit changed, whatever its trailers say: a commit made
# with plain git that copies a claimtrail commit's message (trailers and all) but changes another
# record's file, or the named one and another, is still seen to change what it changed, on the
# first read after a clone (the journal built from history) as well as in the working repository.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o k.key >/dev/null || exit 99
export CLAIMTRAIL_KEY="$TMP/k.key"
git init -q -b main repo && cd repo || exit 99
"$CT" init >/dev/null || exit 99
"$CT" source add --id s --title "A report" --publisher P >/dev/null || exit 99
"$CT" claim add --id a --statement "Claim A." --source s >/dev/null || exit 99
"$CT" claim add --id b --statement "Claim B." --source s >/dev/null || exit 99
expect_status 0 "$CT" check
MSG=$(git log --format=%B -1)
contains "$MSG" "Claimtrail-Record: claim/b@1"
fa=$(git ls-files 'claims/claim/*/a/r0001.json')
fb=$(git ls-files 'claims/claim/*/b/r0001.json')

# each read: in this repository (journal extended), rebuilt from history, and in a fresh clone
reads() { # commit, what check must name
	expect_status 1 "$CT" check
	contains "$OUT" "$2: changed outside claimtrail in commit $1"
	rm -rf .git/claimtrail
	expect_status 1 "$CT" check
	contains "$OUT" "$2: changed outside claimtrail in commit $1" "check, journal rebuilt"
	rm -rf ../clone && git clone -q --no-local . ../clone || exit 99
	expect_status 1 "$CT" -C ../clone check
	contains "$OUT" "$2: changed outside claimtrail in commit $1" "check after a clone"
	rm -rf ../clone
}

# 1. the message of b's commit, but a's file changed (b's untouched)
sed -i 's/Claim A\./Claim A, edited./' "$fa"
git commit -q -a -m "$MSG" || exit 99
C1=$(git rev-parse --short=12 HEAD)
reads "$C1" "$fa"
not_contains "$OUT" "$fb"
git reset -q --hard HEAD~1

# 2. the message of b's commit, and b's file changed too: a's change is still seen
sed -i 's/Claim A\./Claim A, edited./' "$fa"
sed -i 's/Claim B\./Claim B, edited./' "$fb"
git commit -q -a -m "$MSG" || exit 99
C2=$(git rev-parse --short=12 HEAD)
reads "$C2" "$fa"
git reset -q --hard HEAD~1

# 3. a trailer naming a file 20,000 folders deep (a pusher's, to exhaust the stack of whoever
#    indexes it): not followed; the commit is compared as any other and reads the same
B=$(printf 'd\n' | git hash-object -w --stdin)
DEEP=$(awk 'BEGIN { for (i = 0; i < 20000; i++) printf "a/"; print "x" }')
printf 'deep\n\nbody\n\nClaimtrail-Blob: %s claims/%s\n' "$B" "$DEEP" > ../deep.msg
git commit -q --allow-empty -F ../deep.msg || exit 99
rm -rf .git/claimtrail
expect_status 0 "$CT" log a
rm -rf ../clone && git clone -q --no-local . ../clone || exit 99
expect_status 0 "$CT" -C ../clone log a
rm -rf ../clone
git reset -q --hard HEAD~1

# 4. a claimtrail commit after all that still reads as claimtrail's
rm -rf .git/claimtrail
expect_status 0 "$CT" claim revise a --statement "Claim A, revised." --reason "clearer"
expect_status 0 "$CT" check
rm -rf .git/claimtrail
expect_status 0 "$CT" check
expect_status 0 "$CT" log a
contains "$OUT" "revision 2  $(git rev-parse --short=12 HEAD)"

finish
