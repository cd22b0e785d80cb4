#!/bin/sh
# End to end: keys over time (issue 17, docs/keys.md). A stolen key revoked with
# --compromised-since: what it signed before a checkpoint made before that time keeps counting,
# everything after fails check, show, log and list with "revoked", and the key signs nothing
# new. A revocation without a time fails everything the key signed. A rotated key's successor
# is trusted through the old key (only the old key is in the trust list); --retire ends the old
# key. An expired key's later signatures fail. A checkpoint of a rewritten history fails check.
. "$(dirname "$0")/lib.sh"

# The keys come from fixed seeds, so that their ids, and with them the order of key lines in a
# bundle (by key id) and the commits and checkpoint ids, are the same in every run: the
# successor's key line (N) comes before its predecessor's (E), and S's before E's.
seeded() { # NAME SEED-NUMBER FILE
	printf '%064x\n' "$2" >"$3.seed" &&
		"$CT" key generate --unencrypted --seed-file "$3.seed" --name "$1" -o "$3" >/dev/null
}
seeded "Fact Checker" 1 a.key || exit 99
seeded "Editor" 3 e.key || exit 99
seeded "New Laptop" 2 n.key || exit 99
seeded "Short Lived" 5 s.key || exit 99
A=$("$CT" key show a.key | sed -n "s/^key-id: *//p")
E=$("$CT" key show e.key | sed -n "s/^key-id: *//p")
N=$("$CT" key show n.key | sed -n "s/^key-id: *//p")
S=$("$CT" key show s.key | sed -n "s/^key-id: *//p")
[ "$A $E $N $S" = "4a67330b803d5c88 c2b6bf688fb8be00 2c5a92ed92c0b799 0daeb23dfe219d49" ] && ok ||
	fail "the seeded keys have other ids: $A $E $N $S"
at() { SOURCE_DATE_EPOCH=$(date -u -d "$1" +%s); export SOURCE_DATE_EPOCH; }

git init -q -b main repo && cd repo || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/a.key"
expect_status 0 "$CT" trust add "$TMP/e.key.pub"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/a.key"
expect_status 0 "$CT" claim add --id early --statement "An early claim." --source report \
	--key "$TMP/a.key"
# a second revision (stored as r0002-<digest>.json): the checkpoint vouches for it too
expect_status 0 "$CT" claim revise early --statement "An early claim, revised." \
	--reason "a second look" --key "$TMP/a.key"
at 2026-11-02T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
contains "$OUT" "4 records"
CP=$(find claims/checkpoint -name '*.json')
[ -n "$CP" ] && ok || fail "no checkpoint file"
expect_status 0 "$CT" check
contains "$OUT" "OK"

# the thief signs with the stolen key after the compromise
at 2026-11-05T09:00:00Z
expect_status 0 "$CT" claim add --id late --statement "A planted claim." --source report \
	--key "$TMP/a.key"
expect_status 0 "$CT" check

# another key cannot sign a revocation unless the trust list names it as able to
expect_status 4 "$CT" key revoke "$A" --reason "laptop stolen" --key "$TMP/e.key"
contains "$ERR" "which the trust list does not name as able to revoke it"
one_line "$ERR"
expect_status 2 "$CT" key revoke "$A" --key "$TMP/a.key"
contains "$ERR" "--reason is required"
expect_status 4 "$CT" key revoke "$A" --reason x --compromised-since yesterday --key "$TMP/a.key"
contains "$ERR" "is not a time"
at 2026-11-06T09:00:00Z
expect_status 0 "$CT" key revoke "$A" --reason "laptop stolen" --compromised-since 2026-11-03 \
	--key "$TMP/a.key"
contains "$OUT" "key $A revoked: laptop stolen"

expect_status 1 "$CT" check
contains "$OUT" "claim late: signed by 0 trusted keys, 1 needed; key $A is revoked"
not_contains "$OUT" "claim early"
not_contains "$OUT" "source report"
expect_status 0 "$CT" show early
contains "$OUT" "verified:   yes"
contains "$OUT" "signed by:  $A (Fact Checker) [key revoked]"
expect_status 0 "$CT" show late
contains "$OUT" "verified:   NO (revoked): signed by key $A, which is revoked (laptop stolen; compromised since 2026-11-03T00:00:00Z)"
contains "$OUT" "signed by:  (not verified)"
expect_status 0 "$CT" show late --json
contains "$OUT" '"state": "revoked"'
expect_status 0 "$CT" log late
contains "$OUT" "NOT VERIFIED: signed by key $A, which is revoked"
expect_status 0 "$CT" list
contains "$OUT" "late  unverified   NOT VERIFIED: signed by key $A, which is revoked"

