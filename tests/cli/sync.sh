#!/bin/sh
# Sync over git remotes (docs/sync.md), the way desks work: a bare "hub" repository as the git
# host, clones with their own keys that trust each other, exchanging work with claimtrail
# fetch/pull/push/sync and with plain git. Issue 14's "done when": the same claim revised on two
# clones, both sync, both show the same conflicted claim with both revisions; one claim revise
# --merge and one more sync leave both clones identical and check clean; records from an
# untrusted key never reach a branch; a force-push is caught.
. "$(dirname "$0")/lib.sh"

for k in alice bob mallory; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
M="env CLAIMTRAIL_KEY=$TMP/mallory.key $CT -C m"
head_of() { git -C "$1" rev-parse HEAD; }
# same_tree X Y: the two clones' branches hold the same commit and a clean work tree
same() {
	[ "$(head_of "$1")" = "$(head_of "$2")" ] && ok || fail "$1 and $2 differ: $(head_of "$1") $(head_of "$2")"
	[ -z "$(git -C "$1" status --porcelain)" ] && ok || fail "$1: $(git -C "$1" status --porcelain)"
}

# ---- alice makes the store and the hub; bob clones it; each trusts the other ----
git init -q --bare -b main hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$A claim add --id c1 --statement "About 6,000 fighters moved." --source report >/dev/null || exit 99
git -C a remote add origin ../hub.git
expect_status 0 $A push
contains "$OUT" "pushed main to origin"
git clone -q hub.git b || exit 99
expect_status 0 $B trust add "$TMP/alice.key.pub" --name Alice
expect_status 0 $B trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 $A trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 $B check

# ---- disjoint claims, annotations on both sides ----
expect_status 0 $A claim add --id c2 --statement "Alice's claim." --source report
expect_status 0 $B claim add --id c3 --statement "Bob's claim." --source report
expect_status 0 $A annotate c1 --verdict mostly-true
expect_status 0 $B annotate c1 --note "Bob's note."
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "new records, 0 problems"
contains "$OUT" "merged into main"
# the merge refers to the blobs the fetch brought: it does not pack them a second time
blob=$(git -C b rev-parse "HEAD:$(cd b && ls claims/claim/*/c2/r0001.json)")
copies=0
for idx in b/.git/objects/pack/*.idx; do
	copies=$((copies + $(git show-index <"$idx" | grep -c "$blob")))
done
[ "$copies" -eq 1 ] && ok || fail "the fetched blob $blob is in $copies packs"
expect_status 0 $A sync
contains "$OUT" "fast-forwarded main"
same a b
[ "$(ls a/claims/claim/*/c1/annotations | wc -l)" -eq 2 ] && ok || fail "annotations not united"
# what came through a merge or a fast-forward is attributed to the commit that wrote it, on
# both clones (b merged alice's work, a fast-forwarded to b's merge), not to the merge
for who in a b; do
	for id in c2 c3; do
		w=$(git -C $who log --format=%H --diff-filter=A -- "claims/claim/*/$id/r0001.json" | tail -n 1)
		expect_status 0 env CLAIMTRAIL_KEY="$TMP/alice.key" "$CT" -C $who log $id
		contains "$OUT" "revision 1  $(printf %.12s "$w")"
	done
done
# the merge commit has both histories as parents
[ "$(git -C b log -1 --format=%P HEAD~0 | wc -w)" -eq 2 ] || [ "$(git -C b log --merges --oneline | wc -l)" -ge 1 ] &&
	ok || fail "no merge commit with two parents"
expect_status 0 $A check

# ---- the same claim revised on both clones: conflicted on both ----
expect_status 0 $A claim revise c1 --statement "As many as 6,000 fighters moved." --reason "Alice reads the report again"
expect_status 0 $B claim revise c1 --statement "Some 6,000 fighters moved." --reason "Bob reads the report again"
expect_status 0 $A annotate c1 --verdict false
expect_status 0 $B annotate c1 --verdict mostly-true
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "1 claim is conflicted"
expect_status 0 $A sync
same a b
for c in a b; do
	[ "$(ls $c/claims/claim/*/c1/r0002-*.json | wc -l)" -eq 2 ] && ok || fail "$c: both revisions 2 are not kept"
	expect_status 0 "$CT" -C $c show c1
	contains "$OUT" "status:     conflicted (2 concurrent revisions: revision 2 sha256:"
	# each verdict stays with the revision it judged
	contains "$OUT" "[judged the concurrent revision 2, sha256:"
	# each concurrent revision by its digest (the file name's suffix)
	seen=""
	for f in $c/claims/claim/*/c1/r0002-*.json; do
		h=${f##*/r0002-}
		expect_status 0 "$CT" -C $c show c1 --rev "${h%.json}"
		seen="$seen$(printf '%s\n' "$OUT" | grep '^statement:')"
	done
	contains "$seen" "As many as 6,000 fighters moved."
	contains "$seen" "Some 6,000 fighters moved."
	expect_status 0 "$CT" -C $c list --status conflicted
	contains "$OUT" "c1"
	expect_status 1 "$CT" -C $c check
	contains "$OUT" "claim/c1: conflicted: 2 concurrent revisions"
