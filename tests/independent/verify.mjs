// An independent verifier for claimtrail signatures and bundles, written only from
// docs/format.md, docs/bundle.md and docs/workflow.md with node's built-in crypto: it shares no
// code with the C implementation.
//
//   node verify.mjs RECORD.json KEY.pub [--dump]
//
// Checks the key record's key id and self-signature, then that RECORD carries a valid
// signature by that key, "valid" as in docs/format.md 2.1. Exit 0 and "OK ..." when it does, 1
// otherwise. --dump prints the canonical body and the PAE bytes (as JSON strings) for the docs'
// worked example.
//
//   node verify.mjs --bundle BUNDLE --trust DIR [--threshold N]
//   node verify.mjs --proof PROOF --root ROOT
//   node verify.mjs --corpus DIR
//
// --bundle verifies a bundle (docs/bundle.md 5) against the key records in DIR and prints its
// report as JSON, {"exit", "lines": [{"line", "codes"}]}, the codes of each line sorted, and
// exits with the exit status docs/bundle.md gives. --proof checks an inclusion proof against a
// root (section 3). --corpus runs every case of the conformance corpus in DIR (section 8) and
// compares each report with the case's expected.json.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
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

// ---- bundles (docs/bundle.md) ----

const LINE_MAX = 1024 * 1024;
const HEADER = '{"format":"claimtrail-bundle","version":1}';
const KINDS = ['source', 'claim', 'annotation', 'key'];
const TYPE_OF = (kind) => `application/vnd.claimtrail.${kind}+json`;
const TRAILER_TYPE = TYPE_OF('bundle');
const TEXT_TYPE = 'application/vnd.claimtrail.source-text';
const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const SAFE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

class Bad extends Error {}
const bad = (msg) => { throw new Bad(msg); };

// format.md: base64 is the standard alphabet with padding, canonical only.
function b64(s, len) {
	if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) bad('not base64');
	const b = Buffer.from(s, 'base64');
	if (b.toString('base64') !== s) bad('not canonical base64');
	if (len !== undefined && b.length !== len) bad(`not base64 of ${len} bytes`);
	return b;
}
function validTimestamp(s) {
	const m = typeof s === 'string' && TIMESTAMP.exec(s);
	if (!m) return false;
	const d = new Date(s);
	return !Number.isNaN(d.getTime()) && d.toISOString().replace('.000Z', 'Z') === s;
}

// format.md 1: a strict, canonical record body, as text; the parsed object.
function strictCanonical(bytes) {
	let text;
	try {
		text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch {
		bad('not UTF-8');
	}
	let v;
	try {
		v = JSON.parse(text);
	} catch {
		bad('not JSON');
	}
	const walk = (x, depth) => {
		if (depth > 512) bad('too deep');
		if (typeof x === 'number' && !(Number.isSafeInteger(x))) bad('not an integer');
		const str = (t) => {
			if (t.includes('\0')) bad('\\u0000');
			if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t)) bad('lone surrogate');
		};
		if (typeof x === 'string') str(x);
		if (Array.isArray(x)) x.forEach((e) => walk(e, depth + 1));
		else if (x && typeof x === 'object') for (const k of Object.keys(x)) { str(k); walk(x[k], depth + 1); }
	};
	walk(v, 1);
	if (canon(v) !== text) bad('not canonical');
	if (!v || typeof v !== 'object' || Array.isArray(v)) bad('not an object');
	return v;
}

// bundle.md 1.2: the only way to write an envelope line.
function envelope(line) {
	const m = /^\{"payload":"([A-Za-z0-9+/=]*)","payloadType":"([a-z0-9./+-]*)","signatures":\[(.*)\]\}$/s.exec(line);
	if (!m || !m[1] || !m[2]) bad('not a canonical envelope');
	const sigs = [];
	const re = /\{"keyid":"([0-9a-f]{16})","sig":"([A-Za-z0-9+/=]*)"\}(,|$)/y;
	let r;
	re.lastIndex = 0;
	while (re.lastIndex < m[3].length && (r = re.exec(m[3]))) {
		sigs.push({ keyid: r[1], sig: r[2] });
		if (r[3] === '' && re.lastIndex !== m[3].length) bad('not a canonical envelope');
		if (r[3] === ',' && re.lastIndex === m[3].length) bad('not a canonical envelope');
	}
	if (re.lastIndex !== m[3].length || sigs.length === 0) bad('not a canonical envelope');
	if (sigs.length > 64) bad('more than 64 signatures');
	if (new Set(sigs.map((s) => s.keyid)).size !== sigs.length) bad('two signatures by one key');
	return { payload: m[1], type: m[2], sigs };
}

