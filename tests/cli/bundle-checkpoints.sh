#!/bin/sh
# End to end: checkpoints travel in bundles (issue 17, docs/bundle.md 1.5). A key revoked with
# --compromised-since: what it signed before, held by a checkpoint made before that time and
# signed by a live trusted key, keeps verifying in `verify` and `bundle import`; what it signed
# later, or what only a later checkpoint holds, fails. The independent verifier agrees.
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Fact Checker" -o a.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Editor" -o e.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Reader" -o r.key >/dev/null || exit 99
"$CT" key generate --unencrypted --name "Mirror" -o m.key >/dev/null || exit 99
A=$("$CT" key show a.key | sed -n "s/^key-id: *//p")
E=$("$CT" key show e.key | sed -n "s/^key-id: *//p")
at() { SOURCE_DATE_EPOCH=$(date -u -d "$1" +%s); export SOURCE_DATE_EPOCH; }
mkdir trust && cp a.key.pub e.key.pub m.key.pub trust/ || exit 99

git init -q -b main desk && cd desk || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init --key "$TMP/a.key"
expect_status 0 "$CT" trust add "$TMP/e.key.pub"
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk" --key "$TMP/a.key"
expect_status 0 "$CT" claim add --id early --statement "An early claim." --source report \
	--key "$TMP/a.key"
at 2026-11-02T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
at 2026-11-05T09:00:00Z
expect_status 0 "$CT" claim add --id late --statement "A planted claim." --source report \
	--key "$TMP/a.key"
at 2026-11-06T09:00:00Z
expect_status 0 "$CT" key revoke "$A" --reason "laptop stolen" --compromised-since 2026-11-03 \
	--key "$TMP/a.key"
# a checkpoint made after the compromise holds "late", but vouches for nothing before it
at 2026-11-07T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
expect_status 1 "$CT" check
contains "$OUT" "claim late: signed by 0 trusted keys, 1 needed; key $A is revoked"
not_contains "$OUT" "claim early"

# the bundle carries the checkpoints (after the keys) and a proof line for the records the
# revoked key signed
expect_status 0 "$CT" bundle create early -o ../early.bundle --key "$TMP/e.key"
[ "$(grep -c 'application/vnd.claimtrail.checkpoint+json' ../early.bundle)" -eq 2 ] && ok ||
	fail "early.bundle does not carry the two checkpoints"
grep -q 'application/vnd.claimtrail.checkpoint-proof+json' ../early.bundle && ok ||
	fail "early.bundle carries no checkpoint proof"

# "before T": the early claim and its source verify, vouched for by the editor's checkpoint
# (the reader's trust comes from ../trust alone: -C / has no trust list)
expect_status 0 "$CT" -C / verify "$TMP/early.bundle" --trust "$TMP/trust"
contains "$OUT" "claim early@1: OK [signature.vouched, signature.valid, chain.valid]"
contains "$OUT" "source report@1: OK [signature.vouched, signature.valid, chain.valid]"
contains "$OUT" "checkpoint.trusted"
contains "$OUT" "proof.valid"
# the late claim cannot go into a bundle at all (bundle create carries what verifies)
expect_status 1 "$CT" bundle create late -o ../late.bundle --key "$TMP/e.key"
contains "$ERR" "claim late revision 1 does not verify"
# a reader who does not trust the editor has no checkpoint that vouches: every signature of the
# revoked key fails, as in a bundle without checkpoints
mkdir ../trust-a && cp "$TMP/a.key.pub" "$TMP/r.key.pub" ../trust-a/ || exit 99
expect_status 1 "$CT" -C / verify "$TMP/early.bundle" --trust "$TMP/trust-a"
contains "$OUT" "checkpoint.untrusted"
contains "$OUT" "claim early@1: FAILED [signature.revoked"

# import applies the same rule; the checkpoints are not stored in the reader's store
cd "$TMP" && git init -q -b main reader && cd reader || exit 99
expect_status 0 "$CT" init --key "$TMP/r.key"
expect_status 1 "$CT" bundle import ../early.bundle --trust ../trust-a
H=$(git rev-parse HEAD)
expect_status 0 "$CT" bundle import ../early.bundle --trust ../trust
[ "$(git rev-parse HEAD)" != "$H" ] && ok || fail "import wrote nothing"
[ ! -d claims/checkpoint ] && ok || fail "import stored the desk's checkpoints"
expect_status 0 "$CT" bundle show ../early.bundle --trust ../trust
contains "$OUT" "early"

