// Regenerates the bundle conformance corpus (docs/bundle.md, section 8) in this folder:
//
//   node tests/vectors/bundle/generate.mjs path/to/built/claimtrail
//
// It builds a small store with the built claimtrail and the INSECURE test keys in keys/ (made
// from fixed seeds, so they are public: never use them for anything), bundles it, then writes
// one folder per case: the bundle (a copy of the base bundle, changed as the case says, and
// re-signed with the test keys where the case needs only its own defect), trust/ (the keys the
// verifier trusts), and expected.json (the report: exit status and the status codes of each
// line). The report is the C verifier's, but only after the case's stated expectation (exit
// status and the code on the line it is about) has been checked against it: a case whose
// report does not say what the case is for stops the script.
//
// The generated files are committed; tests/unit/test_bundle_vectors.c and
// tests/cli/bundle-vectors.sh (with tests/independent/verify.mjs) run them.
import { createHash, createPrivateKey, sign as edSign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
	copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CT = process.argv[2] || process.env.CLAIMTRAIL;
if (!CT) {
	console.error('usage: node generate.mjs path/to/claimtrail');
	process.exit(2);
}
const env = { ...process.env, SOURCE_DATE_EPOCH: '1711972800', GIT_AUTHOR_NAME: 'corpus',
	GIT_AUTHOR_EMAIL: 'corpus@example.invalid', GIT_COMMITTER_NAME: 'corpus',
	GIT_COMMITTER_EMAIL: 'corpus@example.invalid' };
delete env.CLAIMTRAIL_PASSPHRASE;
const ct = (args, opts = {}) => execFileSync(CT, args, { env, encoding: 'utf8', ...opts });

// ---- the insecure test keys ----

const KEYS = join(HERE, 'keys');
mkdirSync(KEYS, { recursive: true });
const keys = {};
for (const name of ['a', 'b', 'c']) {
	const file = join(KEYS, `INSECURE-test-key-${name}.key`);
	if (!existsSync(file)) {
		const seed = createHash('sha256').update(`claimtrail INSECURE test key ${name}`).digest('hex');
		const seedFile = join(tmpdir(), `ct-seed-${process.pid}-${name}`);
		writeFileSync(seedFile, seed + '\n');
		ct(['key', 'generate', '--unencrypted', '--seed-file', seedFile, '--name',
			`INSECURE test key ${name.toUpperCase()}`, '--org', 'claimtrail test corpus', '-o', file]);
		rmSync(seedFile);
	}
	chmodSync(file, 0o600); // a checkout leaves it 0644, which claimtrail refuses for a secret key
	const text = readFileSync(file, 'utf8');
	const seed = Buffer.from(text.match(/^secret: (.*)$/m)[1], 'base64');
	const pub = JSON.parse(readFileSync(file + '.pub', 'utf8'));
	const raw = Buffer.from(pub.public_key, 'base64');
	keys[name] = {
		file, pubFile: file + '.pub', pub, id: pub.key_id,
		priv: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'),
			x: raw.toString('base64url') }, format: 'jwk' }),
	};
}

// ---- bundle lines ----

function canon(v) {
	if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number')
		return JSON.stringify(v);
	if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
	return '{' + Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}
const pae = (type, body) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
const sigOf = (key, type, body) => edSign(null, pae(type, body), keys[key].priv).toString('base64');
const TYPE = (kind) => `application/vnd.claimtrail.${kind}+json`;
const TEXT_TYPE = 'application/vnd.claimtrail.source-text';
const PROOF_TYPE = 'application/vnd.claimtrail.checkpoint-proof+json';
const TRAILER_TYPE = TYPE('bundle');
const sha256 = (b) => createHash('sha256').update(b).digest();

const parse = (line) => {
	const e = JSON.parse(line);
	return { payload: Buffer.from(e.payload, 'base64'), type: e.payloadType,
		sigs: e.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })) };
};
const envelope = ({ payload, type, sigs }) => `{"payload":"${payload.toString('base64')}","payloadType":"${type}","signatures":[` +
	sigs.map((s) => `{"keyid":"${s.keyid}","sig":"${s.sig}"}`).join(',') + ']}';
const recordOf = (line) => JSON.parse(parse(line).payload.toString('utf8'));
// A record line for obj, signed by each key in signers (names of test keys).
function signedLine(obj, signers, type = TYPE(obj.type)) {
	const payload = Buffer.from(canon(obj), 'utf8');
	return envelope({ payload, type, sigs: signers.map((k) => ({ keyid: keys[k].id, sig: sigOf(k, type, payload) })) });
}
const digestOf = (line) => 'sha256:' + sha256(parse(line).payload).toString('hex');
// workflow.md, "Annotation ids"
function annotationId(a, signer) {
	const { id, signatures, ...rest } = a;
	const h = sha256(Buffer.from(canon(rest) + '\n' + keys[signer].id)).toString('hex');
	return `${a.kind}-${h.slice(0, 12)}`;
}