# the revoked key signs nothing new; a second revocation is refused
H=$(git rev-parse HEAD)
expect_status 1 "$CT" claim add --id more --statement "More." --source report --key "$TMP/a.key"
contains "$ERR" "key $A is revoked (laptop stolen): it signs nothing new"
one_line "$ERR"
expect_status 1 "$CT" key revoke "$A" --reason "again" --key "$TMP/a.key"
contains "$ERR" "key $A is revoked (laptop stolen)"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "HEAD moved"

# without the checkpoint, nothing vouches for the early signatures: they fail too
git rm -q "$CP" && git commit -q -m "drop the checkpoint" || fail "git rm"
expect_status 1 "$CT" check
contains "$OUT" "claim early: signed by 0 trusted keys, 1 needed; key $A is revoked"
expect_status 0 "$CT" show early
contains "$OUT" "verified:   NO (revoked)"
# list's cache follows the checkpoints, not only the key records
expect_status 0 "$CT" list
contains "$OUT" "early unverified   NOT VERIFIED: signed by key $A, which is revoked"
git revert --no-edit HEAD >/dev/null || fail "git revert"
expect_status 1 "$CT" check
not_contains "$OUT" "claim early"
# other writes refuse to build on what only revoked keys signed
expect_status 1 "$CT" annotate late --note "looks right" --key "$TMP/e.key"
contains "$ERR" "claim late revision 1 does not verify: signed by key $A, which is revoked"
one_line "$ERR"
# recovery: an editor who has checked the planted claim's words signs it off with a live key;
# the revision (signatures valid, chain intact) may be signed again, and then counts
expect_status 0 "$CT" sign-off late --key "$TMP/e.key"
expect_status 0 "$CT" show late
contains "$OUT" "verified:   yes"
contains "$OUT" "signed by:  $A (Fact Checker) [key revoked], $E (Editor)"
expect_status 0 "$CT" check
contains "$OUT" "OK"

# ---- a revocation without a time: every signature of the key fails ----
cd "$TMP" && git init -q -b main plain && cd plain || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/s.key"
expect_status 0 "$CT" trust add "$TMP/e.key.pub"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/s.key"
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
expect_status 0 "$CT" key revoke "$S" --reason "left the desk" --key "$TMP/s.key"
contains "$OUT" "every signature by it fails"
expect_status 1 "$CT" check
contains "$OUT" "source report: signed by 0 trusted keys, 1 needed; key $S is revoked"
expect_status 0 "$CT" source show report
contains "$OUT" "verified:   NO (revoked): signed by key $S, which is revoked (left the desk)"

# ---- rotation: only the old key is trusted; its successor is trusted through it ----
cd "$TMP" && git init -q -b main rot && cd rot || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/e.key"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/e.key"
expect_status 0 "$CT" claim add --id by-new --statement "Signed by the new key." \
	--source report --key "$TMP/n.key"
expect_status 1 "$CT" check
contains "$OUT" "claim by-new: signed by 0 trusted keys, 1 needed; key $N is not trusted"
expect_status 0 "$CT" key rotate "$TMP/e.key" --to "$TMP/n.key"
contains "$OUT" "key $N succeeds key $E"
expect_status 0 "$CT" check
contains "$OUT" "OK"
expect_status 0 "$CT" trust list
not_contains "$OUT" "$N"
# retire the old key: it signs nothing new, its successor stays trusted
at 2026-11-02T09:00:00Z
expect_status 4 "$CT" key rotate "$TMP/e.key" --to "$TMP/n.key"
contains "$ERR" "the store holds this record already"
git rm -q "claims/key/$N.json" && git commit -q -m "forget the successor" || fail "git rm"
expect_status 0 "$CT" key rotate "$TMP/e.key" --to "$TMP/n.key" --retire
contains "$OUT" "key $E retired"
expect_status 1 "$CT" claim add --id by-old --statement "Old key." --source report --key "$TMP/e.key"
contains "$ERR" "key $E is revoked (retired: succeeded by key $N): it signs nothing new"
expect_status 0 "$CT" claim add --id by-new-2 --statement "New key again." --source report \
	--key "$TMP/n.key"