# verify --state remembers, per signer, the newest checkpoint that vouches (bundle.md,
# "Freshness"): a replayed bundle whose newest checkpoint is older is a rollback, even when
# another key made the bundle (a mirror serving an old copy); a checkpoint older than --max-age
# is a freeze
cd "$TMP/desk" || exit 99
at 2026-11-07T10:00:00Z
expect_status 0 "$CT" bundle create early -o ../mirror.bundle --key "$TMP/m.key"
at 2026-11-08T09:00:00Z
expect_status 0 "$CT" checkpoint --key "$TMP/e.key"
expect_status 0 "$CT" bundle create early -o ../newer.bundle --key "$TMP/e.key"
at 2026-11-09T09:00:00Z
expect_status 0 "$CT" -C / verify "$TMP/newer.bundle" --trust "$TMP/trust" --state "$TMP/r.state"
contains "$(cat ../r.state)" '"checkpoints"'
contains "$(cat ../r.state)" '"created": "2026-11-08T09:00:00Z"'
cp ../r.state ../r.state.before
expect_status 1 "$CT" -C / verify "$TMP/early.bundle" --trust "$TMP/trust" --state "$TMP/r.state"
contains "$ERR" "rollback: the newest checkpoint by key $E in this bundle was made at 2026-11-07T09:00:00Z, before the one made at 2026-11-08T09:00:00Z"
cmp -s ../r.state ../r.state.before && ok || fail "a refused bundle changed the state file"
expect_status 1 "$CT" -C / verify "$TMP/mirror.bundle" --trust "$TMP/trust" --state "$TMP/r.state"
contains "$ERR" "rollback: the newest checkpoint by key $E in this bundle was made at 2026-11-07T09:00:00Z"
expect_status 0 "$CT" -C / verify "$TMP/newer.bundle" --trust "$TMP/trust" --state "$TMP/r.state" \
	--max-age 2d
at 2026-11-20T09:00:00Z
expect_status 1 "$CT" -C / verify "$TMP/newer.bundle" --trust "$TMP/trust" --state "$TMP/r.state" \
	--max-age 2d
contains "$ERR" "freeze: the newest checkpoint by key $E was made at 2026-11-08T09:00:00Z"
cd "$TMP/reader" || exit 99

# the independent verifier (docs/ alone) reads checkpoints and proofs as claimtrail does
if command -v node >/dev/null 2>&1; then
	expect_status 0 node "$SRCDIR/tests/independent/verify.mjs" --bundle ../early.bundle \
		--trust ../trust
	contains "$OUT" "signature.vouched"
	expect_status 1 node "$SRCDIR/tests/independent/verify.mjs" --bundle ../early.bundle \
		--trust ../trust-a
	# a proof changed (its leaf index moved) no longer proves inclusion in the checkpoint's
	# tree: proof.mismatch, whatever the line's signature and the trailer say
	node -e '
		const fs = require("fs");
		const lines = fs.readFileSync(process.argv[1], "latin1").split("\n");
		for (let i = 0; i < lines.length; i++) {
			if (!lines[i].includes("checkpoint-proof+json")) continue;
			const e = JSON.parse(lines[i]);
			const p = JSON.parse(Buffer.from(e.payload, "base64").toString("utf8"));
			for (const l of p.leaves) l.leaf_index += 1;
			e.payload = Buffer.from(JSON.stringify(p)).toString("base64");
			lines[i] = JSON.stringify(e);
		}
		fs.writeFileSync(process.argv[2], lines.join("\n"), "latin1");
	' ../early.bundle ../bad.bundle || exit 99
	expect_status 1 "$CT" -C / verify "$TMP/bad.bundle" --trust "$TMP/trust"
	contains "$OUT" "proof.mismatch"
	contains "$OUT" "merkle.mismatch"
	contains "$OUT" "claim early@1: FAILED [signature.revoked"
	expect_status 1 node "$SRCDIR/tests/independent/verify.mjs" --bundle ../bad.bundle \
		--trust ../trust
	contains "$OUT" "proof.mismatch"
fi
finish
