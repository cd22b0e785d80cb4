#!/bin/sh
# Sync over git:// and file:// (docs/sync.md, "Transports"): a real `git daemon` on 127.0.0.1,
# started and stopped by this test, serves a bare hub; two clones with their own keys exchange
# work through it with claimtrail sync (fetch and push over git://, through libgit2), and a third
# clone syncs over a file:// URL.
. "$(dirname "$0")/lib.sh"
if ! git daemon --help >/dev/null 2>&1; then
	echo "SKIP: git daemon is not installed"
	exit 77
fi

PIDFILE="$TMP/daemon.pid"
stop_daemon() {
	[ -s "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null
	rm -f "$PIDFILE"
}
trap 'stop_daemon; rm -rf "$TMP"' EXIT

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
git init -q --bare -b main hub.git || exit 99

# a port of our own on the loopback: try a few, each for up to 5 s
URL=""
for try in 1 2 3 4 5; do
	PORT=$((20000 + ($$ * 7 + try * 1009) % 30000))
	git daemon --base-path="$TMP" --export-all --enable=receive-pack --listen=127.0.0.1 \
		--port=$PORT --reuseaddr --detach --pid-file="$PIDFILE" "$TMP" 2>/dev/null || continue
	i=0
	while [ $i -lt 50 ]; do
		if git ls-remote "git://127.0.0.1:$PORT/hub.git" >/dev/null 2>&1; then
			URL="git://127.0.0.1:$PORT/hub.git"
			break 2
		fi
		sleep 0.1
		i=$((i + 1))
	done
	stop_daemon
done
[ -n "$URL" ] || { echo "could not start git daemon on 127.0.0.1"; exit 99; }

git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id s --title T --publisher P >/dev/null || exit 99
$A claim add --id c1 --statement "First." --source s >/dev/null || exit 99
$A trust add "$TMP/bob.key.pub" >/dev/null || exit 99
git -C a remote add origin "$URL" || exit 99
expect_status 0 $A push
contains "$OUT" "pushed main to origin"
[ "$(git -C hub.git rev-parse main)" = "$(git -C a rev-parse HEAD)" ] && ok || fail "push over git:// did not land"

git clone -q "$URL" b || exit 99
$B trust add "$TMP/alice.key.pub" >/dev/null && $B trust add "$TMP/bob.key.pub" >/dev/null || exit 99
expect_status 0 $B claim add --id c2 --statement "Second." --source s
expect_status 0 $A claim revise c1 --statement "First, revised." --reason "a"
expect_status 0 $B claim revise c1 --statement "First, again." --reason "b"
expect_status 0 $A sync
expect_status 0 $B sync
contains "$OUT" "merged into main"
contains "$OUT" "1 claim is conflicted"
expect_status 0 $B claim revise c1 --merge --reason "both"
expect_status 0 $B sync
expect_status 0 $A sync
contains "$OUT" "fast-forwarded main"
[ "$(git -C a rev-parse HEAD)" = "$(git -C b rev-parse HEAD)" ] && ok || fail "a and b differ after sync over git://"
expect_status 0 $A check
# --json names what happened
expect_status 0 $A fetch --json
contains "$OUT" '"ok": true'
contains "$OUT" '"fresh": 0'

# progress on a terminal's standard error (objects received), none when piped
expect_status 0 env CLAIMTRAIL_KEY="$TMP/bob.key" "$CT" -C b claim add --id c4 --statement "Fourth." --source s
expect_status 0 $B push
python3 "$(dirname "$0")/pty-run.py" 100 tty.out --stdout-file pull.out $A pull ||
	fail "pull on a pty"
contains "$(cat tty.out)" "pull: receiving" "pull's progress line on a terminal"
not_contains "$(cat pull.out)" "receiving" "pull's standard output"
expect_status 0 $B claim add --id c5 --statement "Fifth." --source s
expect_status 0 $B push
expect_status 0 $A pull
not_contains "$ERR" "receiving" "pull's piped standard error"

# file://
git clone -q "file://$TMP/hub.git" c || exit 99
expect_status 0 env CLAIMTRAIL_KEY="$TMP/bob.key" "$CT" -C c trust add "$TMP/alice.key.pub"
expect_status 0 env CLAIMTRAIL_KEY="$TMP/bob.key" "$CT" -C c trust add "$TMP/bob.key.pub"
expect_status 0 env CLAIMTRAIL_KEY="$TMP/bob.key" "$CT" -C c claim add --id c3 --statement "Third." --source s
expect_status 0 env CLAIMTRAIL_KEY="$TMP/bob.key" "$CT" -C c sync
expect_status 0 $A pull
[ -n "$(git -C a ls-files 'claims/claim/*/c3/*')" ] && ok || fail "c3 did not arrive over file:// and git://"

# the daemon gone: one line, nothing changed
stop_daemon
H=$(git -C a rev-parse HEAD)
expect_status 4 $A pull
one_line "$ERR"
[ "$(git -C a rev-parse HEAD)" = "$H" ] && ok || fail "a failed pull moved the branch"

finish