// RFC 9162 Merkle tree hash over the record lines (docs/bundle.md 2)
const leaf = (line) => sha256(Buffer.concat([Buffer.from([0]), Buffer.from(line)]));
function mth(leaves) {
	if (leaves.length === 1) return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length) k *= 2;
	return sha256(Buffer.concat([Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k))]));
}
// The trailer for record lines recs, from the base trailer t with changes, signed by signer.
function trailer(recs, change = {}, signer = 'a') {
	const t = { ...base.trailer, records: recs.length,
		merkle_root: mth(recs.map(leaf)).toString('hex'), ...change };
	return signedLine(t, [signer], TRAILER_TYPE);
}
const HEADER = '{"format":"claimtrail-bundle","version":1}';
const file = (lines) => lines.map((l) => l + '\n').join('');
const sealed = (recs, change, signer) => file([HEADER, ...recs, trailer(recs, change, signer)]);

// ---- the base store and bundles ----

const work = mkdtempSync(join(tmpdir(), 'claimtrail-corpus-'));
const repo = join(work, 'repo');
mkdirSync(repo);
execFileSync('git', ['init', '-q', repo], { env });
const inRepo = (args, key = 'a') => ct(['-C', repo, ...args], { env: { ...env, CLAIMTRAIL_KEY: keys[key].file } });
writeFileSync(join(work, 'article.txt'),
	'Officials said the group was behind the attack. As many as 6,000 foreign fighters may have moved into the region.\n');
inRepo(['init']);
inRepo(['source', 'add', '--title', 'An article', '--publisher', 'A paper', '--id', 's1', '--file', join(work, 'article.txt')]);
inRepo(['source', 'add', '--title', 'A report', '--publisher', 'An agency', '--id', 's2']);
inRepo(['claim', 'add', '--statement', 'As many as 6,000 foreign fighters moved.', '--source', 's1',
	'--quote', 'As many as 6,000 foreign fighters', '--id', 'c1']);
inRepo(['annotate', 'c1', '--verdict', 'mostly-true', '--note', 'Matches the agency count.', '--evidence', 's2']);
inRepo(['claim', 'revise', 'c1', '--quantity', '6000', '--qualifier', 'as many as', '--reason', 'add the number']);
inRepo(['sign-off', 'c1'], 'b');
inRepo(['claim', 'add', '--statement', 'The group was behind the attack.', '--source', 's2', '--id', 'c2']);
inRepo(['annotate', 'c2', '--note', 'Ask for the primary source.']);
const baseFile = join(work, 'base.bundle');
const latestFile = join(work, 'latest.bundle');
inRepo(['bundle', 'create', '-o', baseFile, '--all', '--history', '--annotations']);
inRepo(['bundle', 'create', '-o', latestFile, '--all', '--annotations']);

function load(path) {
	const lines = readFileSync(path, 'utf8').split('\n');
	lines.pop();
	const recs = lines.slice(1, -1);
	return { recs, trailer: recordOf(lines[lines.length - 1]), text: readFileSync(path, 'utf8') };
}
const base = load(baseFile);
const latest = load(latestFile);
// Finds a record line: kind, id (or key letter), revision; for the text line, kind 'text'.
function at(recs, kind, id, rev) {
	const i = recs.findIndex((l) => {
		const p = parse(l);
		if (kind === 'text') return p.type === TEXT_TYPE;
		if (p.type !== TYPE(kind)) return false;
		const r = JSON.parse(p.payload.toString('utf8'));
		if (kind === 'key') return r.key_id === keys[id].id;
		if (kind === 'annotation') return r.claim === id;
		return r.id === id && (rev === undefined || r.revision === rev);
	});
	if (i < 0) throw new Error(`no ${kind} ${id} ${rev ?? ''} in the base bundle`);
	return i;
}
const expectLayout = ['key b', 'key a', 'source s1@1', 'text', 'source s2@1', 'claim c1@1', 'claim c1@2',
	'annotation c1', 'claim c2@1', 'annotation c2'];
const layout = base.recs.map((l) => {
	const p = parse(l);
	if (p.type === TEXT_TYPE) return 'text';
	const r = JSON.parse(p.payload.toString('utf8'));
	if (r.type === 'key') return `key ${Object.keys(keys).find((k) => keys[k].id === r.key_id)}`;
	if (r.type === 'annotation') return `annotation ${r.claim}`;
	return `${r.type} ${r.id}@${r.revision}`;
});
if (layout.join(', ') !== expectLayout.join(', '))
	throw new Error(`unexpected base bundle: ${layout.join(', ')}`);
// line numbers in the file: header is line 1, record i (from 0) is line i + 2
const L = (i) => i + 2;
const I = {
	keyB: 0, keyA: 1, s1: 2, text: 3, s2: 4, c1r1: 5, c1r2: 6, a1: 7, c2: 8, a2: 9,
};
const R = base.recs;
const TRAILER_LINE = R.length + 2;
const with_ = (i, line) => R.map((l, j) => (j === i ? line : l));
const without = (i) => R.filter((_, j) => j !== i);
const resign = (i, change, signers = ['a'], drop = []) => {
	const r = { ...recordOf(R[i]), ...change };
	for (const k of drop) delete r[k];
	return signedLine(r, signers);
};
// An annotation changed, its id recomputed, signed by signer.
const reannotate = (i, change, signer = 'a') => {
	const r = { ...recordOf(R[i]), ...change };
	r.id = annotationId(r, signer);
	return signedLine(r, [signer]);
};
// The records with c2 replaced by line, and c2's annotation made to judge it (its id recomputed),
// so that a case about c2 shows only its own defect.
const withC2 = (line) => R.map((l, j) => (j === I.c2 ? line : j === I.a2 ? reannotate(I.a2, { claim_revision: digestOf(line) }) : l));
// Flips the last base64 character of the first signature so that it still is canonical.
function badSig(line, index = 0) {
	const p = parse(line);
	const s = p.sigs[index].sig;
	const i = s.length - 4; // a character of the last group that carries full bits
	p.sigs[index].sig = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
	return envelope(p);
}
// Makes the first signature's base64 not canonical: stray bits in the last character before "=="
function strayBits(line, index = 0) {
	const p = parse(line);
	const s = p.sigs[index].sig;
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
	const c = alphabet.indexOf(s[s.length - 3]);
	p.sigs[index].sig = s.slice(0, -3) + alphabet[c | 1] + '==';
	if (p.sigs[index].sig === s) p.sigs[index].sig = s.slice(0, -3) + alphabet[c ^ 2] + '==';
	return envelope(p);
}
// A key record for test key k, revoked, self-signed.
function revokedKey(k) {
	const r = { ...keys[k].pub, revoked: { at: '2024-04-02T00:00:00Z', reason: 'test: key lost' } };
	delete r.signatures;
	return signedLine(r, [k]);
}

