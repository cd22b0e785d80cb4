#!/bin/sh
# End to end: verify BUNDLE --state FILE [--max-age DURATION] (issue 17, point 5; TUF's rollback
# and freeze attacks). A reader that remembers the newest bundle it verified from a signer
# refuses an older bundle replayed later, and a bundle older than --max-age, each with the
# reason, and keeps its state unchanged when it refuses. Also: a revoked key's signatures fail
# verify and bundle import with "revoked".
. "$(dirname "$0")/lib.sh"

"$CT" key generate --unencrypted --name "Desk" -o k.key >/dev/null || exit 99
KEY=$("$CT" key show k.key | sed -n "s/^key-id: *//p")
export CLAIMTRAIL_KEY="$TMP/k.key"
at() { SOURCE_DATE_EPOCH=$(date -u -d "$1" +%s); export SOURCE_DATE_EPOCH; }
git init -q -b main repo && cd repo || exit 99
at 2026-11-01T09:00:00Z
expect_status 0 "$CT" init
expect_status 0 "$CT" source add --id report --title "A report" --publisher "Desk"
expect_status 0 "$CT" claim add --id c1 --statement "The first claim." --source report
expect_status 0 "$CT" bundle create --all -o ../monday.bundle
at 2026-11-03T09:00:00Z
expect_status 0 "$CT" claim revise c1 --statement "The first claim, corrected." --reason "typo"
expect_status 0 "$CT" bundle create --all -o ../wednesday.bundle
cd .. || exit 99

# the reader: first Monday's, then Wednesday's bundle; the state file remembers the newest
at 2026-11-03T10:00:00Z
expect_status 0 "$CT" verify monday.bundle --trust k.key.pub --state reader.state
contains "$OUT" "fresh: no older than any bundle by $KEY"
[ -f reader.state ] && ok || fail "no state file"
expect_status 0 "$CT" verify wednesday.bundle --trust k.key.pub --state reader.state
contains "$(cat reader.state)" '"created": "2026-11-03T09:00:00Z"'
cp reader.state before.state

# rollback: Monday's bundle replayed after Wednesday's was seen
expect_status 1 "$CT" verify monday.bundle --trust k.key.pub --state reader.state
contains "$ERR" "rollback: this bundle by key $KEY was made at 2026-11-01T09:00:00Z, before the one made at 2026-11-03T09:00:00Z that reader.state has already seen"
one_line "$ERR"
contains "$OUT" "verified, but REFUSED"
cmp -s reader.state before.state && ok || fail "the state changed after a refusal"
# without --state, the same bundle still verifies: freshness is the reader's memory
expect_status 0 "$CT" verify monday.bundle --trust k.key.pub
# the same time, other contents: refused too
cp wednesday.bundle same.bundle
(cd repo && at 2026-11-03T09:00:00Z && "$CT" bundle create c1 --history -o ../same.bundle >/dev/null) ||
	fail "bundle create"
expect_status 1 "$CT" verify same.bundle --trust k.key.pub --state reader.state
contains "$ERR" "with other contents"

# freeze: nothing newer than Wednesday's bundle for longer than --max-age
at 2026-11-20T10:00:00Z
expect_status 1 "$CT" verify wednesday.bundle --trust k.key.pub --state reader.state --max-age 7d
contains "$ERR" "freeze: the newest bundle by key $KEY was made at 2026-11-03T09:00:00Z, more than 604800 seconds ago (--max-age)"
one_line "$ERR"
expect_status 0 "$CT" verify wednesday.bundle --trust k.key.pub --state reader.state --max-age 30d
expect_status 2 "$CT" verify wednesday.bundle --trust k.key.pub --state reader.state --max-age soon
contains "$ERR" "is not a duration"
expect_status 2 "$CT" verify wednesday.bundle --trust k.key.pub --max-age 7d
contains "$ERR" "--max-age needs --state FILE"
# a damaged state file is refused, not overwritten
echo '{"format":"something-else"}' >bad.state
expect_status 4 "$CT" verify wednesday.bundle --trust k.key.pub --state bad.state
contains "$ERR" "not a claimtrail verify state file"
contains "$(cat bad.state)" "something-else"
# a bundle that does not verify is not remembered
node -e '
	const fs = require("fs"), l = fs.readFileSync(process.argv[1], "utf8").split("\n");
	const e = JSON.parse(l[3]), s = e.signatures[0].sig;
	e.signatures[0].sig = (s[0] === "A" ? "B" : "A") + s.slice(1);
	l[3] = JSON.stringify(e);
	fs.writeFileSync(process.argv[2], l.join("\n"));' wednesday.bundle broken.bundle
expect_status 1 "$CT" verify broken.bundle --trust k.key.pub --state new.state
[ ! -e new.state ] && ok || fail "a state was written for a bundle that does not verify"

# ---- a revoked key: its bundles fail verify and import with "revoked" ----
at 2026-11-21T09:00:00Z
cd repo || exit 99
expect_status 0 "$CT" key revoke "$KEY" --reason "key lost" --key "$TMP/k.key"
cd .. || exit 99
"$CT" key generate --unencrypted --name "Reader" -o r.key >/dev/null || exit 99
git init -q -b main other && cd other || exit 99
expect_status 0 "$CT" init --key "$TMP/r.key"
cp "$TMP/repo/claims/key/$KEY.json" "$TMP/revoked.pub"
expect_status 1 "$CT" verify ../wednesday.bundle --trust "$TMP/k.key.pub" --trust "$TMP/revoked.pub"
contains "$OUT" "signature.revoked"
contains "$ERR" "key $KEY is revoked"
H=$(git rev-parse HEAD)
expect_status 1 "$CT" bundle import ../wednesday.bundle --trust "$TMP/revoked.pub"
contains "$ERR" "key $KEY is revoked"
[ "$(git rev-parse HEAD)" = "$H" ] && ok || fail "bundle import wrote something"

finish
