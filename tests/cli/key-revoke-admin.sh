#!/bin/sh
# End to end: a lost laptop (issue 17 point 1, docs/keys.md "Recovering from a lost or stolen
# key"). The fact-checker's secret key is gone; an admin key that the trust list names as able
# to revoke it (trust add --can-revoke) revokes it with --compromised-since. What a checkpoint
# made before that time vouches for stays valid, later signatures fail check, show, log, verify
# and import; a clone whose trust list does not grant the admin the right sees a clear finding
# and the key stays live there; a key without the right is refused.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o a.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Desk Admin" -o adm.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Other" -o x.key >/dev/null || exit 99
A=$("$CT" key show a.key | sed -n "s/^key-id: *//p")
ADM=$("$CT" key show adm.key | sed -n "s/^key-id: *//p")
X=$("$CT" key show x.key | sed -n "s/^key-id: *//p")
at() { SOURCE_DATE_EPOCH=$(date -u -d "$1" +%s); export SOURCE_DATE_EPOCH; }

git init -q -b main desk && cd desk || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/a.key"
expect_status 2 "$CT" trust add "$TMP/adm.key.pub" --can-revoke
expect_status 4 "$CT" trust add "$TMP/adm.key.pub" --can-revoke nothex
contains "$ERR" "--can-revoke: expected key ids"
one_line "$ERR"
expect_status 0 "$CT" trust add "$TMP/adm.key.pub" --name Admin --can-revoke "$A"
contains "$OUT" "it may revoke $A"
expect_status 0 "$CT" trust add "$TMP/x.key.pub"
expect_status 0 "$CT" trust list
contains "$OUT" "Admin  added 2026-11-01T09:00:00Z  can revoke: $A"
expect_status 0 "$CT" trust list --json
contains "$(printf '%s' "$OUT" | tr -d ' \n')" "\"can_revoke\":[\"$A\"]"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/a.key"
expect_status 0 "$CT" claim add --id early --statement "An early claim." --source report \
	--key "$TMP/a.key"
at 2026-11-02T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/adm.key"
at 2026-11-05T09:00:00Z
expect_status 0 "$CT" claim add --id late --statement "A later claim." --source report \
	--key "$TMP/a.key"

# the laptop is lost: the secret key is gone
rm -f "$TMP/a.key"
at 2026-11-06T09:00:00Z
H=$(git rev-parse HEAD)
# a key the trust list does not name as able to revoke it is refused
expect_status 4 "$CT" key revoke "$A" --reason "laptop lost" --key "$TMP/x.key"
contains "$ERR" "--key is key $X, which the trust list does not name as able to revoke it"
one_line "$ERR"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "HEAD moved"
expect_status 0 "$CT" key revoke "$A" --reason "laptop lost" --compromised-since 2026-11-03 \
	--key "$TMP/adm.key"
contains "$OUT" "key $A revoked: laptop lost"
contains "$OUT" "revoked by key $ADM"
grep -q "\"by\": *\"$ADM\"" "claims/key/$A.json" && ok || fail "the record does not name its revoker"
# a second revocation of it is refused
expect_status 4 "$CT" key revoke "$A" --reason again --key "$TMP/adm.key"
contains "$ERR" "key $A is already revoked"

expect_status 1 "$CT" check
contains "$OUT" "claim late: signed by 0 trusted keys, 1 needed; key $A is revoked"
not_contains "$OUT" "claim early"
not_contains "$OUT" "does not name"
expect_status 0 "$CT" show early
contains "$OUT" "verified:   yes"
expect_status 0 "$CT" show late
contains "$OUT" "verified:   NO (revoked): signed by key $A, which is revoked (laptop lost; compromised since 2026-11-03T00:00:00Z)"
expect_status 0 "$CT" log late
contains "$OUT" "NOT VERIFIED: signed by key $A, which is revoked"

# bundles: what the checkpoint vouches for verifies and imports with the grant
expect_status 0 "$CT" bundle create early -o ../early.bundle --key "$TMP/adm.key"
expect_status 1 "$CT" bundle create late -o ../late.bundle --key "$TMP/adm.key"

# a reader whose trust list trusts both keys but does not grant the admin the right
cd .. && git clone -q desk reader && cd reader || exit 99
expect_status 0 "$CT" trust add "$TMP/a.key.pub"
expect_status 0 "$CT" trust add "$TMP/adm.key.pub"
expect_status 1 "$CT" check
contains "$OUT" "key $A is revoked by key $ADM, which the trust list does not name as able to revoke it: the revocation is not applied"
not_contains "$OUT" "claim late"
expect_status 0 "$CT" show late
contains "$OUT" "verified:   yes"
# here the key is live, so a bundle of the late claim can be made; it carries the revocation
expect_status 0 "$CT" bundle create late -o ../late.bundle --key "$TMP/adm.key"
expect_status 1 "$CT" verify ../late.bundle
contains "$OUT" "key.revoked_without_right"
# ... and the key is not taken as revoked there
contains "$OUT" "claim late@1: OK [signature.valid"
contains "$OUT$ERR" "which the trust list does not name as able to revoke it"

# the desk's clone grants the right: the late claim fails there, the early one verifies
cd ../desk || exit 99
expect_status 1 "$CT" verify ../late.bundle
contains "$OUT$ERR" "revoked"
not_contains "$OUT$ERR" "does not name"
expect_status 0 "$CT" verify ../early.bundle
git init -q -b main ../importer && cd ../importer || exit 99
expect_status 0 "$CT" init --key "$TMP/x.key"
expect_status 0 "$CT" trust add "$TMP/a.key.pub"
expect_status 0 "$CT" trust add "$TMP/adm.key.pub" --can-revoke all
expect_status 1 "$CT" bundle import ../late.bundle
contains "$OUT$ERR" "revoked"
expect_status 0 "$CT" bundle import ../early.bundle

finish