done
# a bundle of every revision has no one line to carry: refused when made, no file; a published
# claim's bundle carries the current revisions instead, and verifies
expect_status 4 "$CT" -C a bundle create c1 --history -o "$TMP/forked.bundle" --key "$TMP/alice.key"
contains "$ERR" "claim c1: its revisions forked"
one_line "$ERR"
[ ! -e "$TMP/forked.bundle" ] && ok || fail "a refused --history bundle left a file"
expect_status 0 "$CT" -C a publish -o "$TMP/forked-site" --base-url https://example.org/c --key "$TMP/alice.key"
expect_status 0 "$CT" verify "$TMP/forked-site/bundle/c1.bundle" --trust "$TMP/alice.key.pub" \
	--trust "$TMP/bob.key.pub"
# a plain revision is refused while conflicted; --merge ends it
expect_status 4 $A claim revise c1 --statement "x" --reason "x"
contains "$ERR" "claim c1 is conflicted: 2 concurrent revisions"
one_line "$ERR"
expect_status 0 $A claim revise c1 --merge --statement "As many as 6,000 fighters moved, by two reports." --reason "both readings"
contains "$OUT" "c1 revision 3"
prev=$(grep -c '"sha256:' a/claims/claim/*/c1/r0003-*.json)
[ "$prev" -ge 3 ] && ok || fail "the merge revision does not name both parents"
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "fast-forwarded main"
same a b
expect_status 0 $A check
expect_status 0 $B check
expect_status 0 $B show c1
contains "$OUT" "claim c1 (revision 3 of 3)"
contains "$OUT" "verified:   yes"
# the merge revision in a bundle: claimtrail and the independent verifier (written from
# docs/format.md, where prev may be a list) both accept it
expect_status 0 $A bundle create c1 -o merged.bundle
mkdir -p trusted && cp alice.key.pub bob.key.pub trusted/ || exit 99
expect_status 0 "$CT" verify merged.bundle --trust trusted
if command -v node >/dev/null 2>&1; then
	expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --bundle merged.bundle --trust trusted
fi

# ---- a dispute on one side, a revision on the other ----
expect_status 0 $A dispute c3 --by "The ministry" --reason "No such report."
expect_status 0 $B claim revise c3 --statement "Bob's claim, revised." --reason "newer source"
expect_status 0 $A sync
expect_status 0 $B sync
expect_status 0 $A sync
same a b
expect_status 0 $A show c3
contains "$OUT" "claim c3 (revision 2 of 2)"
contains "$OUT" "dispute by The ministry"
expect_status 0 $A check

# ---- records by an untrusted key never reach a branch ----
git clone -q hub.git m || exit 99
expect_status 0 $M claim add --id planted --statement "Planted." --source report
git -C m push -q origin main || exit 99
HA=$(head_of a)
expect_status 1 $A fetch
contains "$OUT" "planted"
contains "$OUT" "problem"
[ "$(head_of a)" = "$HA" ] && ok || fail "fetch moved the branch"
expect_status 1 $A pull
contains "$ERR" "nothing merged"
one_line "$ERR"
[ "$(head_of a)" = "$HA" ] && ok || fail "pull merged an untrusted record"
[ -z "$(git -C a ls-tree -r HEAD --name-only | grep planted)" ] && ok || fail "the planted claim is on the branch"
git -C a rev-parse -q --verify refs/claimtrail/incoming/origin >/dev/null && ok || fail "no quarantine ref"
# --only-trusted merges what verifies: here nothing
expect_status 0 $A pull --only-trusted
contains "$OUT" "left in quarantine"
[ "$(head_of a)" = "$HA" ] && ok || fail "--only-trusted merged an untrusted record"
# push is refused: the hub moved
expect_status 0 $A claim revise c2 --statement "Alice's claim, revised." --reason "better"
expect_status 4 $A push
contains "$ERR" "pull first"
one_line "$ERR"
# the hub is put back by hand (plain git, as an admin would); alice pushes
git -C hub.git update-ref refs/heads/main "$HA" || exit 99
expect_status 0 $A push
expect_status 0 $B sync
same a b

# ---- a record edited with plain git and pushed ----
git -C m fetch -q origin && git -C m reset -q --hard origin/main || exit 99
f=$(cd m && ls claims/claim/*/c2/r0001.json)
sed -i 's/Alice.s claim\./Bob wrote this./' "m/$f"
git -C m commit -q -a -m "fix a typo" && git -C m push -q origin main || exit 99
HB=$(head_of b)
expect_status 1 $B pull
contains "$OUT" "$f: changed with plain git on the remote"
[ "$(head_of b)" = "$HB" ] && ok || fail "a record edited by hand was merged"
git -C hub.git update-ref refs/heads/main "$HB" || exit 99