// format.md 5.1, the whole key schema (a bundle's key records are checked in full).
function keySchema(r) {
	const allowed = ['type', 'key_id', 'algorithm', 'public_key', 'name', 'org', 'created', 'expires', 'rotated_from',
		'revoked', 'signatures'];
	for (const k of Object.keys(r)) if (!allowed.includes(k)) bad(`unknown member ${k}`);
	if (r.type !== 'key' || !KEY_ID.test(r.key_id ?? '') || r.algorithm !== 'ed25519') bad('key schema');
	if (typeof r.public_key !== 'string') bad('key schema');
	b64(r.public_key, 32);
	if (!validTimestamp(r.created)) bad('key schema: created');
	for (const k of ['name', 'org']) if (k in r && typeof r[k] !== 'string') bad(`key schema: ${k}`);
	if ('expires' in r && !validTimestamp(r.expires)) bad('key schema: expires');
	if ('rotated_from' in r && !KEY_ID.test(r.rotated_from)) bad('key schema: rotated_from');
	if ('revoked' in r) {
		const v = r.revoked;
		const members = ['at', 'reason', 'compromised_since', 'successor'];
		if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).some((k) => !members.includes(k)) ||
			!validTimestamp(v.at) || typeof v.reason !== 'string') bad('key schema: revoked');
		if ('compromised_since' in v && !validTimestamp(v.compromised_since)) bad('key schema: revoked');
		if ('successor' in v && !KEY_ID.test(v.successor)) bad('key schema: revoked');
	}
}

const keyObject = (raw) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
const paeOf = (type, body) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

// format.md 2.3: key_id derived from the key, and every entry under its own key_id valid
// (at least one). sigs: [{keyid, sig (base64)}]. Returns {raw, key} or throws.
function keyCheck(r, body, sigs) {
	const raw = b64(r.public_key, 32);
	if (createHash('sha256').update(raw).digest('hex').slice(0, 16) !== r.key_id) bad('key_id is not its key\'s');
	const key = keyObject(raw);
	const own = sigs.filter((s) => s.keyid === r.key_id);
	if (own.length === 0) bad('not self-signed');
	const pae = paeOf(TYPE_OF('key'), body);
	for (const s of own) if (!validSignature(pae, b64(s.sig, 64), raw, key)) bad('self-signature does not verify');
	return { raw, key };
}

// The trusted keys: every *.pub and *.json in dir, each a valid, self-signed key record; a
// revocation wins over an unrevoked record of the same key.
function loadTrust(dir) {
	const trust = new Map();
	for (const f of readdirSync(dir).sort()) {
		if (!f.endsWith('.pub') && !f.endsWith('.json')) continue;
		const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
		const sigs = (r.signatures || []).map((s) => ({ keyid: s.key_id, sig: s.sig }));
		const { signatures, ...rest } = r;
		keySchema(rest);
		const k = keyCheck(rest, Buffer.from(canon(rest)), sigs);
		const old = trust.get(r.key_id);
		const rv = 'revoked' in r ? r : old?.revoked ? old : null;
		trust.set(r.key_id, { ...k, expires: r.expires ?? old?.expires ?? null, revoked: rv !== null, until: rv ? rv.until ?? rv.revoked?.compromised_since ?? null : null });
	}
	return trust;
}

// format.md 2.4: which trusted key made sig (the hint first), or null.
function madeBy(trust, hint, pae, sig) {
	const order = [...(trust.has(hint) ? [hint] : []), ...[...trust.keys()].filter((k) => k !== hint)];
	for (const id of order) {
		const t = trust.get(id);
		if (validSignature(pae, sig, t.raw, t.key)) return id;
	}
	return null;
}