expect_status 0 "$CT" show by-new-2
contains "$OUT" "verified:   yes"
# --retire checkpointed the branch first (signed by the successor): what the old key signed
# before it retired stays vouched for
expect_status 0 "$CT" check
contains "$OUT" "OK"
expect_status 0 "$CT" show by-new
contains "$OUT" "verified:   yes"
# a bundle carries the successor's record (rotated_from) and the retired key's revocation
# (compromised_since, successor): the independent verifier (docs/ alone) reads them as claimtrail
# does. The retirement's checkpoint (signed by the successor) travels with the bundle and
# vouches for what the old key signed before it retired (bundle.md 1.5).
expect_status 0 "$CT" bundle create by-new-2 -o ../rot.bundle --key "$TMP/n.key"
mkdir ../trust-new && cp "$TMP/n.key.pub" "$TMP/e.key.pub" ../trust-new/ || exit 99
expect_status 0 "$CT" verify ../rot.bundle --trust ../trust-new
contains "$OUT" "key $E: OK [key.selfsigned, key.trusted, key.revoked]"
contains "$OUT" "key $N: OK [key.selfsigned, key.trusted]"
not_contains "$OUT" "key $N: OK [key.selfsigned, key.trusted, key.revoked]"
contains "$OUT" "source report@1: OK [signature.vouched, signature.valid"
if command -v node >/dev/null 2>&1; then
	expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --bundle ../rot.bundle \
		--trust ../trust-new
	not_contains "$OUT" "record.malformed"
	contains "$OUT" "signature.vouched"
fi
# verify and import trust the successor through the old key, as check does: a bundle of a
# claim signed by the new key only, verified by a reader who trusts only the old key
expect_status 0 "$CT" bundle create by-new -o ../succ.bundle --key "$TMP/n.key"
mkdir ../trust-old && cp "$TMP/e.key.pub" ../trust-old/ || exit 99
# (the old key's source revision is vouched for by the retirement's checkpoint)
expect_status 0 "$CT" -C / verify "$TMP/succ.bundle" --trust ../trust-old
contains "$OUT" "claim by-new@1: OK [signature.valid"
contains "$OUT" "signature.vouched"
# a rotation without retirement: a reader who trusts only the old key imports what the new
# key signed, and its check trusts the new key through the old one
cd "$TMP" && git init -q -b main rot2 && cd rot2 || exit 99
expect_status 0 "$CT" init --key "$TMP/e.key"
expect_status 0 "$CT" key rotate "$TMP/e.key" --to "$TMP/n.key"
expect_status 0 "$CT" source add --id paper --title "A paper" --publisher "Desk" --key "$TMP/n.key"
expect_status 0 "$CT" claim add --id new-only --statement "Only the new key." --source paper \
	--key "$TMP/n.key"
expect_status 0 "$CT" bundle create new-only -o ../new-only.bundle --key "$TMP/n.key"
cd "$TMP" && git init -q -b main reader && cd reader || exit 99
expect_status 0 "$CT" init --key "$TMP/s.key"
expect_status 0 "$CT" verify ../new-only.bundle --trust "$TMP/e.key.pub"
expect_status 0 "$CT" bundle import ../new-only.bundle --trust "$TMP/e.key.pub"
expect_status 0 "$CT" trust add "$TMP/e.key.pub"
expect_status 0 "$CT" check
contains "$OUT" "OK"
expect_status 0 "$CT" show new-only
contains "$OUT" "verified:   yes"
cd "$TMP/rot" || exit 99
# a key rotated from a key nobody trusts is not trusted
expect_status 0 "$CT" trust remove "$E"
expect_status 1 "$CT" check --trust "$TMP/s.key.pub"
contains "$OUT" "claim by-new-2: signed by 0 trusted keys, 1 needed; key $N is not trusted"

# ---- expiry: a key with "expires" signs nothing after it; later signatures fail ----
cd "$TMP" && git init -q -b main exp && cd exp || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/e.key"
expect_status 0 "$CT" key rotate "$TMP/e.key" --to "$TMP/s.key" --expires 2026-11-10
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/s.key"
expect_status 0 "$CT" claim add --id vouched --statement "Before expiry, checkpointed." \
	--source report --key "$TMP/s.key"
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
at 2026-11-09T09:00:00Z
expect_status 0 "$CT" claim add --id unvouched --statement "Before expiry, no checkpoint." \
	--source report --key "$TMP/s.key"