// ---- the cases ----

const cases = [];
// name, what it shows, bundle bytes (null: no file), trust keys, and what must hold:
// exit status, and codes [line, code] that must be in the report.
const add = (name, about, bytes, opts = {}) => cases.push({ name, about, bytes, trust: ['a', 'b'],
	threshold: 1, exit: 1, must: [], ...opts });

const reportCodes = (lines) => lines.map((l) => [l.line, l.codes]);

add('valid-history', 'every revision, annotations, a kept source text: everything passes', base.text,
	{ exit: 0, must: [[L(I.text), 'text.valid'], [TRAILER_LINE, 'merkle.valid']] });
add('valid-latest', 'latest revisions only: chain.partial (info) on c1, and annotation.outside for the '
	+ 'annotation that judges revision 1', latest.text, { exit: 0, must: [[7, 'chain.partial'], [8, 'annotation.outside']] });
add('valid-trust-one-key', 'trusting only key A: key B is carried but untrusted, and its sign-off '
	+ 'neither counts nor fails', base.text, { trust: ['a'], exit: 0, must: [[L(I.keyB), 'key.untrusted']] });
add('threshold-2-current-cosigned', '--threshold 2 asks for two signers on each claim\'s current '
	+ 'revision only: c1@2 is co-signed by B; c2@1 is not', base.text,
	{ threshold: 2, must: [[L(I.c1r2), 'signature.valid'], [L(I.c1r1), 'signature.valid'],
		[L(I.s1), 'signature.valid'], [L(I.a1), 'signature.valid'], [L(I.c2), 'signature.untrusted']] });
add('threshold-2-all-cosigned', '--threshold 2 with every current claim revision co-signed: passes, '
	+ 'although sources, annotations and older revisions are signed once',
	sealed(with_(I.c2, resign(I.c2, {}, ['a', 'b']))), { threshold: 2, exit: 0 });
add('untrusted', 'trusting only key C: nothing is signed by a trusted key', base.text,
	{ trust: ['c'], must: [[L(I.s1), 'signature.untrusted'], [TRAILER_LINE, 'bundle.signature.untrusted'],
		[L(I.keyA), 'key.untrusted']] });
add('signature-mismatch', 'a changed signature by a trusted key', sealed(with_(I.c2, badSig(R[I.c2]))),
	{ must: [[L(I.c2), 'signature.mismatch']] });
add('body-changed', 'a changed statement under the old signature',
	sealed(withC2(envelope({ ...parse(R[I.c2]), payload: Buffer.from(canon({ ...recordOf(R[I.c2]), statement: 'Changed.' })) }))),
	{ must: [[L(I.c2), 'signature.mismatch']] });
add('sig-base64-noncanonical-claim', 'a claim signature in base64 with stray bits: record.malformed',
	sealed(with_(I.c2, strayBits(R[I.c2]))), { must: [[L(I.c2), 'record.malformed']] });
add('sig-base64-noncanonical-source', 'the same on a source line', sealed(with_(I.s2, strayBits(R[I.s2]))),
	{ must: [[L(I.s2), 'record.malformed']] });
add('sig-base64-noncanonical-annotation', 'the same on an annotation line', sealed(with_(I.a2, strayBits(R[I.a2]))),
	{ must: [[L(I.a2), 'record.malformed']] });
add('sig-base64-noncanonical-key', 'the same on a key line', sealed(with_(I.keyB, strayBits(R[I.keyB]))),
	{ must: [[L(I.keyB), 'record.malformed']] });
