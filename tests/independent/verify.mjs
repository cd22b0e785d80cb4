// An independent verifier for claimtrail signatures, written only from docs/format.md and
// node's built-in crypto: it shares no code with the C implementation.
//
//   node verify.mjs RECORD.json KEY.pub [--dump]
//
// Checks the key record's key id and self-signature, then that RECORD carries a valid
// signature by that key. Exit 0 and "OK ..." when it does, 1 otherwise. --dump prints the
// canonical body and the PAE bytes (as JSON strings) for the docs' worked example.
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

function checkSigned(record, keyId, key) {
	const { pae } = signingInput(record);
	const sigs = (record.signatures || []).filter((s) => s.key_id === keyId);
	if (sigs.length === 0) return false;
	return sigs.every((s) => verify(null, pae, key, strictBase64(s.sig, 64)));
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
if (!checkSigned(keyRecord, keyId, key)) {
	console.log(`FAIL key ${keyId}: self-signature does not verify`);
	process.exit(1);
}
const name = `${record.type} ${record.type === 'key' ? record.key_id : record.id}`;
if (!checkSigned(record, keyId, key)) {
	console.log(`FAIL ${name}: no valid signature by key ${keyId}`);
	process.exit(1);
}
console.log(`OK ${name} signed by ${keyId}`);