// docs/bundle.md 1.2 and 5: what verify reads of a source, claim or annotation body.
function fastRecord(kind, r) {
	if (r.type !== kind || 'signatures' in r || typeof r.id !== 'string' || !SAFE_ID.test(r.id)) bad('schema');
	const isObj = (x) => x && typeof x === 'object' && !Array.isArray(x);
	if (kind === 'annotation') {
		if ('revision' in r || 'prev' in r || typeof r.claim !== 'string' || !SAFE_ID.test(r.claim) ||
			typeof r.claim_revision !== 'string' || !DIGEST.test(r.claim_revision)) bad('schema');
		if ('evidence' in r && (!Array.isArray(r.evidence) || r.evidence.some((e) => typeof e !== 'string' || !SAFE_ID.test(e)))) bad('schema');
		if ('dispute' in r && !isObj(r.dispute)) bad('schema');
		if (isObj(r.dispute) && 'source' in r.dispute && (typeof r.dispute.source !== 'string' || !SAFE_ID.test(r.dispute.source))) bad('schema');
		return;
	}
	if (!Number.isInteger(r.revision) || r.revision < 1) bad('schema');
	// a digest, or (a claim's or source's merge revision, docs/format.md 5.2, 5.3) two or more,
	// ascending
	const prevOk = (p) => (typeof p === 'string' ? DIGEST.test(p)
		: (kind === 'claim' || kind === 'source') && Array.isArray(p) && p.length >= 2 &&
			p.every((d, i) => typeof d === 'string' && DIGEST.test(d) && (i === 0 || p[i - 1] < d)));
	if ('prev' in r && !prevOk(r.prev)) bad('schema');
	if ((r.revision === 1) !== !('prev' in r)) bad('schema');
	if (kind === 'claim') {
		const a = r.attribution;
		if (!isObj(a) || typeof a.source !== 'string' || !SAFE_ID.test(a.source)) bad('schema');
		if ('source_revision' in a && (typeof a.source_revision !== 'string' || !DIGEST.test(a.source_revision))) bad('schema');
		// format.md 5.3 (issue 18): the attribution chain's role and links, hedges, links to claims
		const ROLES = ['said-by', 'reported-by', 'cited-by', 'recorded-by'];
		const str = (x) => typeof x === 'string' && x.length > 0;
		if ('role' in a && !ROLES.includes(a.role)) bad('schema');
		if ('sources' in r) {
			if (!Array.isArray(r.sources) || r.sources.length === 0) bad('schema');
			for (const l of r.sources) {
				if (!isObj(l) || !ROLES.includes(l.role) || typeof l.source !== 'string' || !SAFE_ID.test(l.source)) bad('schema');
				if ('source_revision' in l && (typeof l.source_revision !== 'string' || !DIGEST.test(l.source_revision))) bad('schema');
				for (const k of ['quote', 'location']) if (k in l && !str(l[k])) bad('schema');
				for (const k of Object.keys(l)) if (!['role', 'source', 'source_revision', 'quote', 'location', 'selector'].includes(k)) bad('schema');
				if ('selector' in l && (!isObj(l.selector) || !str(l.quote))) bad('schema');
			}
		}
		if ('hedges' in r && (!Array.isArray(r.hedges) || !r.hedges.every(str))) bad('schema');
		for (const k of ['depends_on', 'same_quantity'])
			if (k in r && (!Array.isArray(r[k]) || r[k].some((e) => typeof e !== 'string' || !SAFE_ID.test(e)))) bad('schema');
	}
}

// workflow.md, "Annotation ids".
function annotationIdOk(r, signer) {
	const { id, ...rest } = r;
	const h = createHash('sha256').update(canon(rest) + '\n' + signer).digest('hex');
	return typeof r.kind === 'string' && id === `${r.kind}-${h.slice(0, 12)}`;
}

// Decodes a record or text line: {kind, text?, body, rec, sigs} or throws Bad (record.malformed).
// A key record that decodes but fails its key checks comes back with keyError set.
// bundle.md 1.5: a checkpoint line (format.md 5.5) and a proof line.
const PROOF_TYPE = 'application/vnd.claimtrail.checkpoint-proof+json';
function checkpointSchema(r) {
	const allowed = ['type', 'id', 'created', 'commit', 'root', 'records'];
	if (Object.keys(r).some((k) => !allowed.includes(k))) bad('checkpoint member');
	if (r.type !== 'checkpoint' || typeof r.id !== 'string' || !validTimestamp(r.created) ||
		typeof r.commit !== 'string' || !/^[0-9a-f]{40}$/.test(r.commit) || !DIGEST.test(r.root) ||
		!Number.isInteger(r.records) || r.records < 0) bad('checkpoint schema');
}

