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

# Signatures at the edges of the rule in docs/format.md 2.1, where OpenSSL (node's verify) alone
# gives another verdict than the rule: verify.mjs must refuse them as claimtrail does. craft.mjs
# makes them from the docs (BigInt scalars mod L, node's SHA-512, bodies from claimtrail canon)
# and prints, for each, whether node's plain crypto.verify accepts it.
cat >craft.mjs <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const fromLE = (b) => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
const toLE = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
const sha512 = (...parts) => createHash('sha512').update(Buffer.concat(parts)).digest();
const read = (f) => JSON.parse(readFileSync(f, 'utf8'));
const write = (f, r) => writeFileSync(f, JSON.stringify(r));

// The key file's seed (docs/format.md 3, kdf none) and RFC 8032 5.1.5's secret scalar a: the
// clamped first half of SHA-512(seed).
function scalar(keyFile) {
	const seed = Buffer.from(readFileSync(keyFile, 'utf8').match(/^secret: (.*)$/m)[1], 'base64');
	const h = sha512(seed).subarray(0, 32);
	h[0] &= 248; h[31] &= 127; h[31] |= 64;
	return fromLE(h);
}
function pae(record) {
	const { signatures, ...rest } = record;
	const body = execFileSync(process.env.CLAIMTRAIL, ['canon'], { input: JSON.stringify(rest) });
	const type = `application/vnd.claimtrail.${record.type}+json`;
	return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
}
// record signed as keyId by public key A with the signature sigOf(M) of its PAE bytes M.
function signed(record, keyId, A, sigOf) {
	const M = pae(record), sig = sigOf(M);
	const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: A.toString('base64url') },
		format: 'jwk' });
	console.log(`plain verify: ${verify(null, M, key, sig)}`);
	return { ...record, signatures: [{ key_id: keyId, sig: sig.toString('base64') }] };
}

const [mode, keyFile, pubFile, inFile, outFile, outKeyFile] = process.argv.slice(2);
const pub = read(pubFile), A = Buffer.from(pub.public_key, 'base64');
if (mode === 'identity-r') {
	// R = the identity, S = k*a: [S]B - [k]A = [ka]B - [k][a]B = identity = R.
	const R = toLE(1n), a = scalar(keyFile);
	write(outFile, signed(read(inFile), pub.key_id, A, (M) =>
		Buffer.concat([R, toLE(((fromLE(sha512(R, A, M)) % L) * a) % L)])));
} else if (mode === 's-plus-l') {
	// The key's signature on inFile with S + L for S: the same equation, but S is not below L.
	const sig = Buffer.from(read(inFile).signatures.find((s) => s.key_id === pub.key_id).sig, 'base64');
	write(outFile, signed(read(inFile), pub.key_id, A, () =>
		Buffer.concat([sig.subarray(0, 32), toLE(fromLE(sig.subarray(32)) + L)])));
} else if (mode === 'identity-a') {
	// Public key = the identity, R = the key's own A = [a]B, S = a mod L: [S]B - [k]identity = R
	// for every message. A self-signed key record for it, and inFile signed by it.
	const id = toLE(1n), keyId = createHash('sha256').update(id).digest('hex').slice(0, 16);
	const sig = Buffer.concat([A, toLE(scalar(keyFile) % L)]);
	const key = { type: 'key', key_id: keyId, algorithm: 'ed25519', public_key: id.toString('base64'),
		created: pub.created };
	write(outKeyFile, signed(key, keyId, id, () => sig));
	write(outFile, signed(read(inFile), keyId, id, () => sig));
}
JS
expect_status 0 "$CT" key generate --unencrypted -o edge.key

# Rule 4: R is the identity's encoding and the cofactorless equation holds, so OpenSSL accepts
# it; the point is of small order.
expect_status 0 node craft.mjs identity-r edge.key edge.key.pub nosig.json rule4.json
[ "$OUT" = "plain verify: true" ] && ok || fail "OpenSSL alone does not accept the rule 4 fixture: $OUT"
expect_status 1 "$CT" verify rule4.json --trust edge.key.pub
contains "$ERR" "does not verify"
expect_status 1 node "$VERIFY" rule4.json edge.key.pub
contains "$OUT" "FAIL claim iskp-foreign-fighters-6000: no valid signature"

# Rule 2: the public key is the identity, so any R = [S]B passes the equation (OpenSSL accepts
# both signatures); the key is of small order, and its self-signature is not valid.
expect_status 0 node craft.mjs identity-a edge.key edge.key.pub nosig.json rule2.json small.pub
[ "$OUT" = "$(printf 'plain verify: true\nplain verify: true')" ] && ok ||
	fail "OpenSSL alone does not accept the rule 2 fixtures: $OUT"
# a trust key that is not a valid key record: exit 4, as the man page says
expect_status 4 "$CT" verify rule2.json --trust small.pub
contains "$ERR" "self-signature does not verify"
expect_status 1 node "$VERIFY" rule2.json small.pub
contains "$OUT" "self-signature does not verify"

# Rule 1: S + L for S. OpenSSL 3 refuses it too, so this checks the verdict, not which code
# gives it.
expect_status 0 node craft.mjs s-plus-l k.key k.key.pub claim.json rule1.json
echo "rule 1 fixture, node's crypto.verify alone: $OUT"
expect_status 1 "$CT" verify rule1.json --trust k.key.pub
contains "$ERR" "does not verify"
expect_status 1 node "$VERIFY" rule1.json k.key.pub

finish
