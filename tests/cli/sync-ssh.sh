#!/bin/sh
# Sync over ssh:// for real (docs/sync.md, "Transports"): an OpenSSH sshd started by this test on
# 127.0.0.1, on a free port, as the current user, with a host key of its own and an
# authorized_keys made here; an ssh-agent started here holds the client key. fetch, pull and push
# go through libgit2's ssh transport (libssh2) with the agent's key, the URL naming no user (the
# local user's name is taken, as ssh takes it). The host key is checked against
# ~/.ssh/known_hosts (HOME is a folder of this test): an unknown host is refused. sshd and the
# agent are stopped at the end.
. "$(dirname "$0")/lib.sh"

# under AddressSanitizer: unwind through libgit2 (built without frame pointers), so that the
# suppression of libgit2 1.5's known_hosts leak in its ssh connect (tests/lsan.supp: what is
# allocated under git_remote_connect_ext) can match
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

SSHD=/usr/sbin/sshd
for p in "$SSHD" ssh-keygen ssh-agent ssh-add ssh-keyscan; do
	command -v "$p" >/dev/null 2>&1 || {
		echo "SKIP: $p is not installed (Debian packages openssh-server, openssh-client)"
		exit 77
	}
done
# sshd started by root separates privileges into /run/sshd (compiled in; the ssh service makes it
# at boot): make it when it is missing, as the service would
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	mkdir -p -m 0755 /run/sshd 2>/dev/null || {
		echo "SKIP: sshd cannot run: /run/sshd is missing and cannot be made"
		exit 77
	}
fi

SSHD_PID=""
AGENT_PID=""
stop_all() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	SSHD_PID=""
	AGENT_PID=""
}
trap 'stop_all; rm -rf "$TMP"' EXIT
# a signal (meson's timeout, a closed pipe) ends the test through the EXIT trap too, so that sshd
# and the agent never outlive it
trap 'exit 1' HUP INT PIPE TERM

export HOME="$TMP/home"
mkdir -p "$HOME/.ssh" ssh || exit 99
chmod 700 "$HOME" "$HOME/.ssh" ssh || exit 99
ssh-keygen -q -t ed25519 -N "" -C host -f ssh/host_key || exit 99
ssh-keygen -q -t ed25519 -N "" -C client -f ssh/client_key || exit 99
ssh-keygen -q -t ed25519 -N "" -C stranger -f ssh/stranger_key || exit 99
cp ssh/client_key.pub ssh/authorized_keys || exit 99
chmod 600 ssh/authorized_keys || exit 99

# a port of our own on the loopback: try a few
PORT=""
for try in 1 2 3 4 5; do
	p=$((20000 + ($$ * 11 + try * 1013) % 30000))
	cat >ssh/sshd_config <<EOF
ListenAddress 127.0.0.1
Port $p
HostKey $TMP/ssh/host_key
PidFile $TMP/ssh/sshd.pid
AuthorizedKeysFile $TMP/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowUsers $(id -un)
EOF
	"$SSHD" -t -f "$TMP/ssh/sshd_config" 2>ssh/check.log || {
		echo "SKIP: sshd cannot run: $(head -n 1 ssh/check.log)"
		exit 77
	}
	"$SSHD" -D -e -f "$TMP/ssh/sshd_config" 2>>ssh/sshd.log &
	SSHD_PID=$!
	i=0
	while [ $i -lt 50 ]; do
		if ssh-keyscan -p "$p" -t ed25519 127.0.0.1 >ssh/scan 2>/dev/null && [ -s ssh/scan ]; then
			PORT=$p
			break 2
		fi
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
done
[ -n "$PORT" ] || { echo "could not start sshd on 127.0.0.1: $(tail -n 1 ssh/sshd.log)"; exit 99; }

eval "$(ssh-agent -s)" >/dev/null || exit 99
AGENT_PID=$SSH_AGENT_PID
ssh-add -q ssh/client_key 2>/dev/null || exit 99

for k in alice bob; do
	"$CT" key generate --unencrypted --name $k -o $k.key >/dev/null || exit 99
done
A="env CLAIMTRAIL_KEY=$TMP/alice.key $CT -C a"
B="env CLAIMTRAIL_KEY=$TMP/bob.key $CT -C b"
git init -q --bare -b main hub.git || exit 99
URL="ssh://127.0.0.1:$PORT$TMP/hub.git"

git init -q -b main a || exit 99
$A init >/dev/null || exit 99
$A source add --id s --title T --publisher P >/dev/null || exit 99
$A claim add --id c1 --statement "First." --source s >/dev/null || exit 99
$A trust add "$TMP/bob.key.pub" >/dev/null || exit 99
git -C a remote add origin "$URL" || exit 99

# the host is not known yet: refused, one line, nothing pushed
expect_status 4 $A push
contains "$ERR" "hostkey"
one_line "$ERR"
git -C hub.git rev-parse -q --verify main >/dev/null && fail "a push to an unknown host landed" || ok

# known_hosts names it as ssh writes it for a port other than 22
sed "s/^127.0.0.1/[127.0.0.1]:$PORT/" ssh/scan >"$HOME/.ssh/known_hosts" || exit 99
expect_status 0 $A push
contains "$OUT" "pushed main to origin"
[ "$(git -C hub.git rev-parse main)" = "$(git -C a rev-parse HEAD)" ] && ok ||
	fail "push over ssh did not land"

git clone -q hub.git b || exit 99
# b names its user in the URL
git -C b remote set-url origin "ssh://$(id -un)@127.0.0.1:$PORT$TMP/hub.git" || exit 99
$B trust add "$TMP/alice.key.pub" >/dev/null && $B trust add "$TMP/bob.key.pub" >/dev/null || exit 99
expect_status 0 $A claim add --id c2 --statement "Second." --source s
expect_status 0 $A push
expect_status 0 $B fetch
contains "$OUT" "1 new record, 0 problems"
[ "$(git -C b rev-parse refs/claimtrail/incoming/origin)" = "$(git -C a rev-parse HEAD)" ] && ok ||
	fail "fetch over ssh did not bring alice's commit"
expect_status 0 $B claim add --id c3 --statement "Third." --source s
expect_status 0 $B pull
contains "$OUT" "merged into main"
expect_status 0 $B push
contains "$OUT" "pushed main to origin"
expect_status 0 $A sync
contains "$OUT" "fast-forwarded main"
[ "$(git -C a rev-parse HEAD)" = "$(git -C b rev-parse HEAD)" ] && ok || fail "a and b differ after sync over ssh"
[ "$(git -C hub.git rev-parse main)" = "$(git -C b rev-parse HEAD)" ] && ok || fail "hub behind"
expect_status 0 $A check

# a key the server does not accept: refused, one line, the branch as it was
ssh-add -q -D 2>/dev/null || exit 99
ssh-add -q ssh/stranger_key 2>/dev/null || exit 99
expect_status 0 $B claim add --id c4 --statement "Fourth." --source s
H=$(git -C hub.git rev-parse main)
expect_status 4 $B push
one_line "$ERR"
[ "$(git -C hub.git rev-parse main)" = "$H" ] && ok || fail "a push with a refused key landed"

stop_all
finish
