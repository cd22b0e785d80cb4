#!/bin/sh
# Signatures made by claimtrail verify with an independent implementation (node's crypto and
# a JCS written from the spec), and the independent verifier rejects what claimtrail rejects.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node is not installed"
	exit 77
fi
VERIFY="$SRCDIR/tests/independent/verify.mjs"
export SOURCE_DATE_EPOCH=1700000000

expect_status 0 "$CT" key generate --unencrypted --name 'Zoë Example' --org 'Fact desk' -o k.key
expect_status 0 "$CT" key generate --unencrypted -o other.key

# Strings that exercise JCS escaping and UTF-8: quotes, backslash, control characters,
# U+2028, non-ASCII letters, an astral character; integers at the safe limits.
cat >claim.json <<'JSON'
{
  "type": "claim",
  "id": "iskp-foreign-fighters-6000",
  "revision": 1,
  "created": "2024-04-01T12:00:00Z",
  "statement": "\"As many as\" 6,000 \\ fighters\t— Zoë, «Кроку́с» \u2028 \ud83d\ude00 \u001f",
  "attribution": {"source": "crocus-oped", "quote": "as many as 6,000",
    "selector": {"exact": "as many as 6,000", "prefix": "", "suffix": " foreign", "start": 0, "end": 9007199254740991}},
  "quantity": {"amount": "6000", "qualifier": "as many as"},
  "tags": ["iskp", "afghanistan"]
}
JSON
cat >source.json <<'JSON'
{"type": "source", "id": "crocus-oped", "revision": 1, "created": "2024-04-01T12:00:00Z",
 "title": "After Crocus", "publisher": "The Daily", "published": "2024-03-28"}
JSON
expect_status 0 "$CT" sign claim.json --key k.key
expect_status 0 "$CT" sign claim.json --key other.key
expect_status 0 "$CT" sign source.json --key k.key

expect_status 0 node "$VERIFY" claim.json k.key.pub
contains "$OUT" "OK claim iskp-foreign-fighters-6000"
expect_status 0 node "$VERIFY" claim.json other.key.pub
expect_status 0 node "$VERIFY" source.json k.key.pub
expect_status 0 node "$VERIFY" k.key.pub k.key.pub
contains "$OUT" "OK key "

# The canonical body node computes is the one claimtrail canon computes.
node "$VERIFY" claim.json k.key.pub --dump | head -n 1 >node-body.txt
node -e 'const r=JSON.parse(require("fs").readFileSync("claim.json","utf8"));delete r.signatures;process.stdout.write(JSON.stringify(r))' >nosig.json
"$CT" canon nosig.json >c-body.txt
node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync("node-body.txt","utf8")))' >n-body.txt
cmp -s c-body.txt n-body.txt && ok || fail "canonical bodies differ"

# What claimtrail rejects, node rejects too.
sed 's/"created": "2024-04-01T12:00:00Z"/"created": "2024-04-01T12:00:01Z"/' claim.json >edited.json
expect_status 1 node "$VERIFY" edited.json k.key.pub
expect_status 1 "$CT" verify edited.json --trust k.key.pub
# A source signature does not carry over to a claim made of the same members.
node -e '
const fs=require("fs");const c=JSON.parse(fs.readFileSync("source.json","utf8"));
c.type="claim";fs.writeFileSync("replay.json",JSON.stringify(c));' 
expect_status 1 node "$VERIFY" replay.json k.key.pub
expect_status 1 node "$VERIFY" claim.json /dev/null 2>/dev/null || true

finish