add('sig-base64-noncanonical-text', 'the same on a text line', sealed(with_(I.text, strayBits(R[I.text]))),
	{ must: [[L(I.text), 'record.malformed']] });
{
	const t = parse(trailer(R));
	const bad = strayBits(envelope(t));
	add('sig-base64-noncanonical-trailer', 'the same on the trailer: bundle.malformed',
		file([HEADER, ...R, bad]), { must: [[TRAILER_LINE, 'bundle.malformed']] });
}
{
	const p = parse(R[I.c2]);
	p.sigs[0].keyid = keys.c.id;
	add('keyid-hint-untrusted-name', 'a signature by A whose keyid names key C: the keyid is a hint, '
		+ 'the signature counts for A', sealed(with_(I.c2, envelope(p))), { exit: 0, must: [[L(I.c2), 'signature.valid']] });
	const q = parse(R[I.c2]);
	q.sigs[0].keyid = keys.b.id;
	add('keyid-hint-trusted-name', 'a signature by A whose keyid names trusted key B: still A\'s',
		sealed(with_(I.c2, envelope(q))), { exit: 0, must: [[L(I.c2), 'signature.valid']] });
	const t = parse(trailer(R));
	t.sigs[0].keyid = keys.b.id;
	add('keyid-hint-trailer', 'the trailer signed by its creator A under keyid B: a hint like every '
		+ 'other, so the bundle signature is valid', file([HEADER, ...R, envelope(t)]),
	{ exit: 0, must: [[TRAILER_LINE, 'bundle.signature.valid']] });
	const u = parse(R[I.c2]);
	const payload = u.payload;
	u.sigs = [{ keyid: keys.b.id, sig: sigOf('c', TYPE('claim'), payload) }];
	add('keyid-names-trusted-made-by-untrusted', 'a signature made by untrusted key C under keyid B: '
		+ 'bad, since it names a trusted key', sealed(with_(I.c2, envelope(u))),
	{ must: [[L(I.c2), 'signature.mismatch']] });
	const v = parse(R[I.c2]);
	v.sigs.push({ keyid: keys.a.id, sig: v.sigs[0].sig });
	add('signature-repeated-keyid', 'two signature entries with the same keyid: record.malformed (as a '
		+ 'record file is refused)', sealed(with_(I.c2, envelope(v))), { must: [[L(I.c2), 'record.malformed']] });
	const w = parse(R[I.c2]);
	w.sigs.push({ keyid: keys.c.id, sig: w.sigs[0].sig });
	add('signature-same-key-two-keyids', 'key A\'s signature twice, under keyids A and C: A counts once, '
		+ 'so --threshold 2 is not met', sealed(with_(I.c2, envelope(w))),
	{ threshold: 2, must: [[L(I.c2), 'signature.untrusted']] });
}
{
	const c2 = recordOf(R[I.c2]);
	add('source-revision-of-other-source', 'c2 cites source s2 with the digest of a revision of s1',
		sealed(withC2(resign(I.c2, { attribution: { ...c2.attribution, source_revision: digestOf(R[I.s1]) } }))),
		{ must: [[L(I.c2), 'source.missing']] });
	add('source-revision-missing', 'c2 cites a revision digest that no carried source has',
		sealed(withC2(resign(I.c2, { attribution: { ...c2.attribution, source_revision: 'sha256:' + '0'.repeat(64) } }))),
		{ must: [[L(I.c2), 'source.missing']] });
	add('source-missing', 'c2 cites a source that is not carried',
		sealed(withC2(resign(I.c2, { attribution: { ...c2.attribution, source: 'nosuch' } }))),
		{ must: [[L(I.c2), 'source.missing']] });
}
{
	const a2 = recordOf(R[I.a2]);
	const wrong = signedLine({ ...a2, id: 'note-000000000000', signatures: undefined }, ['a']);
	add('annotation-id-wrong', 'an annotation whose id is not the one its content and first signer give',
		sealed(with_(I.a2, wrong)), { must: [[L(I.a2), 'record.malformed']] });
	add('annotation-id-other-signer', 'an annotation id computed for signer B, signed by A',
		sealed(with_(I.a2, signedLine({ ...a2, id: annotationId(a2, 'b'), signatures: undefined }, ['a']))),
		{ must: [[L(I.a2), 'record.malformed']] });
	add('annotation-evidence-missing', 'an annotation citing a source that is not carried as evidence',
		sealed(with_(I.a2, reannotate(I.a2, { evidence: ['nosuch'] }))), { must: [[L(I.a2), 'source.missing']] });
	add('annotation-dispute-source-missing', 'a dispute citing a source that is not carried',
		sealed(with_(I.a2, reannotate(I.a2, { kind: 'dispute', note: undefined,
			dispute: { by: 'A ministry', reason: 'denies it', source: 'nosuch' } }))),
		{ must: [[L(I.a2), 'source.missing']] });
	add('annotation-claim-revision-missing', 'an annotation judging a revision of c2 that is not carried',
		sealed(with_(I.a2, reannotate(I.a2, { claim_revision: 'sha256:' + '1'.repeat(64) }))),
		{ must: [[L(I.a2), 'claim.missing']] });
	const orphan = reannotate(I.a2, { claim: 'zz' });
	add('annotation-claim-missing', 'an annotation of a claim that is not carried',
		sealed([...R, orphan]), { must: [[L(R.length), 'claim.missing']] });
}
add('chain-broken-prev', 'c1 revision 2 whose prev is not revision 1\'s digest',
	sealed(with_(I.c1r2, resign(I.c1r2, { prev: 'sha256:' + '2'.repeat(64) }, ['a', 'b']))),
	{ must: [[L(I.c1r2), 'chain.broken']] });
add('chain-broken-gap', 'c1 revision 2 renumbered 3: a gap after revision 1',
	sealed(with_(I.c1r2, resign(I.c1r2, { revision: 3 }, ['a', 'b']))), { must: [[L(I.c1r2), 'chain.broken']] });
add('chain-partial-history', 'revision 1 of c1 left out of a bundle that says history: true',
	sealed(without(I.c1r1)), { must: [[L(I.c1r1), 'chain.partial'], [TRAILER_LINE - 1, 'chain.partial']] });