# ---- a record removed in this clone with plain git is not put back silently ----
f=$(cd b && ls claims/claim/*/c2/r0001.json)
git -C b rm -q "$f" && git -C b commit -q -m "tidy" || exit 99
expect_status 0 $A annotate c1 --note "Something new to pull."
expect_status 0 $A push
expect_status 1 $B pull
contains "$OUT" "$f: removed in this clone with plain git"
git -C b revert --no-edit HEAD >/dev/null || exit 99
expect_status 0 $B sync
expect_status 0 $A sync
same a b

# ---- a force-push is caught ----
expect_status 0 $A claim retract c3 --reason "Withdrawn: the source was wrong."
expect_status 0 $A sync
expect_status 0 $B sync
same a b
RETRACTED=$(head_of a)
git -C a reset -q --hard HEAD~1 && git -C a push -q -f origin main 2>/dev/null || exit 99
expect_status 1 $B fetch
contains "$OUT" "origin rewrote its history"
contains "$OUT" "does not contain commit ${RETRACTED%"${RETRACTED#????????????}"}"
expect_status 4 $B pull
contains "$ERR" "origin rewrote its history"
[ "$(head_of b)" = "$RETRACTED" ] && ok || fail "a rewritten history was merged"
expect_status 0 $B pull --accept-rewrite
contains "$OUT" "already up to date"
# alice puts her history back with plain git; the hub's branch descends again from what each
# clone verified
git -C a reset -q --hard "$RETRACTED" && git -C a push -q -f origin main 2>/dev/null || exit 99
expect_status 0 $A sync
expect_status 0 $B sync
same a b

# ---- a plain git pull by hand: no text conflict, the claim is conflicted ----
expect_status 0 $A claim revise c2 --statement "Alice's claim, third." --reason "a"
expect_status 0 $B claim revise c2 --statement "Alice's claim, Bob's reading." --reason "b"
expect_status 0 $A push
git -C b pull -q --no-rebase --no-edit origin main >/dev/null 2>&1 && ok || fail "plain git pull conflicted"
expect_status 1 $B check
contains "$OUT" "claim/c2: conflicted: 2 concurrent revisions"
not_contains "$OUT" "merge conflict"
expect_status 0 $B claim revise c2 --merge --reason "merged after git pull"
expect_status 0 $B sync
expect_status 0 $A sync
same a b
expect_status 0 $A check
expect_status 0 $B check

# ---- a revocation travels: alice revokes her laptop key; bob's pull brings the new key
# record (the one rewrite claimtrail makes), and bob's clone then sees the key as revoked ----
"$CT" key generate --unencrypted --name laptop -o laptop.key >/dev/null || exit 99
L="env CLAIMTRAIL_KEY=$TMP/laptop.key $CT -C a"
expect_status 0 $A trust add "$TMP/laptop.key.pub" --name Laptop
expect_status 0 $B trust add "$TMP/laptop.key.pub" --name Laptop
expect_status 0 $L claim add --id by-laptop --statement "Written on the laptop." --source report
expect_status 0 $A sync
expect_status 0 $B sync
expect_status 0 $B show by-laptop
contains "$OUT" "verified:   yes"
laptop=$("$CT" key show "$TMP/laptop.key" | sed -n "s/^key-id: *//p")
expect_status 0 $L key revoke "$laptop" --reason "laptop stolen"
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "0 problems"
same a b
expect_status 0 $B show by-laptop
contains "$OUT" "revoked"
not_contains "$OUT" "verified:   yes"
expect_status 1 $B check
contains "$OUT" "revoked"
# a key record changed any other way is still refused
expect_status 0 $B claim add --id after-revoke --statement "Bob again." --source report
k=$(ls a/claims/key/*.json | head -n 1)
sed 's/"name": "[^"]*"/"name": "renamed by hand"/' "$k" >"$k.new" && mv "$k.new" "$k" || exit 99
git -C a commit -qam "a key record renamed by hand" || exit 99
git -C a push -q origin main 2>/dev/null || exit 99
expect_status 1 $B fetch
contains "$OUT" "changed with plain git on the remote"

# ---- bad input: one line, nothing changed ----
expect_status 3 $A fetch nosuch
contains "$ERR" "no remote \"nosuch\""
one_line "$ERR"
expect_status 4 $A fetch "../x"
one_line "$ERR"

finish