expect_status 0 "$CT" list
contains "$OUT" "unvouched"
not_contains "$OUT" "unverified"
at 2026-11-11T09:00:00Z
# the key expired with time alone: list's cache does not keep the old answer
expect_status 0 "$CT" list
contains "$OUT" "unvouched unverified   NOT VERIFIED: signed by key $S, which expired at 2026-11-10T00:00:00Z"
expect_status 1 "$CT" claim add --id after --statement "After." --source report --key "$TMP/s.key"
contains "$ERR" "key $S expired at 2026-11-10T00:00:00Z: it signs nothing new"
expect_status 1 "$CT" check
contains "$OUT" "claim unvouched: signed by 0 trusted keys, 1 needed; key $S expired at 2026-11-10T00:00:00Z"
not_contains "$OUT" "source report"
expect_status 0 "$CT" show unvouched
contains "$OUT" "verified:   NO (expired): signed by key $S, which expired at 2026-11-10T00:00:00Z"
# publish marks a signature by an expired key as show does, whether a checkpoint vouches for it
# or not (it verifies: not "does not verify")
expect_status 0 "$CT" publish -o ../exp-pub --base-url https://desk.example/ --all
grep -q "verifies, but the key has expired" ../exp-pub/claim/unvouched.html && ok ||
	fail "publish does not say that unvouched's key has expired"
grep -q "does not verify</span>" ../exp-pub/claim/unvouched.html && fail "publish says unvouched's signature does not verify" || ok
grep -q "verifies, but the key has expired" ../exp-pub/claim/vouched.html && ok ||
	fail "publish does not mark vouched's expired key"

# bundles apply "expires" by the same rule (verify, bundle import, bundle show): made before the
# expiry, judged after it; the reader trusts only the editor, and S through its rotation
at 2026-11-09T10:00:00Z
expect_status 0 "$CT" bundle create vouched -o ../exp-vouched.bundle --key "$TMP/e.key"
expect_status 0 "$CT" bundle create unvouched -o ../exp-unvouched.bundle --key "$TMP/e.key"
at 2026-11-11T09:00:00Z
expect_status 0 "$CT" -C / verify "$TMP/exp-vouched.bundle" --trust "$TMP/e.key.pub"
contains "$OUT" "claim vouched@1: OK [signature.vouched, signature.valid"
expect_status 1 "$CT" -C / verify "$TMP/exp-unvouched.bundle" --trust "$TMP/e.key.pub"
contains "$OUT" "claim unvouched@1: FAILED [signature.expired, signature.untrusted"
contains "$ERR" "claim unvouched revision 1: signed by 0 trusted keys, 1 needed; key $S expired at 2026-11-10T00:00:00Z (its later signatures, or those no earlier checkpoint vouches for, fail)"
one_line "$ERR"
# before the expiry the same bundle verifies
at 2026-11-09T11:00:00Z
expect_status 0 "$CT" -C / verify "$TMP/exp-unvouched.bundle" --trust "$TMP/e.key.pub"
at 2026-11-11T09:00:00Z
"$CT" key generate --unencrypted --name "Reader" -o "$TMP/r.key" >/dev/null || exit 99
cd "$TMP" && git init -q -b main exp-reader && cd exp-reader || exit 99
expect_status 0 "$CT" init --key "$TMP/r.key"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" bundle import ../exp-unvouched.bundle --trust "$TMP/e.key.pub"
contains "$ERR" "key $S expired at 2026-11-10T00:00:00Z"
[ "$(git rev-parse HEAD)" = "$H" ] && [ -z "$(git status --porcelain)" ] && ok ||
	fail "a refused import changed the store"
expect_status 1 "$CT" bundle show ../exp-unvouched.bundle --trust "$TMP/e.key.pub"
contains "$ERR" "key $S expired at 2026-11-10T00:00:00Z"
expect_status 1 "$CT" publish -o ../exp-site --base-url https://desk.example/ \
	--from ../exp-unvouched.bundle --trust "$TMP/e.key.pub"
contains "$ERR" "key $S expired at 2026-11-10T00:00:00Z"
[ ! -e ../exp-site/index.html ] && ok || fail "publish --from wrote a site from a refused bundle"
expect_status 0 "$CT" publish -o ../exp-site --base-url https://desk.example/ \
	--from ../exp-vouched.bundle --trust "$TMP/e.key.pub"
