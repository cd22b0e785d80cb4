#!/bin/sh
# Remotes as git configures them (docs/sync.md): a hub reached through a url.<base>.insteadOf
# alias, and a remote.<name>.pushurl different from its url (a relative one, taken relative to
# the repository as git does), used by fetch, pull, push and sync exactly as `git fetch` and
# `git push` use them.
. "$(dirname "$0")/lib.sh"

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
mkdir hosts || exit 99
git init -q --bare -b main hosts/hub.git || exit 99
git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id report --title "A report" --publisher "A desk" >/dev/null || exit 99
$A claim add --id c1 --statement "Alice's first claim." --source report >/dev/null || exit 99

# ---- url.<base>.insteadOf: "desk:" is no host; only the rewrite makes it a path ----
git -C a config "url.$TMP/hosts/.insteadOf" desk: || exit 99
git -C a remote add origin desk:hub.git || exit 99
expect_status 0 $A push
contains "$OUT" "pushed main to origin"
[ "$(git -C hosts/hub.git rev-parse main)" = "$(git -C a rev-parse HEAD)" ] && ok ||
	fail "push did not reach the hub through the insteadOf alias"

git clone -q hosts/hub.git b || exit 99
git -C b config "url.$TMP/hosts/.insteadOf" desk: || exit 99
git -C b remote set-url origin desk:hub.git || exit 99
expect_status 0 $B trust add "$TMP/alice.key.pub" --name Alice
expect_status 0 $B trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 $A trust add "$TMP/bob.key.pub" --name Bob
expect_status 0 $A claim add --id c2 --statement "Alice's second claim." --source report
expect_status 0 $A push
expect_status 0 $B fetch
contains "$OUT" "1 new record, 0 problems"
[ "$(git -C b rev-parse refs/claimtrail/incoming/origin)" = "$(git -C a rev-parse HEAD)" ] && ok ||
	fail "fetch through the insteadOf alias did not bring alice's commit"
# the fetch moved the quarantine ref only, not origin's remote-tracking branch
[ "$(git -C b rev-parse refs/remotes/origin/main)" != "$(git -C a rev-parse HEAD)" ] && ok ||
	fail "fetch moved refs/remotes/origin/main to a commit not verified yet"
expect_status 0 $B pull
contains "$OUT" "fast-forwarded main"
expect_status 0 $B show c2

# ---- remote.<name>.pushurl: fetch from the hub, push to another repository ----
git clone -q --bare hosts/hub.git hosts/outbox.git || exit 99
git -C b config remote.origin.pushurl ../hosts/outbox.git || exit 99
hub_before=$(git -C hosts/hub.git rev-parse main)
expect_status 0 $B claim add --id c3 --statement "Bob's claim." --source report
expect_status 0 $B push
contains "$OUT" "pushed main to origin"
[ "$(git -C hosts/outbox.git rev-parse main)" = "$(git -C b rev-parse HEAD)" ] && ok ||
	fail "push did not go to remote.origin.pushurl"
[ "$(git -C hosts/hub.git rev-parse main)" = "$hub_before" ] && ok ||
	fail "push went to remote.origin.url although a pushurl is set"
# git's own push goes to the same place
[ "$(git -C b remote get-url --push origin)" = "../hosts/outbox.git" ] && ok || fail "git config"

# the "remote moved" check looks at where the push goes: the hub moving does not stop it ...
expect_status 0 $A claim add --id c4 --statement "Alice's third claim." --source report
expect_status 0 $A push
expect_status 0 $B claim add --id c5 --statement "Bob's second claim." --source report
expect_status 0 $B push
[ "$(git -C hosts/outbox.git rev-parse main)" = "$(git -C b rev-parse HEAD)" ] && ok ||
	fail "push to the pushurl refused because the fetch url moved"
# ... the push repository moving does
git clone -q hosts/outbox.git other || exit 99
git -C other commit -q --allow-empty -m "someone else" || exit 99
git -C other push -q origin main 2>/dev/null || exit 99
expect_status 0 $B claim add --id c6 --statement "Bob's third claim." --source report
expect_status 4 $B push
contains "$ERR" "pull first"
one_line "$ERR"
# sync: pulls from the url (alice's c4), pushes to the pushurl (refused: the outbox moved); the
# pushes to the pushurl are not taken for commits verified from the url (no "rewrote" there)
expect_status 4 $B sync
contains "$ERR" "pull first"
not_contains "$OUT$ERR" "rewrote"
expect_status 0 $B show c4

# an unknown remote is one clear line
expect_status 3 $B fetch nosuch
contains "$ERR" "no remote \"nosuch\""
one_line "$ERR"

finish
