#!/bin/sh
# The trust list (claimtrail trust add/list/remove, kept in the git directory) and what check,
# verify and bundle import trust: only the keys the user trusts. A trusted creator's bundle that
# carries a stranger's key and the stranger's sign-off does not make the stranger trusted, not
# even in a clone without a trust list (docs/trust.md).
. "$(dirname "$0")/lib.sh"

for k in creator stranger importer; do
	"$CT" key generate --unencrypted --name "$k" -o $k.key >/dev/null || exit 99
done
id_of() { "$CT" key show "$1" --json | sed -n 's/.*"key_id": "\([0-9a-f]*\)".*/\1/p' | head -n 1; }
CREATOR=$(id_of creator.key.pub)
STRANGER=$(id_of stranger.key.pub)
IMPORTER=$(id_of importer.key.pub)

# ---- the creator's store: a claim signed by the creator, signed off by the stranger ----
git init -q -b main src || exit 99
CLAIMTRAIL_KEY=$TMP/creator.key "$CT" -C src init >/dev/null || exit 99
CLAIMTRAIL_KEY=$TMP/creator.key "$CT" -C src source add --id s --title T --publisher P >/dev/null ||
	exit 99
CLAIMTRAIL_KEY=$TMP/creator.key "$CT" -C src claim add --id c1 --statement "A claim." --source s \
	>/dev/null || exit 99
"$CT" -C src sign-off c1 --key "$TMP/stranger.key" >/dev/null || exit 99
[ -f src/claims/key/$STRANGER.json ] && ok || fail "the sign-off did not record the stranger's key"
CLAIMTRAIL_KEY=$TMP/creator.key "$CT" -C src bundle create --all -o b.bundle >/dev/null || exit 99

# ---- init puts the initialising key in the trust list; trust add, list, remove ----
git init -q -b main dst || exit 99
CLAIMTRAIL_KEY=$TMP/importer.key expect_status 0 "$CT" -C dst init
expect_status 0 "$CT" -C dst trust list
contains "$OUT" "$IMPORTER  importer  added "
[ -f dst/.git/claimtrail/trust.json ] && ok || fail "no trust list in the git directory"
[ -z "$(git -C dst ls-files | grep trust)" ] && ok || fail "the trust list is in history"
# a name that is not UTF-8 is invalid input, not "out of memory", and adds nothing
expect_status 4 "$CT" -C dst trust add creator.key.pub --name "$(printf 'Desk\377')"
contains "$ERR" "the trust name is not valid UTF-8 (byte 4)"
one_line "$ERR"
expect_status 0 "$CT" -C dst trust list
not_contains "$OUT" "$CREATOR"
expect_status 0 "$CT" -C dst trust add creator.key.pub --name "Creator desk"
contains "$OUT" "trusted key $CREATOR (Creator desk)"
expect_status 4 "$CT" -C dst trust add creator.key.pub
contains "$ERR" "key $CREATOR is in the trust list already"
one_line "$ERR"
expect_status 3 "$CT" -C dst trust remove "$STRANGER"
contains "$ERR" "key $STRANGER is not in the trust list"
expect_status 4 "$CT" -C dst trust remove nothex
contains "$ERR" "expected 16 lowercase hex digits"
echo '{"type": "key"}' >bad.pub
expect_status 4 "$CT" -C dst trust add bad.pub
one_line "$ERR"
expect_status 3 "$CT" -C dst trust add nosuch.pub
expect_status 2 "$CT" -C dst trust frob
expect_status 0 "$CT" -C dst trust list --json
contains "$OUT" '"exists": true'
contains "$OUT" '"name": "Creator desk"'

# ---- verify and bundle import use the trust list when no --trust is given ----
expect_status 0 "$CT" -C dst verify b.bundle
mkdir norepo
expect_status 2 "$CT" -C norepo verify b.bundle
contains "$ERR" "name the keys you trust"
expect_status 0 "$CT" -C dst bundle import b.bundle
contains "$OUT" "imported"
# the stranger's key record stayed out of the store; the sign-off is on the claim but not counted
[ ! -e dst/claims/key/$STRANGER.json ] && ok || fail "bundle import wrote the stranger's key record"
[ -f dst/claims/key/$CREATOR.json ] && ok || fail "bundle import left out the trusted creator's key"
git -C dst log -1 --format=%B | grep -q "Left out 1 key record of keys not trusted" && ok ||
	fail "the import commit does not say a key record was left out"
expect_status 0 "$CT" -C dst check
contains "$OUT" "trust: 2 keys of the trust list"
expect_status 1 "$CT" -C dst check --threshold 2
contains "$OUT" "claim c1 revision 1: signed by 1 trusted key, 2 needed; 1 signature by untrusted keys not counted"
expect_status 1 "$CT" -C dst check --threshold 2 --json
contains "$OUT" '"trust": "trust: 2 keys of the trust list'
# --trust adds to the list
expect_status 0 "$CT" -C dst check --threshold 2 --trust stranger.key.pub
contains "$OUT" "trust: 2 keys of the trust list and 1 given with --trust"
# the claim verifies all the same (the stranger's signature, by a key the store has no record
# of, proves nothing either way), shows and counts only the trusted signer, and can be worked on
expect_status 0 "$CT" -C dst show c1
contains "$OUT" "verified:   yes"
contains "$OUT" "$STRANGER (no valid key record in the store: not checked)"
contains "$OUT" "sign-off:   1 of 2 signers (needs 1 more)"
expect_status 0 "$CT" -C dst list --needs-sign-off
contains "$OUT" "c1"
expect_status 0 "$CT" -C dst annotate c1 --key "$TMP/importer.key" --note "checked the import"

# ---- a clone has no trust list: check says which keys it took; the stranger is still not one ----
git clone -q dst clone || exit 99
expect_status 0 "$CT" -C clone trust list
contains "$OUT" "no trust list"
expect_status 0 "$CT" -C clone check
contains "$OUT" "trust: no trust list and no --trust: taking the 2 keys of claims/key/ as given; run 'claimtrail trust add KEY.pub'"
expect_status 1 "$CT" -C clone check --threshold 2
contains "$OUT" "claim c1 revision 1: signed by 1 trusted key, 2 needed"
# bundle import never falls back to the store's keys
expect_status 2 "$CT" -C clone bundle import b.bundle
contains "$ERR" "name the keys you trust"

# ---- an emptied list trusts nothing (it does not fall back to the store's keys) ----
expect_status 0 "$CT" -C dst trust remove "$CREATOR"
expect_status 0 "$CT" -C dst trust remove "$IMPORTER"
expect_status 0 "$CT" -C dst trust list
contains "$OUT" "the trust list is empty"
expect_status 1 "$CT" -C dst check
contains "$OUT" "trust: 0 keys of the trust list"

# a --trust key that cannot be used is a usage problem (exit 4) in check too, as in verify and
# bundle import: exit 1 only ever means that what was checked failed
expect_status 4 "$CT" -C dst check --trust "$TMP/no-such.pub"
one_line "$ERR"
printf '{}\n' >"$TMP/not-a-key.pub"
expect_status 4 "$CT" -C dst check --trust "$TMP/not-a-key.pub"
one_line "$ERR"

finish