expect_status 0 "$CT" bundle show ../exp-vouched.bundle vouched --trust "$TMP/e.key.pub"
contains "$OUT" "Before expiry, checkpointed."
expect_status 0 "$CT" bundle import ../exp-vouched.bundle --trust "$TMP/e.key.pub"
[ "$(git rev-parse HEAD)" != "$H" ] && ok || fail "import of the vouched bundle wrote nothing"
# a record signed after the expiry, in a store that never learnt it (S's plain record): a
# reader who holds S's record with its expires refuses it
cd "$TMP" && git init -q -b main exp-late && cd exp-late || exit 99
expect_status 0 "$CT" init --key "$TMP/s.key"
expect_status 0 "$CT" source add --id late --title "Late" --publisher "Desk" --key "$TMP/s.key"
expect_status 0 "$CT" claim add --id after --statement "After expiry." --source late \
	--key "$TMP/s.key"
expect_status 0 "$CT" bundle create after -o ../exp-after.bundle --key "$TMP/s.key"
expect_status 0 "$CT" -C / verify "$TMP/exp-after.bundle" --trust "$TMP/s.key.pub"
expect_status 1 "$CT" -C / verify "$TMP/exp-after.bundle" --trust "$TMP/exp/claims/key/$S.json"
contains "$OUT" "claim after@1: FAILED [signature.expired"
contains "$OUT" "bundle.signature.untrusted"
contains "$ERR" "key $S expired at 2026-11-10T00:00:00Z"

# ---- sync: a clone that pulls the revocation refuses what the key signed after the compromise
# ("revoked"), and takes what a fetched checkpoint made before it vouches for ----
cd "$TMP" && git init -q -b main sdesk && cd sdesk || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/a.key"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/a.key"
cd "$TMP" && git clone -q sdesk sreader && cd sreader || exit 99
expect_status 0 "$CT" trust add "$TMP/a.key.pub"
expect_status 0 "$CT" trust add "$TMP/e.key.pub"
cd "$TMP/sdesk" || exit 99
at 2026-11-01T12:00:00Z
expect_status 0 "$CT" claim add --id early --statement "Early." --source report --key "$TMP/a.key"
at 2026-11-02T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
at 2026-11-05T09:00:00Z
expect_status 0 "$CT" claim add --id late --statement "Planted." --source report --key "$TMP/a.key"
at 2026-11-06T09:00:00Z
expect_status 0 "$CT" key revoke "$A" --reason "laptop stolen" --compromised-since 2026-11-03 \
	--key "$TMP/a.key"
cd "$TMP/sreader" || exit 99
at 2026-11-07T09:00:00Z
H=$(git rev-parse HEAD)
expect_status 1 "$CT" fetch
contains "$OUT" "claim late: signed by 0 trusted keys, 1 needed; key $A is revoked"
not_contains "$OUT" "claim early"
contains "$OUT" "1 problem"
expect_status 1 "$CT" pull
contains "$ERR" "nothing merged: 1 problem"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "pull merged a record signed by a revoked key"

# ---- a checkpoint that does not match history fails check ----
cd "$TMP/repo" || exit 99
at 2026-11-07T09:00:00Z
cp "$CP" ../cp.json
# a rewritten history: the commits are made again (new ids), the old checkpoint kept
git checkout -q --orphan rewritten || fail "git checkout"
git rm -rq --cached . >/dev/null && rm -rf claims
expect_status 0 "$CT" init --key "$TMP/e.key"
mkdir -p claims/checkpoint && cp ../cp.json "$CP" && git add "$CP" &&
	git commit -q -m "an old checkpoint" || fail "commit"
expect_status 1 "$CT" check
contains "$OUT" "checkpoint $(basename "$CP" .json): names commit"
contains "$OUT" "which is not in the branch's history (a rewritten history?)"
# a checkpoint whose root does not match the records at its commit
git checkout -q main || fail "git checkout main"
node -e '
	const fs = require("fs"), f = process.argv[1], r = JSON.parse(fs.readFileSync(f, "utf8"));
	r.records = r.records + 1;
	fs.writeFileSync(f, JSON.stringify(r, null, 2) + "\n");' "$CP"
git commit -q -a -m "a checkpoint edited by hand" || fail "git commit"
expect_status 1 "$CT" check
contains "$OUT" "does not verify"
contains "$OUT" "records), not the sha256:"

finish
