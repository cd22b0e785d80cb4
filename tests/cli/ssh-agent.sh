#!/bin/sh
# End to end: signing through a real ssh-agent (issue 17, point 3). The test starts its own
# agent, adds an Ed25519 key made by ssh-keygen with no passphrase, makes its claimtrail key
# record with `key import-ssh`, and writes a store with --key ssh:KEY-ID and with git config,
# with no terminal and no passphrase anywhere. A fake agent that answers with a wrong
# signature is refused: what the agent returns is checked before it is used.
. "$(dirname "$0")/lib.sh"

command -v ssh-agent >/dev/null && command -v ssh-keygen >/dev/null && command -v ssh-add \
	>/dev/null || { echo "SKIP: openssh-client is not installed (scripts/setup)"; exit 77; }

eval "$(ssh-agent -s -a "$TMP/agent.sock")" >/dev/null || exit 99
trap 'kill "$SSH_AGENT_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
ssh-keygen -q -t ed25519 -N '' -C "desk laptop" -f "$TMP/id_ed25519" || exit 99
ssh-keygen -q -t ed25519 -N '' -C "not added" -f "$TMP/other" || exit 99
ssh-keygen -q -t rsa -b 2048 -N '' -f "$TMP/id_rsa" || exit 99

# before the key is in the agent: refused, nothing written
expect_status 3 "$CT" key import-ssh id_ed25519.pub --name "Agent Signer"
contains "$ERR" "does not hold this key"
one_line "$ERR"
[ ! -e id_ed25519.claimtrail.pub ] && ok || fail "a record was written for a key the agent lacks"
ssh-add -q "$TMP/id_ed25519" 2>/dev/null || exit 99

expect_status 4 "$CT" key import-ssh id_rsa.pub
contains "$ERR" "not an ssh-ed25519 public key"
one_line "$ERR"

expect_status 0 "$CT" key import-ssh id_ed25519.pub --name "Agent Signer" --org "Desk"
contains "$OUT" "public key: id_ed25519.claimtrail.pub"
KEY=$("$CT" key show id_ed25519.claimtrail.pub | sed -n "s/^key-id: *//p")
[ -n "$KEY" ] && ok || fail "no key id"
contains "$OUT" "sign with: --key ssh:$KEY"
expect_status 0 "$CT" key show id_ed25519.claimtrail.pub
contains "$OUT" "name:    Agent Signer"
# the record is self-signed by the agent's key: it verifies as a key record
expect_status 0 "$CT" verify id_ed25519.claimtrail.pub --trust id_ed25519.claimtrail.pub
# never over an existing file
expect_status 4 "$CT" key import-ssh id_ed25519.pub
contains "$ERR" "not overwriting"

git init -q -b main repo && cd repo || exit 99
# no terminal, no passphrase: stdin is /dev/null and nothing may ask
expect_status 0 "$CT" init --key "ssh:$TMP/id_ed25519.claimtrail.pub" </dev/null
contains "$OUT" "signed by key $KEY"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" \
	--key "ssh:$KEY" </dev/null
git config claimtrail.key "ssh:$KEY"
expect_status 0 "$CT" claim add --id fighters --statement "As many as 6,000 fighters moved." \
	--source report </dev/null
not_contains "$ERR" "assphrase"
expect_status 0 "$CT" show fighters
contains "$OUT" "verified:   yes"
contains "$OUT" "signed by:  $KEY (Agent Signer, Desk)"
expect_status 0 "$CT" check
contains "$OUT" "OK"
# the signature is an ordinary Ed25519 signature over the PAE bytes: the independent verifier
# (docs/format.md alone, node's crypto) accepts the record
r1=$(find claims/claim -path '*/fighters/r0001.json')
expect_status 0 "$CT" verify "$r1" --trust "$TMP/id_ed25519.claimtrail.pub"

# a key the agent does not hold, an agent that is gone: one line each, nothing written
H=$(git rev-parse HEAD)
ssh-add -q -D 2>/dev/null
expect_status 3 "$CT" claim revise fighters --statement "About 6,000." --reason "r" </dev/null
contains "$ERR" "ssh-agent at $TMP/agent.sock does not hold key $KEY"
one_line "$ERR"
expect_status 4 env SSH_AUTH_SOCK= "$CT" claim revise fighters --statement "About 6,000." \
	--reason "r" </dev/null
contains "$ERR" "SSH_AUTH_SOCK is not set"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "HEAD moved"

# a lying agent: lists the key, answers every sign request with a signature that is not one
cat >"$TMP/fake-agent.py" <<'PY'
import base64, os, socket, struct, sys
path, pub = sys.argv[1], sys.argv[2]
blob = base64.b64decode(open(pub).read().split()[1])
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(4)
open(path + ".ready", "w").close()
def string(b): return struct.pack(">I", len(b)) + b
for _ in range(8):
    c, _ = s.accept()
    n = struct.unpack(">I", c.recv(4))[0]; msg = b""
    while len(msg) < n: msg += c.recv(n - len(msg))
    if msg[0] == 11: body = bytes([12]) + struct.pack(">I", 1) + string(blob) + string(b"x")
    else: body = bytes([14]) + string(string(b"ssh-ed25519") + string(bytes(64)))
    c.sendall(struct.pack(">I", len(body)) + body); c.close()
PY
python3 "$TMP/fake-agent.py" "$TMP/fake.sock" "$TMP/id_ed25519.pub" &
FAKE=$!
i=0; while [ ! -e "$TMP/fake.sock.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_status 1 env SSH_AUTH_SOCK="$TMP/fake.sock" "$CT" claim revise fighters \
	--statement "About 6,000." --reason "r" </dev/null
contains "$ERR" "the signature it made with key $KEY does not verify"
one_line "$ERR"
kill "$FAKE" 2>/dev/null
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "HEAD moved after a bad agent signature"

finish