add('prev-on-revision-1', 'a revision 1 that names a predecessor: not the schema',
	sealed(withC2(resign(I.c2, { prev: digestOf(R[I.c1r1]) }))), { must: [[L(I.c2), 'record.malformed']] });
{
	const swapped = [...R.slice(0, I.c1r1), R[I.c2], R[I.a2], ...R.slice(I.c1r1, I.c2)];
	add('record-order', 'claim c2 before claim c1', sealed(swapped), { must: [[L(I.c1r1 + 2), 'record.order']] });
	const repeated = [...R.slice(0, I.s2 + 1), R[I.s2], ...R.slice(I.s2 + 1)];
	add('record-repeated', 'a source line twice', sealed(repeated), { must: [[L(I.s2 + 1), 'record.order']] });
}
add('key-missing', 'key B\'s record left out while B signed c1 revision 2', sealed(without(I.keyB)),
	{ must: [[L(I.c1r2 - 1), 'key.missing']] });
add('key-invalid-selfsig', 'key B\'s record with a changed self-signature', sealed(with_(I.keyB, badSig(R[I.keyB]))),
	{ must: [[L(I.keyB), 'key.invalid']] });
{
	const b = recordOf(R[I.keyB]);
	add('key-invalid-id', 'key B\'s record claiming key A\'s public key (key_id does not match)',
		sealed(with_(I.keyB, signedLine({ ...b, public_key: keys.a.pub.public_key }, ['b']))),
		{ must: [[L(I.keyB), 'key.invalid']] });
	add('key-schema', 'a key record with a member the schema does not know: record.malformed',
		sealed(with_(I.keyB, signedLine({ ...b, colour: 'blue' }, ['b']))), { must: [[L(I.keyB), 'record.malformed']] });
}
add('key-revoked-carried', 'key B\'s revocation carried in the bundle: B\'s sign-off is revoked (info), '
	+ 'A still signs', sealed(with_(I.keyB, revokedKey('b'))),
{ exit: 0, must: [[L(I.keyB), 'key.revoked'], [L(I.c1r2), 'signature.revoked']] });
add('trust-revoked-creator', 'the verifier trusts key A\'s revocation: nothing A signed counts',
	base.text, { trust: ['a-revoked', 'b'], must: [[L(I.s1), 'signature.untrusted'],
		[TRAILER_LINE, 'bundle.signature.untrusted']] });
{
	const line = R[I.s2];
	add('envelope-not-canonical', 'a space in a record line\'s envelope', sealed(with_(I.s2, line.replace('","payloadType"', '", "payloadType"'))),
		{ must: [[L(I.s2), 'record.malformed']] });
	const s2 = recordOf(line);
	const spaced = Buffer.from(JSON.stringify(s2, null, 1));
	add('payload-not-canonical', 'a payload with whitespace, signed',
		sealed(with_(I.s2, envelope({ payload: spaced, type: TYPE('source'), sigs: [{ keyid: keys.a.id, sig: sigOf('a', TYPE('source'), spaced) }] }))),
		{ must: [[L(I.s2), 'record.malformed']] });
	add('payload-type-mismatch', 'a source payload under the claim payload type, signed as such',
		sealed(with_(I.s2, signedLine(s2, ['a'], TYPE('claim')))), { must: [[L(I.s2), 'record.malformed']] });
	add('payload-with-signatures', 'a payload that carries a signatures member',
		sealed(with_(I.s2, signedLine({ ...s2, signatures: [] }, ['a']))), { must: [[L(I.s2), 'record.malformed']] });
	add('payload-base64-noncanonical', 'a payload in base64 with stray bits',
		sealed(with_(I.s2, (() => { const e = JSON.parse(line); const p = e.payload; const eq = p.indexOf('=');
			if (eq < 0) throw new Error('payload of s2 needs padding for this case');
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
			const c = alphabet.indexOf(p[eq - 1]);
			e.payload = p.slice(0, eq - 1) + alphabet[c | 1] + p.slice(eq);
			if (e.payload === p) throw new Error('could not make stray bits');
			return `{"payload":"${e.payload}","payloadType":"${e.payloadType}","signatures":[${e.signatures.map((s) => `{"keyid":"${s.keyid}","sig":"${s.sig}"}`).join(',')}]}`; })())),
		{ must: [[L(I.s2), 'record.malformed']] });
}
add('bundle-count', 'a trailer that says one record more', sealed(R, { records: R.length + 1 }),
	{ must: [[TRAILER_LINE, 'bundle.count'], [TRAILER_LINE, 'merkle.valid']] });
add('merkle-mismatch', 'a trailer with another Merkle root', sealed(R, { merkle_root: 'ab'.repeat(32) }),
	{ must: [[TRAILER_LINE, 'merkle.mismatch']] });
add('merkle-mismatch-changed-line', 'c2 re-signed with a new statement, the trailer left as it was',
	file([HEADER, ...withC2(resign(I.c2, { statement: 'Changed.' })), trailer(R)]),
	{ must: [[TRAILER_LINE, 'merkle.mismatch']] });
add('bundle-malformed-trailer', 'a trailer with a member version 1 does not have',
	file([HEADER, ...R, signedLine({ ...recordOf(trailer(R)), extra: true }, ['a'], TRAILER_TYPE)]),
	{ must: [[TRAILER_LINE, 'bundle.malformed']] });
