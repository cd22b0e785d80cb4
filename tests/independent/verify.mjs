// An independent verifier for claimtrail signatures, written only from docs/format.md and
// node's built-in crypto: it shares no code with the C implementation.
//
//   node verify.mjs RECORD.json KEY.pub [--dump]
//
// Checks the key record's key id and self-signature, then that RECORD carries a valid
// signature by that key, "valid" as in docs/format.md 2.1. Exit 0 and "OK ..." when it does, 1
// otherwise. --dump prints the canonical body and the PAE bytes (as JSON strings) for the docs'
// worked example.
import { readFileSync } from 'node:fs';
import { createHash, createPublicKey, verify } from 'node:crypto';

// RFC 8785: ES6 number and string serialization are exactly JSON.stringify's; object members
// sorted by UTF-16 code units, which is what the default sort compares.
function canon(v) {
	if (v === null || typeof v === 'boolean' || typeof v === 'string')
		return JSON.stringify(v);
	if (typeof v === 'number') {
		if (!Number.isFinite(v)) throw new Error('non-finite number');
		return JSON.stringify(v);
	}
	if (Array.isArray(v))
		return '[' + v.map(canon).join(',') + ']';
	const keys = Object.keys(v).sort();
	return '{' + keys.map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}

function signingInput(record) {
	const { signatures, ...rest } = record;
	const body = Buffer.from(canon(rest), 'utf8');
	const type = Buffer.from(`application/vnd.claimtrail.${record.type}+json`, 'utf8');
	const head = Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `, 'utf8');
	return { body, pae: Buffer.concat([head, body]) };
}

function strictBase64(s, len) {
	const b = Buffer.from(s, 'base64');
	if (b.length !== len || b.toString('base64') !== s) throw new Error(`bad base64: ${s}`);
	return b;
}

// The rule of docs/format.md 2.1, "When a signature is valid". Node's verify (OpenSSL) checks
// rule 1 and the equation of rule 3, but accepts a small-order A or R, so the point rules are
// checked here with BigInt arithmetic from RFC 8032 section 5.1.
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a) => ((a % P) + P) % P;
function pow(b, e) {
	let r = 1n;
	for (b = mod(b); e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
	return r;
}
const D = mod(-121665n * pow(121666n, P - 2n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);
const littleEndian = (bytes) => BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));

// RFC 8032 5.1.3: the point (x, y) that 32 bytes encode, or null where that decoding fails,
// which includes a y of p or more (rule 2's "canonical").
function decodePoint(bytes) {
	const n = littleEndian(bytes);
	const y = n & ((1n << 255n) - 1n), sign = n >> 255n;
	if (y >= P) return null;
	const u = mod(y * y - 1n), v = mod(D * y * y + 1n);
	let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
	const vxx = mod(v * x * x);
	if (vxx !== u) {
		if (vxx !== mod(-u)) return null; // not on the curve
		x = mod(x * SQRT_M1);
	}
	if (x === 0n && sign === 1n) return null;
	if ((x & 1n) !== sign) x = P - x;
	return { x, y };
}

// Of small order (order dividing 8) exactly when [8]P is the identity: three doublings in
// extended coordinates (RFC 8032 5.1.4; doubling does not need T), then X = 0 and Y = Z.
function smallOrder({ x, y }) {
	let [X, Y, Z] = [x, y, 1n];
	for (let i = 0; i < 3; i++) {
		const a = X * X, b = Y * Y, c = 2n * Z * Z, h = a + b, e = h - (X + Y) ** 2n;
		const g = a - b, f = c + g;
		[X, Y, Z] = [mod(e * f), mod(g * h), mod(f * g)];
	}
	return X === 0n && Y === Z;
}

function validSignature(pae, sig, raw, key) {
	if (littleEndian(sig.subarray(32)) >= L) return false; // rule 1: S < L
	const A = decodePoint(raw); // rule 2: A canonical, on the curve, not of small order
	if (A === null || smallOrder(A)) return false;
	if (!verify(null, pae, key, sig)) return false; // rule 3: the cofactorless equation
	// rule 4: rule 3 made R the encoding of [S]B - [k]A, so that point is R decoded.
	const R = decodePoint(sig.subarray(0, 32));
	return R !== null && !smallOrder(R);
}

function checkSigned(record, keyId, raw, key) {
	const { pae } = signingInput(record);
	const sigs = (record.signatures || []).filter((s) => s.key_id === keyId);
	if (sigs.length === 0) return false;
	return sigs.every((s) => validSignature(pae, strictBase64(s.sig, 64), raw, key));
}

const [recordPath, keyPath, flag] = process.argv.slice(2);
const record = JSON.parse(readFileSync(recordPath, 'utf8'));
const keyRecord = JSON.parse(readFileSync(keyPath, 'utf8'));

if (flag === '--dump') {
	const { body, pae } = signingInput(record);
	console.log(JSON.stringify(body.toString('utf8')));
	console.log(JSON.stringify(pae.toString('utf8')));
	process.exit(0);
}

const raw = strictBase64(keyRecord.public_key, 32);
const keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16);
if (keyRecord.type !== 'key' || keyRecord.algorithm !== 'ed25519' || keyRecord.key_id !== keyId) {
	console.log(`FAIL key ${keyRecord.key_id}: key_id is not derived from public_key`);
	process.exit(1);
}
const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
	format: 'jwk' });
if (!checkSigned(keyRecord, keyId, raw, key)) {
	console.log(`FAIL key ${keyId}: self-signature does not verify`);
	process.exit(1);
}
const name = `${record.type} ${record.type === 'key' ? record.key_id : record.id}`;
if (!checkSigned(record, keyId, raw, key)) {
	console.log(`FAIL ${name}: no valid signature by key ${keyId}`);
	process.exit(1);
}
console.log(`OK ${name} signed by ${keyId}`);
