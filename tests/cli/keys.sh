#!/bin/sh
# End to end: key generate and show, sign, verify, the ways each of them fails.
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000

cat >claim.json <<'JSON'
{
  "type": "claim",
  "id": "iskp-foreign-fighters-6000",
  "revision": 1,
  "created": "2024-04-01T12:00:00Z",
  "statement": "As many as 6,000 foreign fighters may have moved into Afghanistan.",
  "attribution": {"source": "crocus-oped", "quote": "as many as 6,000 foreign fighters"},
  "quantity": {"amount": "6000", "qualifier": "as many as"}
}
JSON

# Generate: encrypted with the passphrase from the environment, and unencrypted.
CLAIMTRAIL_PASSPHRASE='correct horse' expect_status 0 "$CT" key generate --name Alice --org Desk -o alice.key
contains "$OUT" "secret key: alice.key (encrypted" "generate output"
contains "$OUT" "public key: alice.key.pub" "generate output"
ALICE=$(printf '%s\n' "$OUT" | sed -n 's/^key \([0-9a-f]\{16\}\)$/\1/p')
[ ${#ALICE} -eq 16 ] && ok || fail "no key id in: $OUT"
[ "$(stat -c %a alice.key)" = 600 ] && ok || fail "alice.key mode $(stat -c %a alice.key)"
grep -q '^kdf: argon2id$' alice.key && ok || fail "alice.key is not encrypted"

expect_status 0 "$CT" key generate --unencrypted --name Bob
contains "$OUT" "secret key: claimtrail.key (unencrypted" "default file name"
BOB=$(printf '%s\n' "$OUT" | sed -n 's/^key \([0-9a-f]\{16\}\)$/\1/p')
[ "$(stat -c %a claimtrail.key)" = 600 ] && ok || fail "claimtrail.key mode"
[ -f claimtrail.key.pub ] && ok || fail "no claimtrail.key.pub"

# Never overwrite, and say so in one line.
cp alice.key alice.before
CLAIMTRAIL_PASSPHRASE=x expect_status 4 "$CT" key generate -o alice.key
contains "$ERR" "alice.key already exists" "overwrite refusal"
one_line "$ERR"
cmp -s alice.key alice.before && ok || fail "alice.key changed"
expect_status 2 "$CT" key generate --unencrypted -o bob2.key --passphrase-file /dev/null
expect_status 2 "$CT" key generate --bogus

# Show: the public half of a secret file (no passphrase asked) or of a .pub record.
expect_status 0 "$CT" key show alice.key </dev/null
contains "$OUT" "key-id:  $ALICE"
contains "$OUT" "name:    Alice"
contains "$OUT" "org:     Desk"
contains "$OUT" "created: 2023-11-14T22:13:20Z"
expect_status 0 "$CT" key show --json alice.key.pub
contains "$OUT" "\"key_id\": \"$ALICE\""
expect_status 3 "$CT" key show nothing.key

# Sign with the encrypted key; the record is rewritten as indented JSON.
CLAIMTRAIL_PASSPHRASE='correct horse' expect_status 0 "$CT" sign claim.json --key alice.key
contains "$OUT" "claim iskp-foreign-fighters-6000: signed by key $ALICE"
contains "$(cat claim.json)" "\"key_id\": \"$ALICE\"" "signed file"
[ "$(tail -c 1 claim.json | od -An -c | tr -d ' ')" = '\n' ] && ok || fail "no trailing newline"
# Signing twice with one key is refused.
CLAIMTRAIL_PASSPHRASE='correct horse' expect_status 4 "$CT" sign claim.json --key alice.key
contains "$ERR" "already signed by key $ALICE"

# Wrong passphrase: exit 4, one line, the file untouched.
cp claim.json claim.before
CLAIMTRAIL_PASSPHRASE=wrong expect_status 4 "$CT" sign claim.json --key alice.key
contains "$ERR" "alice.key: wrong passphrase"
one_line "$ERR"
cmp -s claim.json claim.before && ok || fail "claim.json changed by a failed sign"
printf 'wrong\n' >pass.txt
expect_status 4 "$CT" sign claim.json --key alice.key --passphrase-file pass.txt
contains "$ERR" "wrong passphrase"

# Second signature, with the key from CLAIMTRAIL_KEY, to another file.
CLAIMTRAIL_KEY=claimtrail.key expect_status 0 "$CT" sign claim.json -o claim2.json
contains "$OUT" "(2 signatures)"
cmp -s claim.json claim.before && ok || fail "-o changed the input"

# Verify.
expect_status 0 "$CT" verify claim.json --trust alice.key.pub
contains "$OUT" "claim iskp-foreign-fighters-6000: OK (signed by $ALICE; 1 trusted of 1 signature)"
expect_status 0 "$CT" verify claim2.json --trust alice.key.pub --trust claimtrail.key.pub --threshold 2
contains "$OUT" "2 trusted of 2 signatures"
expect_status 1 "$CT" verify claim.json --trust alice.key.pub --trust claimtrail.key.pub --threshold 2
contains "$ERR" "signed by 1 trusted key, 2 needed"
mkdir trust && cp alice.key.pub claimtrail.key.pub trust/ && echo notes >trust/README
expect_status 0 "$CT" verify claim2.json --trust trust --threshold 2 --json
contains "$OUT" '"ok": true'

# Trusting another key fails, naming the record and the key.
expect_status 1 "$CT" verify claim.json --trust claimtrail.key.pub
contains "$ERR" "claim iskp-foreign-fighters-6000:"
contains "$ERR" "key $ALICE is not trusted"
one_line "$ERR"

# Any edited field fails with exit 1, naming the record and the key.
sed 's/6,000 foreign/7,000 foreign/' claim.json >edited.json
expect_status 1 "$CT" verify edited.json --trust alice.key.pub
contains "$ERR" "claim iskp-foreign-fighters-6000: signature by key $ALICE does not verify"
one_line "$ERR"
sed 's/"created": "2024-04-01T12:00:00Z"/"created": "2024-04-01T12:00:01Z"/' claim.json >edited2.json
expect_status 1 "$CT" verify edited2.json --trust alice.key.pub
expect_status 1 "$CT" verify edited2.json --trust alice.key.pub --json
contains "$OUT" '"ok": false'

# Usage and input errors.
expect_status 2 "$CT" verify claim.json
expect_status 2 "$CT" verify claim.json --trust alice.key.pub --threshold 0
expect_status 4 "$CT" verify claim.json --trust alice.key
contains "$ERR" "alice.key"
printf '{"type":"claim","id":"x","id":"y"}' >dup.json
expect_status 4 "$CT" verify dup.json --trust alice.key.pub

# a key into a folder that does not exist yet: the folder is made, private to its owner
expect_status 0 "$CT" key generate --unencrypted -o "$TMP/newdir/me.key"
[ "$(stat -c %a "$TMP/newdir")" = "700" ] && ok || fail "key folder mode $(stat -c %a "$TMP/newdir")"
expect_status 3 "$CT" key generate --unencrypted -o "$TMP/no/such/parent/me.key"
one_line "$ERR"

# a name or org that is not UTF-8 is invalid input, not "out of memory" (jansson's NULL)
expect_status 4 "$CT" key generate --unencrypted -o "$TMP/bad.key" --name "$(printf 'Al\377ce')"
contains "$ERR" "the key's name is not valid UTF-8 (byte 2)"
not_contains "$ERR" "memory"
expect_status 4 "$CT" key generate --unencrypted -o "$TMP/bad.key" --name A --org "$(printf 'x\355\240\200')"
contains "$ERR" "the key's org is not valid UTF-8 (byte 1)"
[ ! -e "$TMP/bad.key" ] && ok || fail "a key file was written"

finish