add('bundle-signature-mismatch', 'a changed trailer signature', file([HEADER, ...R, badSig(trailer(R))]),
	{ must: [[TRAILER_LINE, 'bundle.signature.mismatch']] });
add('bundle-signature-untrusted', 'a trailer made and signed by key B, verified trusting only A',
	sealed(R, { creator: keys.b.id }, 'b'), { trust: ['a'], must: [[TRAILER_LINE, 'bundle.signature.untrusted']] });
add('bundle-creator-key-missing', 'a trailer made and signed by key C, whose record is not carried',
	sealed(R, { creator: keys.c.id }, 'c'), { trust: ['a', 'b', 'c'], must: [[TRAILER_LINE, 'key.missing']] });
add('bundle-trailing', 'a line after the trailer', base.text + R[I.s2] + '\n',
	{ must: [[TRAILER_LINE + 1, 'bundle.trailing']] });
add('bundle-truncated-no-trailer', 'the trailer cut off', file([HEADER, ...R]),
	{ must: [[TRAILER_LINE, 'bundle.truncated']] });
add('bundle-truncated-no-newline', 'the last LF cut off', base.text.slice(0, -1),
	{ must: [[TRAILER_LINE, 'bundle.truncated']] });
{
	const long = '{"payload":"' + 'A'.repeat(1024 * 1024) + '"}';
	const recs = [...R.slice(0, I.c2 + 2), long];
	add('line-toolong', 'a line over 1 MiB: a failure on its line, and still a leaf of the tree, so the '
		+ 'trailer that counts it is merkle.valid', sealed(recs),
	{ must: [[L(recs.length - 1), 'bundle.line.toolong'], [recs.length + 2, 'merkle.valid']] });
	add('line-toolong-left-out', 'a line over 1 MiB that a trailer leaves out of its tree and count: '
		+ 'merkle.mismatch and bundle.count', file([HEADER, ...recs, trailer(R.slice(0, I.c2 + 2))]),
	{ must: [[recs.length + 2, 'merkle.mismatch'], [recs.length + 2, 'bundle.count']] });
}
{
	const text = parse(R[I.text]).payload;
	const changed = Buffer.from(text.toString('utf8').replace('6,000', '9,000'));
	add('text-mismatch', 'a kept source text changed (and signed again by the creator)',
		sealed(with_(I.text, envelope({ payload: changed, type: TEXT_TYPE, sigs: [{ keyid: keys.a.id, sig: sigOf('a', TEXT_TYPE, changed) }] }))),
		{ must: [[L(I.text), 'text.mismatch']] });
	const moved = [...R.slice(0, I.text), ...R.slice(I.text + 1, I.c2 + 1), R[I.text], R[I.a2]];
	add('text-orphan', 'a text line that does not follow its source revision', sealed(moved),
		{ must: [[L(I.c2), 'text.mismatch']] });
	add('text-untrusted', 'a text line signed by key C only',
		sealed(with_(I.text, envelope({ payload: text, type: TEXT_TYPE, sigs: [{ keyid: keys.c.id, sig: sigOf('c', TEXT_TYPE, text) }] }))),
		{ must: [[L(I.text), 'signature.untrusted']] });
}
add('not-a-bundle', 'line 1 is not a bundle header: exit 4, no report', '{"format":"something-else"}\n' + base.text.split('\n').slice(1).join('\n'),
	{ exit: 4 });
add('unsupported-version', 'a version 2 header: exit 4, no report', base.text.replace('"version":1}', '"version":2}'),
	{ exit: 4 });
add('missing-file', 'no bundle file at all: exit 3', null, { exit: 3 });
add('trust-key-invalid', 'a trusted key file whose self-signature does not verify: exit 4', base.text,
	{ trust: ['a', 'b-bad'], exit: 4 });
{
	// key C's record with an expires before the corpus's time (and now), carried in the bundle;
	// the verifier trusts C's plain record: the earlier expires counts (keys.md)
	const cRec = { ...keys.c.pub, expires: '2024-03-01T00:00:00Z' };
	delete cRec.signatures;
	const cLine = signedLine(cRec, ['c']);
	const keyLines = [R[I.keyB], R[I.keyA], cLine].sort((x, y) => (recordOf(x).key_id < recordOf(y).key_id ? -1 : 1));
	const rest = R.slice(I.keyA + 1);
	const c2 = resign(I.c2, {}, ['c']);
	const recs = [...keyLines, ...rest.map((l) => (l === R[I.c2] ? c2 : l === R[I.a2] ? reannotate(I.a2, { claim_revision: digestOf(c2) }) : l))];
	add('key-expired-carried', 'c2 signed by key C alone, whose key record carried in the bundle '
		+ 'expired on 2024-03-01: signature.expired, not counted, and no checkpoint vouches for it',
	sealed(recs), { trust: ['a', 'b', 'c'], must: [[L(recs.indexOf(c2)), 'signature.expired'],
		[L(recs.indexOf(c2)), 'signature.untrusted']] });
}