// RFC 9162 2.1.3.2: whether audit path shows leaf hash r at index of size under root.
function included(r, index, size, path, rootHex) {
	let fn = BigInt(index), sn = BigInt(size) - 1n;
	if (fn > sn) return false;
	for (const h of path) {
		const x = Buffer.from(h, 'hex');
		if (sn === 0n) return false;
		if ((fn & 1n) === 1n || fn === sn) {
			r = nodeHash(x, r);
			if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
		} else {
			r = nodeHash(r, x);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n && r.toString('hex') === rootHex;
}

function decodeLine(env) {
	const body = b64(env.payload);
	for (const s of env.sigs) b64(s.sig, 64);
	if (env.type === TEXT_TYPE) return { kind: 'text', body, sigs: env.sigs };
	if (env.type === PROOF_TYPE) return { kind: 'proof', body, sigs: env.sigs };
	if (env.type === TYPE_OF('checkpoint')) {
		const rec = strictCanonical(body);
		checkpointSchema(rec);
		return { kind: 'checkpoint', body, rec, sigs: env.sigs };
	}
	const kind = KINDS.find((k) => TYPE_OF(k) === env.type);
	if (!kind) bad('unknown payloadType');
	const rec = strictCanonical(body);
	if (kind === 'key') {
		keySchema(rec);
		let keyError = null;
		try {
			keyCheck(rec, body, env.sigs);
		} catch (e) {
			if (!(e instanceof Bad)) throw e;
			keyError = e.message;
		}
		return { kind, body, rec, sigs: env.sigs, keyError };
	}
	fastRecord(kind, rec);
	if (kind === 'annotation' && !annotationIdOk(rec, env.sigs[0].keyid)) bad('annotation id');
	return { kind, body, rec, sigs: env.sigs };
}

function parseTrailer(line) {
	const env = envelope(line);
	if (env.type !== TRAILER_TYPE) bad('not a trailer');
	const body = b64(env.payload);
	const t = strictCanonical(body);
	const members = ['annotations', 'created', 'creator', 'history', 'merkle_root', 'records', 'type', 'version'];
	if (Object.keys(t).length !== 8 || members.some((m) => !(m in t))) bad('trailer members');
	if (t.type !== 'bundle' || t.version !== 1 || typeof t.creator !== 'string' || !KEY_ID.test(t.creator) ||
		!validTimestamp(t.created) || typeof t.merkle_root !== 'string' || !/^[0-9a-f]{64}$/.test(t.merkle_root) ||
		!Number.isInteger(t.records) || t.records < 1 || t.records > 1e8 ||
		typeof t.history !== 'boolean' || typeof t.annotations !== 'boolean') bad('trailer values');
	return { t, env, body };
}

// RFC 9162 2.1 (docs/bundle.md 2)
const leafHash = (bytes) => sha256(Buffer.from([0]), bytes);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
function merkleRoot(leaves) {
	if (leaves.length === 0) return sha256();
	if (leaves.length === 1) return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length) k *= 2;
	return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

function verifyBundle(path, trustDir, threshold) {
	let trust;
	try {
		trust = loadTrust(trustDir);
	} catch {
		return { exit: 4, lines: [] }; // a trust key that cannot be used
	}
	if (!existsSync(path)) return { exit: 3, lines: [] };
	const data = readFileSync(path);
	// the lines: [bytes, terminated]
	const lines = [];
	for (let pos = 0; pos < data.length;) {
		const nl = data.indexOf(0x0a, pos);
		if (nl < 0) {
			lines.push([data.subarray(pos), false]);
			break;
		}
		lines.push([data.subarray(pos, nl), true]);
		pos = nl + 1;
	}
	if (lines.length === 0) return { exit: 4, lines: [] };
	const [head, headEnd] = lines[0];
	if (head.length !== HEADER.length || head.toString('latin1') !== HEADER || !headEnd) return { exit: 4, lines: [] };

	const report = [];
	const st = {
		leaves: [], keys: new Map(), sources: new Set(), prev: null, chain: null, claimId: null,
		claimDigests: [], claimPartial: false, partialLine: 0, trailerSeen: false, textSlot: null,
		pending: null, cpSlot: null, vouches: [],
	};
	let rep;
	const fail = (code) => { rep.codes.push(code); rep.ok = false; };
	const info = (code) => rep.codes.push(code);
	const end = () => report.push(rep);

	const flush = (current) => {
		if (!st.pending) return;
		rep = st.pending;
		st.pending = null;
		if (current && rep.trusted < threshold && rep.codes.includes('signature.valid')) {
			rep.codes = rep.codes.filter((c) => c !== 'signature.valid');
			fail('signature.untrusted');
		}
		end();
	};

	// keys.md, "What each status means", over the verifier's and the bundle's key records
	// together (bundle.md 1.5): revoked in either, its limit the earlier compromised_since (none
	// in a revocation: no limit) or the earlier expires when that is earlier; else expired when
	// the earlier expires has passed, its limit that expires.
	const keyState = (by) => {
		const recs = [trust.get(by), st.keys.get(by)].filter(Boolean);
		const expires = recs.map((k) => k.expires).filter(Boolean).sort()[0] ?? null;
		const revs = recs.filter((k) => k.revoked);
		if (revs.length) {
			if (revs.some((k) => !k.until)) return { state: 'revoked', limit: null };
			const since = revs.map((k) => k.until).sort()[0];
			return { state: 'revoked', limit: expires && expires < since ? expires : since };
		}
		if (expires && expires <= new Date().toISOString().slice(0, 19) + 'Z') return { state: 'expired', limit: expires };
		return { state: 'live', limit: null };
	};

	// bundle.md 1.5: a vouching checkpoint made by the key's limit holds this signature of this
	// record.
	const vouched = (d, limit, sig) => {
		if (d.kind === 'key' || d.kind === 'checkpoint' || d.kind === 'text' || d.kind === 'proof') return false;
		if (!limit) return false;
		const digest = sha256(d.body).toString('hex');
		return st.vouches.some((v) => v.digest === digest && v.sig.equals(sig) && v.created <= limit);
	};

	const signatures = (d, label) => {
		let trusted = new Set(), badCount = 0, revoked = 0, expired = 0, vouchedCount = 0;
		const pae = paeOf(d.kind === 'text' ? TEXT_TYPE : d.kind === 'proof' ? PROOF_TYPE : TYPE_OF(d.kind), d.body);
		for (const s of d.sigs) {
			if (d.kind === 'key') {
				// bundle.md 5: only the self-signature of a key line matters (a successor's
				// record also carries its predecessor's signature, which needs no key line)
				if (s.keyid === d.rec.key_id && !st.keys.has(s.keyid)) fail('key.missing');
				continue;
			}
			const by = madeBy(trust, s.keyid, pae, b64(s.sig, 64));
			const who = by ?? s.keyid;
			if (!st.keys.has(who)) fail('key.missing');
			if (!by) {
				if (trust.has(s.keyid)) badCount++;
				continue;
			}
			const ks = keyState(by);
			if (ks.state !== 'live') {
				if (!vouched(d, ks.limit, b64(s.sig, 64))) {
					if (ks.state === 'revoked') revoked++;
					else expired++;
					continue;
				}
				vouchedCount++;
			}
			trusted.add(by);
		}
		rep.trusted = trusted.size;
		if (d.kind === 'key') return;
		if (badCount) fail('signature.mismatch');
		if (revoked) info('signature.revoked');
		if (expired) info('signature.expired');
		if (vouchedCount) info('signature.vouched');
		if (trusted.size < 1) fail('signature.untrusted');
		else if (!badCount) info('signature.valid');
	};

	const order = (d) => {
		const r = d.rec;
		const rank = d.kind === 'key' ? 0 : d.kind === 'checkpoint' ? 1 : d.kind === 'source' ? 2 : 3;
		const sub = d.kind === 'annotation' ? 1 : 0;
		const id = d.kind === 'annotation' ? r.claim : d.kind === 'key' ? r.key_id : r.id;
		const aid = d.kind === 'annotation' ? r.id : '';
		const rev = r.revision ?? 0;
		const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
		const p = st.prev;
		let c = 0;
		if (p) {
			c = rank - p.rank || cmp(id, p.id) || sub - p.sub || (sub ? cmp(aid, p.aid) : cmp(rev, p.rev));
			if (c <= 0) {
				fail('record.order');
				return;
			}
		}
		st.prev = { rank, sub, id, aid, rev };
	};

	const chainCheck = (d, digest) => {
		const r = d.rec;
		const same = st.chain && st.chain.kind === d.kind && st.chain.id === r.id;
		if (same) {
			if (r.revision !== st.chain.rev + 1) fail('chain.broken');
			else if (r.prev !== 'sha256:' + st.chain.digest.toString('hex')) fail('chain.broken');
			else info('chain.valid');
		} else if (r.revision === 1) {
			info('chain.valid');
		} else {
			info('chain.partial');
			if (!st.partialLine) st.partialLine = rep.line;
		}
		st.chain = { kind: d.kind, id: r.id, rev: r.revision, digest };
		if (d.kind === 'claim') {
			if (!same) {
				st.claimId = r.id;
				st.claimDigests = [];
				st.claimPartial = r.revision !== 1;
			}
			st.claimDigests.push('sha256:' + digest.toString('hex'));
		}
	};

	const refs = (d, digest) => {
		const r = d.rec;
		const dg = 'sha256:' + digest.toString('hex');
		if (d.kind === 'source') {
			st.sources.add(`id ${r.id}`);
			st.sources.add(`rev ${dg}`);
			st.sources.add(`pair ${dg} ${r.id}`);
			return;
		}
		if (d.kind === 'claim') {
			const a = r.attribution;
			if (!st.sources.has(`id ${a.source}`)) fail('source.missing');
			else if (a.source_revision && !st.sources.has(`rev ${a.source_revision}`)) fail('source.missing');
			else if (a.source_revision && !st.sources.has(`pair ${a.source_revision} ${a.source}`)) fail('source.missing');
			return;
		}
		if (r.claim !== st.claimId || st.claimDigests.length === 0) {
			fail('claim.missing');
		} else if (!st.claimDigests.includes(r.claim_revision)) {
			if (st.claimPartial) info('annotation.outside');
			else fail('claim.missing');
		}
		for (const e of r.evidence ?? []) if (!st.sources.has(`id ${e}`)) fail('source.missing');
		if (r.dispute?.source !== undefined && !st.sources.has(`id ${r.dispute.source}`)) fail('source.missing');
	};

	const trailerLine = (bytes) => {
		rep.kind = 'bundle';
		st.trailerSeen = true;
		let parsed;
		try {
			parsed = parseTrailer(bytes.toString('latin1'));
		} catch (e) {
			if (!(e instanceof Bad)) throw e;
			fail('bundle.malformed');
			return;
		}
		const { t, env, body } = parsed;
		if (t.records !== st.leaves.length) fail('bundle.count');
		if (merkleRoot(st.leaves).toString('hex') !== t.merkle_root) fail('merkle.mismatch');
		else info('merkle.valid');
		try {
			for (const s of env.sigs) b64(s.sig, 64);
		} catch {
			fail('bundle.malformed');
			return;
		}
		const pae = paeOf(TRAILER_TYPE, body);
		let badCount = 0, creatorOk = false;
		for (const s of env.sigs) {
			const by = madeBy(trust, s.keyid, pae, b64(s.sig, 64));
			if (!by) {
				if (trust.has(s.keyid)) badCount++;
				continue;
			}
			if (by === t.creator && keyState(by).state === 'live') creatorOk = true;
		}
		if (!st.keys.has(t.creator)) fail('key.missing');
		if (badCount) fail('bundle.signature.mismatch');
		else if (!creatorOk) fail('bundle.signature.untrusted');
		else info('bundle.signature.valid');
		if (t.history && st.partialLine) fail('chain.partial');
	};

	for (let n = 1; n < lines.length; n++) {
		const [bytes, terminated] = lines[n];
		const toolong = bytes.length > LINE_MAX;
		let d = null, trailer = false, malformed = false;
		if (!st.trailerSeen && !toolong) {
			const line = bytes.toString('latin1');
			let env = null;
			try {
				env = envelope(line);
			} catch (e) {
				if (!(e instanceof Bad)) throw e;
			}
			if (env && env.type === TRAILER_TYPE) {
				trailer = true;
			} else {
				try {
					if (!env) bad('not a canonical envelope');
					d = decodeLine(env);
				} catch (e) {
					if (!(e instanceof Bad)) throw e;
					malformed = true;
				}
			}
		}
		if (st.pending)
			flush(st.trailerSeen || toolong || trailer || !d || d.kind !== 'claim' || d.rec.id !== st.pending.id);
		rep = { line: n + 1, codes: [], ok: true, trusted: 0 };
		if (st.trailerSeen) {
			fail('bundle.trailing');
		} else if (toolong) {
			st.leaves.push(leafHash(bytes));
			fail('bundle.line.toolong');
		} else if (trailer) {
			trailerLine(bytes);
		} else {
			st.leaves.push(leafHash(bytes));
			if (malformed) {
				fail('record.malformed');
			} else if (d.kind === 'checkpoint') {
				// it vouches when a trusted, live key made one of its signatures and none is bad
				const r = d.rec;
				rep.id = r.id;
				order(d);
				const pae = paeOf(TYPE_OF('checkpoint'), d.body);
				let live = 0, badCount = 0;
				for (const s of d.sigs) {
					const by = madeBy(trust, s.keyid, pae, b64(s.sig, 64));
					if (!st.keys.has(by ?? s.keyid)) fail('key.missing');
					if (!by) {
						if (trust.has(s.keyid)) badCount++;
						continue;
					}
					if (keyState(by).state === 'live') live++;
				}
				if (badCount) fail('signature.mismatch');
				info(live && !badCount ? 'checkpoint.trusted' : 'checkpoint.untrusted');
				st.cpSlot = { id: r.id, created: r.created, root: r.root.slice(7), records: r.records, vouches: live > 0 && !badCount };
			} else if (d.kind === 'proof') {
				signatures(d);
				const cp = st.cpSlot;
				let p = null;
				try {
					p = JSON.parse(d.body.toString('utf8'));
				} catch { /* not JSON */ }
				if (!cp || !p || p.checkpoint !== cp.id || !Array.isArray(p.leaves)) {
					fail('proof.mismatch');
				} else {
					const ok = p.leaves.every((l) => typeof l.record === 'string' && Number.isInteger(l.leaf_index) &&
						l.leaf_index >= 0 && Array.isArray(l.audit_path) && l.audit_path.length <= 64 &&
						l.audit_path.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) &&
						included(leafHash(Buffer.from(l.record, 'utf8')), l.leaf_index, cp.records, l.audit_path, cp.root));
					if (!ok) fail('proof.mismatch');
					else info('proof.valid');
					if (ok && rep.ok && cp.vouches) {
						for (const l of p.leaves) {
							let rec;
							try {
								rec = JSON.parse(l.record);
							} catch {
								continue;
							}
							const { signatures: sigs, ...rest } = rec;
							const digest = sha256(Buffer.from(canon(rest))).toString('hex');
							for (const sg of sigs ?? []) {
								try {
									st.vouches.push({ digest, sig: b64(sg.sig, 64), created: cp.created });
								} catch { /* not a signature */ }
							}
						}
					}
				}
			} else if (d.kind === 'text') {
				signatures(d);
				const slot = st.textSlot;
				const digest = sha256(d.body).toString('hex');
				if (!slot) fail('text.mismatch');
				else if (!slot.stored || slot.sha256 !== digest || slot.length !== d.body.length) fail('text.mismatch');
				else info('text.valid');
			} else {
				const r = d.rec;
				rep.id = d.kind === 'key' ? r.key_id : r.id;
				order(d);
				if (d.kind === 'key') {
					if (d.keyError) {
						fail('key.invalid');
					} else {
						info('key.selfsigned');
						info(trust.has(r.key_id) ? 'key.trusted' : 'key.untrusted');
						if ('revoked' in r) info('key.revoked');
					}
					if (!st.keys.has(r.key_id)) st.keys.set(r.key_id, { revoked: 'revoked' in r, until: r.revoked?.compromised_since ?? null, expires: r.expires ?? null });
					signatures(d);
				} else {
					const digest = sha256(d.body);
					signatures(d);
					if (d.kind !== 'annotation') chainCheck(d, digest);
					refs(d, digest);
				}
			}
		}
		if (!terminated) fail('bundle.truncated');
		if (!(d && d.kind === 'checkpoint' && !trailer && !toolong)) st.cpSlot = null;
		st.textSlot = !st.trailerSeen && !toolong && !trailer && d && d.kind === 'source'
			? { stored: d.rec.archive?.stored === true, sha256: d.rec.archive?.sha256, length: d.rec.archive?.length }
			: null;
		if (!st.trailerSeen && !toolong && !trailer && d && d.kind === 'claim' && threshold > 1 && terminated)
			st.pending = { ...rep, id: d.rec.id };
		else
			end();
	}
	flush(true);
	if (!st.trailerSeen) {
		rep = { line: lines.length + 1, codes: [], ok: true };
		fail('bundle.truncated');
		end();
	}
	const ok = report.every((l) => l.ok);
	return { exit: ok ? 0 : 1, lines: report.map((l) => ({ line: l.line, codes: [...new Set(l.codes)].sort() })) };
}

// docs/bundle.md 3: RFC 9162 2.1.3.2 against a root the verifier trusts. 0, 1 (not proven) or
// 4 (not a proof).
function verifyProof(proofPath, rootHex) {
	let p, d;
	try {
		if (!/^[0-9a-f]{64}$/.test(rootHex)) bad('root');
		p = JSON.parse(readFileSync(proofPath, 'utf8'));
		if (p.format !== 'claimtrail-inclusion-proof' || p.version !== 1 || !Number.isInteger(p.leaf_index) ||
			!Number.isInteger(p.tree_size) || p.leaf_index < 0 || p.tree_size < 1 || !Array.isArray(p.audit_path) ||
			p.audit_path.length > 64 || p.audit_path.some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) ||
			typeof p.record !== 'string') bad('proof');
		d = decodeLine(envelope(p.record));
		if (d.kind === 'text') bad('proof of a text');
	} catch {
		return 4;
	}
	let fn = BigInt(p.leaf_index), sn = BigInt(p.tree_size) - 1n;
	if (fn > sn) return 1;
	let r = leafHash(Buffer.from(p.record, 'latin1'));
	for (const h of p.audit_path) {
		const x = Buffer.from(h, 'hex');
		if (sn === 0n) return 1;
		if ((fn & 1n) === 1n || fn === sn) {
			r = nodeHash(x, r);
			if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
		} else {
			r = nodeHash(r, x);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n && r.toString('hex') === rootHex ? 0 : 1;
}

function bundleMain(args) {
	const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
	if (args[0] === '--bundle') {
		const res = verifyBundle(args[1], opt('--trust'), Number(opt('--threshold') ?? 1));
		console.log(JSON.stringify(res));
		process.exit(res.exit);
	}
	if (args[0] === '--proof') {
		const exit = verifyProof(args[1], opt('--root'));
		console.log(exit === 0 ? 'OK proven' : 'FAIL');
		process.exit(exit);
	}
	// --corpus DIR
	const dir = args[1];
	let failed = 0, cases = 0;
	for (const name of readdirSync(dir).sort()) {
		const expFile = join(dir, name, 'expected.json');
		if (!existsSync(expFile)) continue;
		const exp = JSON.parse(readFileSync(expFile, 'utf8'));
		cases++;
		let got;
		if (exp.proof) got = { exit: verifyProof(join(dir, name, 'proof'), exp.root) };
		else got = verifyBundle(join(dir, name, 'bundle'), join(dir, name, 'trust'), exp.threshold ?? 1);
		const same = got.exit === exp.exit && (exp.proof || JSON.stringify(got.lines) === JSON.stringify(exp.lines));
		if (!same) {
			failed++;
			console.log(`FAIL ${name}: exit ${got.exit} (expected ${exp.exit})`);
			if (!exp.proof)
				for (let i = 0; i < Math.max(got.lines.length, exp.lines.length); i++)
					if (JSON.stringify(got.lines[i]) !== JSON.stringify(exp.lines[i]))
						console.log(`  got ${JSON.stringify(got.lines[i])}, expected ${JSON.stringify(exp.lines[i])}`);
		} else {
			console.log(`ok ${name}`);
		}
	}
	console.log(`${cases} cases, ${failed} failed`);
	process.exit(failed || cases < 40 ? 1 : 0);
}

function recordMain(args) {
	const [recordPath, keyPath, flag] = args;
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
}

const argv = process.argv.slice(2);
if (['--bundle', '--proof', '--corpus'].includes(argv[0]))
	bundleMain(argv);
else
	recordMain(argv);