// ---- checkpoint lines and proof lines (bundle format 1.5) ----
// A second store: key A signs source s1 and claim c1; on the next day C and B checkpoint it; two
// days later A is revoked with compromised_since between the two. B makes the bundle of c1,
// which carries A's revocation, both checkpoints and a proof line after each.
{
	const cpRepo = join(work, 'cp-repo');
	mkdirSync(cpRepo);
	execFileSync('git', ['init', '-q', cpRepo], { env });
	const T0 = 1711972800; // 2024-04-01T12:00:00Z
	const when = (days) => ({ env: { ...env, SOURCE_DATE_EPOCH: String(T0 + days * 86400) } });
	const inCp = (args, key, days) => ct(['-C', cpRepo, ...args, '--key', keys[key].file], when(days));
	const plain = (args, days) => ct(['-C', cpRepo, ...args], when(days));
	inCp(['init'], 'a', 0);
	plain(['trust', 'add', keys.b.pubFile], 0);
	plain(['trust', 'add', keys.c.pubFile], 0);
	inCp(['source', 'add', '--title', 'A report', '--publisher', 'An agency', '--id', 's1'], 'a', 0);
	inCp(['claim', 'add', '--statement', 'The bridge was closed.', '--source', 's1', '--id', 'c1'], 'a', 0);
	inCp(['checkpoint'], 'b', 1);
	inCp(['checkpoint'], 'c', 1);
	inCp(['key', 'revoke', keys.a.id, '--reason', 'test: key stolen', '--compromised-since',
		'2024-04-03'], 'a', 3);
	const cpFile = join(work, 'cp.bundle');
	inCp(['bundle', 'create', 'c1', '-o', cpFile], 'b', 3);
	const cp = load(cpFile);
	const C = cp.recs;
	const kindOf = (l) => {
		const p = parse(l);
		const r = JSON.parse(p.payload.toString('utf8'));
		if (p.type === PROOF_TYPE) return `proof ${r.checkpoint.slice(-16)}`;
		if (r.type === 'key') return `key ${Object.keys(keys).find((k) => keys[k].id === r.key_id)}`;
		if (r.type === 'checkpoint') return `checkpoint ${r.id.slice(-16)}`;
		return `${r.type} ${r.id}@${r.revision}`;
	};
	const cpLayout = C.map(kindOf).map((k) => k.replace(keys.b.id, 'b').replace(keys.c.id, 'c'));
	const J = Object.fromEntries(cpLayout.map((k, i) => [k, i]));
	for (const k of ['key a', 'key b', 'key c', 'checkpoint b', 'proof b', 'checkpoint c', 'proof c',
		'source s1@1', 'claim c1@1'])
		if (!(k in J)) throw new Error(`unexpected checkpoint bundle: ${cpLayout.join(', ')}`);
	if (J['proof b'] !== J['checkpoint b'] + 1 || J['proof c'] !== J['checkpoint c'] + 1)
		throw new Error(`proof lines not after their checkpoints: ${cpLayout.join(', ')}`);
	// sealed by B, the creator, as bundle create sealed cp.bundle
	const cpSealed = (recs) => file([HEADER, ...recs, trailer(recs, { ...cp.trailer, records: recs.length,
		merkle_root: mth(recs.map(leaf)).toString('hex') }, 'b')]);
	const LC = (k) => L(J[k]);

	add('checkpoint-vouched', 'key A revoked with compromised_since 2024-04-03: its signatures on s1 '
		+ 'and c1 are held by checkpoint B of 2024-04-02 (its proof line valid) and count '
		+ '(signature.vouched); checkpoint C, by a key the verifier does not trust, vouches for '
		+ 'nothing and is no failure', cp.text,
	{ exit: 0, must: [[LC('key a'), 'key.revoked'], [LC('checkpoint b'), 'checkpoint.trusted'],
		[LC('proof b'), 'proof.valid'], [LC('checkpoint c'), 'checkpoint.untrusted'],
		[LC('source s1@1'), 'signature.vouched'], [LC('claim c1@1'), 'signature.vouched']] });
	{
		// c2, signed by A after its compromise: no checkpoint holds it
		const c2 = { type: 'claim', id: 'c2', revision: 1, created: '2024-04-03T18:00:00Z',
			statement: 'The bridge was reopened.',
			attribution: { source: 's1', source_revision: digestOf(C[J['source s1@1']]) } };
		const recs = [...C, signedLine(c2, ['a'])];
		add('checkpoint-not-vouched', 'the same bundle with claim c2, signed by revoked key A, that no '
			+ 'checkpoint holds: its signature is revoked, not vouched, and c2 fails', cpSealed(recs),
		{ must: [[L(recs.length - 1), 'signature.revoked'], [L(recs.length - 1), 'signature.untrusted'],
			[LC('claim c1@1'), 'signature.vouched']] });
	}
	{
		const recs = C.filter((_, i) => i !== J['checkpoint b'] && i !== J['proof b']);
		const at2 = (k) => L(recs.indexOf(C[J[k]]));
		add('checkpoint-untrusted', 'only checkpoint C, signed by a key the verifier does not trust: it '
			+ 'vouches for nothing, so what revoked key A signed fails', cpSealed(recs),
		{ must: [[at2('checkpoint c'), 'checkpoint.untrusted'], [at2('claim c1@1'), 'signature.revoked'],
			[at2('claim c1@1'), 'signature.untrusted'], [at2('source s1@1'), 'signature.untrusted']] });
		add('checkpoint-other-signer-trusted', 'the same bundle, the verifier trusting key C too: '
			+ 'checkpoint C vouches', cpSealed(recs), { trust: ['a', 'b', 'c'], exit: 0,
			must: [[at2('checkpoint c'), 'checkpoint.trusted'], [at2('claim c1@1'), 'signature.vouched']] });
	}
	{
		const p = JSON.parse(parse(C[J['proof b']]).payload.toString('utf8'));
		if (!p.leaves.length || !p.leaves[0].audit_path.length) throw new Error('proof b has no audit path');
		p.leaves[0].audit_path[0] = p.leaves[0].audit_path[0] === 'ef'.repeat(32) ? 'fe'.repeat(32) : 'ef'.repeat(32);
		const recs = C.map((l, i) => (i === J['proof b'] ? signedLine(p, ['b'], PROOF_TYPE) : l));
		add('checkpoint-proof-not-reaching-root', 'the proof line of checkpoint B with a changed audit '
			+ 'path hash (signed again by the creator): it does not reach the checkpoint\'s root, and '
			+ 'vouches for nothing', cpSealed(recs),
		{ must: [[LC('proof b'), 'proof.mismatch'], [LC('claim c1@1'), 'signature.untrusted']] });
	}
}

// ---- writing them ----

const trustFiles = {
	a: () => readFileSync(keys.a.pubFile),
	b: () => readFileSync(keys.b.pubFile),
	c: () => readFileSync(keys.c.pubFile),
	'a-revoked': () => JSON.stringify(JSON.parse(ct(['canon'], { input: recordAsJson(revokedKey('a')) })), null, 2) + '\n',
	'b-bad': () => { const r = JSON.parse(readFileSync(keys.b.pubFile, 'utf8')); r.signatures = parse(badSig(signedLine({ ...r, signatures: undefined }, ['b']))).sigs.map((s) => ({ key_id: s.keyid, sig: s.sig })); return JSON.stringify(r, null, 2) + '\n'; },
};
function recordAsJson(line) {
	const p = parse(line);
	const r = JSON.parse(p.payload.toString('utf8'));
	r.signatures = p.sigs.map((s) => ({ key_id: s.keyid, sig: s.sig }));
	return JSON.stringify(r);
}

for (const d of readdirSync(HERE, { withFileTypes: true }))
	if (d.isDirectory() && d.name !== 'keys') rmSync(join(HERE, d.name), { recursive: true });

function cReport(dir, c) {
	const args = ['verify', join(dir, 'bundle'), '--trust', join(dir, 'trust'), '--json'];
	if (c.threshold > 1) args.push('--threshold', String(c.threshold));
	let out = '', status = 0;
	try {
		out = execFileSync(CT, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
	} catch (e) {
		out = e.stdout || '';
		status = e.status;
	}
	let lines = [];
	try {
		lines = JSON.parse(out).lines.map((l) => ({ line: l.line, codes: [...new Set(l.codes)].sort() }));
	} catch {
		lines = []; // not a bundle, no file, unusable trust: no report
	}
	return { exit: status, lines };
}

let n = 0;
for (const c of cases) {
	const dir = join(HERE, c.name);
	mkdirSync(join(dir, 'trust'), { recursive: true });
	if (c.bytes !== null) writeFileSync(join(dir, 'bundle'), c.bytes);
	for (const t of c.trust) writeFileSync(join(dir, 'trust', `${t}.pub`), trustFiles[t]());
	const got = cReport(dir, c);
	if (got.exit !== c.exit) throw new Error(`${c.name}: exit ${got.exit}, the case says ${c.exit}`);
	for (const [line, code] of c.must) {
		const l = got.lines.find((x) => x.line === line);
		if (!l || !l.codes.includes(code))
			throw new Error(`${c.name}: line ${line} has no ${code}: ${JSON.stringify(got.lines)}`);
	}
	const expected = { about: c.about, threshold: c.threshold, exit: got.exit, lines: got.lines };
	writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected, null, 1) + '\n');
	n++;
}

// ---- inclusion proofs ----

inRepo(['bundle', 'prove', baseFile, 'c2', '-o', join(work, 'c2.proof')]);
const root = base.trailer.merkle_root;
const proof = JSON.parse(readFileSync(join(work, 'c2.proof'), 'utf8'));
const proofs = [
	['proof-valid', 'an inclusion proof of c2 against the bundle\'s root', proof, root, 0],
	['proof-wrong-root', 'the same proof against another root', proof, 'cd'.repeat(32), 1],
	['proof-record-changed', 'the proof\'s record line with a changed statement, re-signed',
		{ ...proof, record: resign(I.c2, { statement: 'Changed.' }) }, root, 1],
	['proof-path-changed', 'a changed hash in the audit path',
		{ ...proof, audit_path: proof.audit_path.map((h, i) => (i === 0 ? 'ef'.repeat(32) : h)) }, root, 1],
];
for (const [name, about, p, r, exit] of proofs) {
	const dir = join(HERE, name);
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'proof'), canon(p) + '\n');
	let status = 0;
	try {
		execFileSync(CT, ['verify', '--proof', join(dir, 'proof'), '--root', r], { env, stdio: 'ignore' });
	} catch (e) {
		status = e.status;
	}
	if (status !== exit) throw new Error(`${name}: exit ${status}, the case says ${exit}`);
	writeFileSync(join(dir, 'expected.json'), JSON.stringify({ about, proof: true, root: r, exit }, null, 1) + '\n');
	n++;
}
rmSync(work, { recursive: true });
console.log(`${n} cases written to ${HERE}`);
