/*
 * Verifying a bundle, streaming (docs/bundle.md, "Verifying"). The main thread reads lines into
 * a ring of items; a small pool of threads decodes each line and checks its signatures (the
 * costly part, independent per line), taking lines one at a time as they are read; the main
 * thread takes the results in file order and does what needs the order: the Merkle tree, the
 * record order, revision chains, references to sources, claims and keys, text lines against the
 * source revision before them, --threshold on each claim's current revision (a claim line's
 * report waits for the next line), and the report. Between those it reads and checks lines
 * itself. There is no step at which every thread waits for the others (a thread the machine
 * gives less time to holds back only the lines it has taken). Records decode in one pass over
 * their canonical bytes (canonscan.c), not into jansson trees; key records and anything the
 * fast path does not take go through ct__bundle_record_decode. Memory: the ring (RING_MAX
 * lines, RING_BYTES of them at most), the carried keys, the digests of the carried sources, and
 * the current claim's revisions; not the number of claims.
 */
#include "bundle_internal.h"
#include "canonscan.h"
#include "error.h"
#include "keyring.h"
#include "parallel.h"
#include "record_internal.h"
#include "sha256.h"
#include "record_internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING_MAX 512		       /* lines read and not yet taken in order */
#define RING_BYTES (16u * 1024 * 1024) /* and their bytes, past the first of them */
#define PUBLISH_EVERY 16	       /* lines read before the workers hear of them */
#define THREADS_MAX 64
#define MSG_MAX 320

enum { SIG_UNTRUSTED = 0, SIG_VALID, SIG_BAD };

/* A string member the ordered checks use: an id or a digest, or absent. */
#define ID_SIZE (CT_ID_MAX + 1)
#define DIGEST_SIZE (CT_DIGEST_LEN + 1)

typedef struct {
	ct_buf line;
	uint64_t lineno;
	int toolong, unterminated;
	/* filled by the worker */
	uint8_t leaf[CT_HASH_LEN];
	int trailer;
	int text;    /* a text line: body is the text, digest its SHA-256 */
	int proof;   /* a checkpoint proof line: body is its JSON (docs/bundle.md 1.5) */
	int decoded; /* the record decoded: the members below are set */
	int error;   /* the line does not decode, or a key record is invalid */
	char msg[MSG_MAX];
	ct_kind kind;
	uint8_t digest[CT_HASH_LEN];
	/* the members the ordered checks need ("" when absent) */
	char id[ID_SIZE];   /* id, or key_id for a key */
	long long revision; /* 0 when absent */
	char prev[DIGEST_SIZE];
	char claim[ID_SIZE], claim_revision[DIGEST_SIZE];
	char source[ID_SIZE], source_revision[DIGEST_SIZE]; /* attribution.source, ... */
	char dispute_source[ID_SIZE];
	char archive_sha256[65]; /* a source's archive: sha256 (hex), length, stored */
	long long archive_length;
	int archive_stored;
	ct_buf evidence; /* evidence ids, each followed by a NUL */
	size_t nevidence;
	int revoked;
	char until[CT_TIMESTAMP_LEN + 1];   /* a revoked key's compromised_since ("" when none) */
	char revoked_by[CT_KEY_ID_LEN + 1]; /* a revocation made by another key: its id, or "" */
	int revoke_granted; /* that key's valid signature, and the trust list grants the right */
	char expires[CT_TIMESTAMP_LEN + 1]; /* a key's expires ("" when none) */
	/* a checkpoint's members */
	char cp_created[CT_TIMESTAMP_LEN + 1];
	uint8_t cp_root[CT_HASH_LEN];
	long long cp_records;
	size_t nsigs;
	char keyids[CT_ENVELOPE_SIGS_MAX][CT_KEY_ID_LEN + 1]; /* each signature's key id hint */
	char signer[CT_ENVELOPE_SIGS_MAX][CT_KEY_ID_LEN + 1]; /* SIG_VALID: the key that made it */
	uint8_t sig[CT_ENVELOPE_SIGS_MAX];
	uint8_t sigbytes[CT_ENVELOPE_SIGS_MAX][64]; /* each signature, decoded */
	/* the worker's scratch, kept while the ring turns */
	ct_buf body, pae;
	atomic_int done; /* work_item is done with it (release; read with acquire) */
} item;

static int digest_of(uint8_t out[CT_HASH_LEN], const char *digest);

static void item_free(item *it)
{
	ct_buf_free(&it->line);
	ct_buf_free(&it->evidence);
	ct_buf_free(&it->body);
	ct_buf_free(&it->pae);
}

/* ---- decoding a record line ---- */

static int safe_id_char(char c, size_t i)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
}

/* Copies a scanned string that is a safe id (format.md) into out: 0, or -1 when it is not. */
static int take_id(char out[ID_SIZE], const ct__cval *v)
{
	size_t i;

	if (v->type != CT__CV_STRING || v->escaped || v->len == 0 || v->len > CT_ID_MAX)
		return -1;
	for (i = 0; i < v->len; i++)
		if (!safe_id_char(v->ptr[i], i))
			return -1;
	memcpy(out, v->ptr, v->len);
	out[v->len] = '\0';
	return 0;
}

/* Copies a scanned string that is a digest "sha256:<64 lowercase hex>": 0, or -1. */
static int take_digest(char out[DIGEST_SIZE], const ct__cval *v)
{
	size_t i;

	if (v->type != CT__CV_STRING || v->len != CT_DIGEST_LEN || memcmp(v->ptr, "sha256:", 7))
		return -1;
	for (i = 7; i < CT_DIGEST_LEN; i++)
		if (!((v->ptr[i] >= '0' && v->ptr[i] <= '9') ||
			    (v->ptr[i] >= 'a' && v->ptr[i] <= 'f')))
			return -1;
	memcpy(out, v->ptr, CT_DIGEST_LEN);
	out[CT_DIGEST_LEN] = '\0';
	return 0;
}

static void clear_members(item *it)
{
	it->id[0] = it->prev[0] = it->claim[0] = it->claim_revision[0] = '\0';
	it->source[0] = it->source_revision[0] = it->dispute_source[0] = '\0';
	it->archive_sha256[0] = '\0';
	it->archive_length = -1;
	it->archive_stored = 0;
	it->revision = 0;
	it->revoked = 0;
	it->revoked_by[0] = '\0';
	it->revoke_granted = 0;
	it->until[0] = it->expires[0] = it->cp_created[0] = '\0';
	it->cp_records = -1;
	it->nevidence = 0;
	ct_buf_clear(&it->evidence);
}

/*
 * Where the members the ordered checks read are: the record schemas say it (record_internal.h),
 * for each slot the member's name and the object holding it (NULL at the top level), the same
 * in every kind of the fast path that has the slot. Computed once.
 */
static const char *slot_parent[CT__BV_COUNT], *slot_name[CT__BV_COUNT];
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void slots_init(void)
{
	const ct__member *m;
	const char *parent;
	ct_kind kind;
	int slot;

	for (slot = CT__BV_TYPE; slot < CT__BV_COUNT; slot++)
		for (kind = 0; kind < CT_KIND_KEY && !slot_name[slot]; kind++)
			if ((m = ct__record_schema_slot(&parent, kind, (ct__bv_slot)slot))) {
				slot_parent[slot] = parent;
				slot_name[slot] = m->name;
			}
}

/*
 * The fast path for sources, claims and annotations (docs/bundle.md, "Verifying"): the payload
 * must be a canonical record (canonscan.c, one pass, no tree), of the type its payloadType
 * names, without "signatures", and the members the ordered checks use must be what the schema
 * says they are. -1 when anything is otherwise, without a message: the full path (jansson,
 * ct__bundle_record_decode) then decides and says what is wrong, so a refusal reads as before.
 */
static int fast_decode(item *it, const ct__envelope *env)
{
	ct__cval v[CT__BV_COUNT];
	ct__cwant wants[CT__BV_COUNT];
	ct__cval type, id, rev, prev, sigs, claim, crev, evidence, asrc, asrev, attribution,
		dispute, dsrc, arsha, arlen, arstored;
	size_t nwants = 0;
	int slot;
	ct_kind kind;
	const char *name;

	for (kind = 0; kind < CT_KIND_KEY; kind++)
		if (ct__envelope_type_is(env, ct_kind_payload_type(kind)))
			break;
	if (kind == CT_KIND_KEY) /* keys (few) need the tree for their self-signature */
		return -1;
	/* every member the schemas say verification reads, each into v[its slot] */
	pthread_once(&slots_once, slots_init);
	memset(v, 0, sizeof(v));
	for (slot = 0; slot < CT__BV_COUNT; slot++)
		if (slot_name[slot]) {
			wants[nwants].parent = slot_parent[slot];
			wants[nwants].name = slot_name[slot];
			wants[nwants++].out = &v[slot];
		}
	if (ct__envelope_payload(&it->body, env) < 0 ||
		ct__canon_scan((const uint8_t *)it->body.ptr, it->body.len, wants, nwants) < 0)
		return -1;
	type = v[CT__BV_TYPE], id = v[CT__BV_ID], rev = v[CT__BV_REVISION];
	prev = v[CT__BV_PREV], sigs = v[CT__BV_SIGNATURES], claim = v[CT__BV_CLAIM];
	crev = v[CT__BV_CLAIM_REVISION], evidence = v[CT__BV_EVIDENCE];
	attribution = v[CT__BV_ATTRIBUTION], asrc = v[CT__BV_SOURCE];
	asrev = v[CT__BV_SOURCE_REVISION], dispute = v[CT__BV_DISPUTE];
	dsrc = v[CT__BV_DISPUTE_SOURCE], arsha = v[CT__BV_ARCHIVE_SHA256];
	arlen = v[CT__BV_ARCHIVE_LENGTH], arstored = v[CT__BV_ARCHIVE_STORED];
	name = ct_kind_name(kind);
	if (type.type != CT__CV_STRING || type.len != strlen(name) ||
		memcmp(type.ptr, name, type.len) != 0 || sigs.type != CT__CV_NONE ||
		take_id(it->id, &id) < 0)
		return -1;
	if (kind == CT_KIND_ANNOTATION) {
		ct__cval e;
		size_t pos = 0;

		if (rev.type != CT__CV_NONE || prev.type != CT__CV_NONE ||
			take_id(it->claim, &claim) < 0 ||
			take_digest(it->claim_revision, &crev) < 0)
			return -1;
		if (evidence.type != CT__CV_NONE && evidence.type != CT__CV_ARRAY)
			return -1;
		while (ct__canon_array_next(&e, &evidence, &pos)) {
			char ev[ID_SIZE];
			if (take_id(ev, &e) < 0 || ct_buf_put(&it->evidence, ev, e.len + 1) < 0)
				return -1;
			it->nevidence++;
		}
		if ((dispute.type != CT__CV_NONE && dispute.type != CT__CV_OBJECT) ||
			(dsrc.type != CT__CV_NONE && take_id(it->dispute_source, &dsrc) < 0))
			return -1;
	} else {
		/* a revision >= 1, and "prev" exactly when it is above 1 */
		if (rev.type != CT__CV_INTEGER || rev.integer < 1 ||
			(prev.type != CT__CV_NONE && take_digest(it->prev, &prev) < 0) ||
			(rev.integer == 1) != (prev.type == CT__CV_NONE))
			return -1;
		it->revision = rev.integer;
		if (kind == CT_KIND_SOURCE && arsha.type == CT__CV_STRING && arsha.len == 64 &&
			!arsha.escaped) {
			memcpy(it->archive_sha256, arsha.ptr, 64);
			it->archive_sha256[64] = '\0';
			it->archive_length = arlen.type == CT__CV_INTEGER ? arlen.integer : -1;
			it->archive_stored = arstored.type == CT__CV_TRUE;
		}
		if (kind == CT_KIND_CLAIM &&
			(attribution.type != CT__CV_OBJECT || take_id(it->source, &asrc) < 0 ||
				(asrev.type != CT__CV_NONE &&
					take_digest(it->source_revision, &asrev) < 0)))
			return -1;
	}
	it->kind = kind;
	return 0;
}

/* Copies s ("" when NULL), cut to size (ids and digests are checked to fit); used for every
 * record, so not through snprintf. */
static void copy_str(char *out, size_t size, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

/* The member of rec (of kind) that the schema puts in slot: borrowed, NULL when absent. */
static const json_t *slot_member(const json_t *rec, ct_kind kind, ct__bv_slot slot)
{
	const char *parent;
	const ct__member *m = ct__record_schema_slot(&parent, kind, slot);

	return m ? json_object_get(parent ? json_object_get(rec, parent) : rec, m->name) : NULL;
}

/* The full path: ct__bundle_record_decode (parser, canonical check, schema), then the members
 * taken from the tree; key records also get their self-signature checked. */
static int full_decode(item *it, ct__envelope *env)
{
	json_t *rec = NULL;
	const json_t *ev;
	ct_kind k;
	size_t i;
	int error;

	if ((error = ct__bundle_record_decode(&rec, &it->body, env, it->line.ptr, it->line.len)) <
		0)
		return error;
	ct_record_kind(&it->kind, rec);
	k = it->kind;
	if (k == CT_KIND_CHECKPOINT) {
		/* a checkpoint (docs/bundle.md 1.5): the schema (decode) says these are well formed */
		const char *root = json_string_value(json_object_get(rec, "root"));
		copy_str(it->cp_created, sizeof(it->cp_created),
			json_string_value(json_object_get(rec, "created")));
		it->cp_records = json_integer_value(json_object_get(rec, "records"));
		if (!root || digest_of(it->cp_root, root) < 0) {
			error = ct_error_set(
				CT_EINVALID, "checkpoint %s: no root", ct_record_id(rec));
			goto done;
		}
	}
	copy_str(it->id, sizeof(it->id), ct_record_id(rec));
	it->revision = json_integer_value(slot_member(rec, k, CT__BV_REVISION));
	copy_str(it->prev, sizeof(it->prev), json_string_value(slot_member(rec, k, CT__BV_PREV)));
	copy_str(
		it->claim, sizeof(it->claim), json_string_value(slot_member(rec, k, CT__BV_CLAIM)));
	copy_str(it->claim_revision, sizeof(it->claim_revision),
		json_string_value(slot_member(rec, k, CT__BV_CLAIM_REVISION)));
	copy_str(it->source, sizeof(it->source),
		json_string_value(slot_member(rec, k, CT__BV_SOURCE)));
	copy_str(it->source_revision, sizeof(it->source_revision),
		json_string_value(slot_member(rec, k, CT__BV_SOURCE_REVISION)));
	copy_str(it->dispute_source, sizeof(it->dispute_source),
		json_string_value(slot_member(rec, k, CT__BV_DISPUTE_SOURCE)));
	json_array_foreach (slot_member(rec, k, CT__BV_EVIDENCE), i, ev) {
		if (!json_is_string(ev))
			continue;
		if ((error = ct_buf_put(
			     &it->evidence, json_string_value(ev), json_string_length(ev) + 1)) < 0)
			goto done;
		it->nevidence++;
	}
	it->revoked = slot_member(rec, k, CT__BV_REVOKED) != NULL;
	if (it->revoked)
		copy_str(it->until, sizeof(it->until),
			json_string_value(json_object_get(
				slot_member(rec, k, CT__BV_REVOKED), "compromised_since")));
	if (it->kind == CT_KIND_SOURCE) {
		const json_t *len = slot_member(rec, k, CT__BV_ARCHIVE_LENGTH);
		copy_str(it->archive_sha256, sizeof(it->archive_sha256),
			json_string_value(slot_member(rec, k, CT__BV_ARCHIVE_SHA256)));
		it->archive_length = json_is_integer(len) ? json_integer_value(len) : -1;
		it->archive_stored = json_is_true(slot_member(rec, k, CT__BV_ARCHIVE_STORED));
	}
	it->decoded = 1;
	if (it->kind == CT_KIND_KEY) {
		error = ct_key_record_check(
			rec); /* a carried key is checked, never trusted for it */
		copy_str(it->revoked_by, sizeof(it->revoked_by), ct_key_record_revoked_by(rec));
		copy_str(it->expires, sizeof(it->expires),
			json_string_value(json_object_get(rec, "expires")));
	}
done:
	json_decref(rec);
	return error;
}

/* Decodes an envelope signature, base64 of exactly 64 bytes: 0, or -1. */
static int sig_decode(uint8_t sig[64], const ct__env_sig *s)
{
	size_t n = 0;

	return ct_base64_decode_len(sig, 64, &n, s->sig, s->sig_len) < 0 || n != 64 ? -1 : 0;
}

/*
 * An annotation's id is derived (workflow.md, "Annotation ids"): <kind>-<first 12 hex digits of
 * SHA-256(JCS(annotation without "id" and "signatures") || "\n" || first signer's key id)>.
 * The body is canonical and has no "signatures", so the JCS without "id" is the body with the
 * member "id" (and one comma) cut out: members stay in order. -1 with it->msg when it differs.
 */
static int annotation_id_check(item *it, const char *signer)
{
	ct__cval id, kind;
	const ct__cwant wants[] = {{NULL, "id", &id}, {NULL, "kind", &kind}};
	const char *body = it->body.ptr;
	size_t from, to;
	uint8_t h[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1], want[ID_SIZE + 16];

	if (ct__canon_scan((const uint8_t *)body, it->body.len, wants, 2) < 0 ||
		id.type != CT__CV_STRING || kind.type != CT__CV_STRING || kind.escaped ||
		kind.len > CT_ID_MAX) {
		snprintf(it->msg, sizeof(it->msg), "annotation %s: no id or kind", it->id);
		return -1;
	}
	from = (size_t)(id.ptr - body) - strlen("\"id\":\"");
	to = (size_t)(id.ptr - body) + id.len + 1;
	if (body[from - 1] == ',')
		from--;
	else if (body[to] == ',')
		to++;
	ct_buf_clear(&it->pae);
	if (ct_buf_put(&it->pae, body, from) < 0 ||
		ct_buf_put(&it->pae, body + to, it->body.len - to) < 0 ||
		ct_buf_putc(&it->pae, '\n') < 0 || ct_buf_puts(&it->pae, signer) < 0) {
		snprintf(it->msg, sizeof(it->msg), "out of memory");
		return -1;
	}
	ct__sha256(h, it->pae.ptr, it->pae.len);
	ct_hex(hex, h, CT_HASH_LEN);
	snprintf(want, sizeof(want), "%.*s-%.12s", (int)kind.len, kind.ptr, hex);
	if (strcmp(want, it->id) != 0) {
		snprintf(it->msg, sizeof(it->msg),
			"annotation %s: its id is not the one its content and first signer (key %s) "
			"give, %s",
			it->id, signer, want);
		return -1;
	}
	return 0;
}

static void work_item(item *it, const ct_keyring *trust)
{
	ct__envelope env;
	int env_ok;
	size_t i;

	it->trailer = 0;
	it->text = 0;
	it->proof = 0;
	it->decoded = 0;
	it->error = 0;
	it->msg[0] = '\0';
	it->nsigs = 0;
	clear_members(it);
	if (it->toolong) { /* its leaf (the whole line's) comes from the reader */
		it->error = CT_EINVALID;
		snprintf(it->msg, sizeof(it->msg), "longer than %d bytes", CT_BUNDLE_LINE_MAX);
		return;
	}
	ct_merkle_leaf_hash(it->leaf, (const uint8_t *)it->line.ptr, it->line.len);
	env_ok = ct__envelope_parse(&env, it->line.ptr, it->line.len) == 0;
	if (env_ok && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
		it->trailer = 1;
		return;
	}
	if (env_ok && ct__envelope_type_is(&env, CT_BUNDLE_TEXT_TYPE)) {
		/* a source text: the payload is the text; the line before says whose (ordered) */
		it->text = 1;
		it->kind = CT_KIND_SOURCE;
		if (ct__envelope_payload(&it->body, &env) < 0) {
			it->error = CT_EINVALID;
			snprintf(it->msg, sizeof(it->msg), "text: %s", ct_error_last());
			return;
		}
		it->decoded = 1;
	} else if (env_ok && ct__envelope_type_is(&env, CT_BUNDLE_PROOF_TYPE)) {
		/* inclusion proofs for the checkpoint on the line before (ordered) */
		it->proof = 1;
		it->kind = CT_KIND_CHECKPOINT;
		if (ct__envelope_payload(&it->body, &env) < 0) {
			it->error = CT_EINVALID;
			snprintf(it->msg, sizeof(it->msg), "checkpoint proof: %s", ct_error_last());
			return;
		}
		it->decoded = 1;
	} else if (env_ok && fast_decode(it, &env) == 0) {
		it->decoded = 1;
	} else {
		clear_members(it);
		if ((it->error = full_decode(it, &env)) < 0) {
			snprintf(it->msg, sizeof(it->msg), "%s", ct_error_last());
			if (!it->decoded)
				return;
		}
	}
	for (i = 0; i < env.nsigs; i++) {
		if (sig_decode(it->sigbytes[i], &env.sigs[i]) < 0) { /* decoded once, kept */
			/* as the schema says for every kind (format.md 5.1), keys included */
			it->error = CT_EINVALID;
			it->decoded = 0;
			snprintf(it->msg, sizeof(it->msg),
				"%s %s: signature %zu (key %s): \"sig\" is not canonical base64 of 64 "
				"bytes",
				it->text ? "text" : ct_kind_name(it->kind), it->id, i,
				env.sigs[i].keyid);
			return;
		}
	}
	if (it->kind == CT_KIND_ANNOTATION && it->error == 0 &&
		annotation_id_check(it, env.sigs[0].keyid) < 0) {
		it->error = CT_EINVALID;
		it->decoded = 0;
		return;
	}
	ct__sha256(it->digest, it->body.ptr, it->body.len);
	it->nsigs = env.nsigs;
	for (i = 0; i < env.nsigs; i++)
		memcpy(it->keyids[i], env.sigs[i].keyid, CT_KEY_ID_LEN + 1);
	if (it->kind == CT_KIND_KEY && it->revoked_by[0] && it->error == 0 &&
		ct_keyring_may_revoke(trust, it->revoked_by, it->id)) {
		/* a revocation by another key: its signature, by a key the reader grants the right */
		ct_buf_clear(&it->pae);
		if (ct_pae(&it->pae, ct_kind_payload_type(CT_KIND_KEY),
			    (const uint8_t *)it->body.ptr, it->body.len) < 0) {
			it->error = CT_ENOMEM;
			it->decoded = 0;
			snprintf(it->msg, sizeof(it->msg), "out of memory");
			return;
		}
		for (i = 0; i < env.nsigs; i++) {
			if (strcmp(env.sigs[i].keyid, it->revoked_by) != 0)
				continue;
			if (ct_keyring_verify_bytes(trust, it->revoked_by, it->sigbytes[i],
				    (const uint8_t *)it->pae.ptr, it->pae.len) == 0)
				it->revoke_granted = 1;
			else
				ct_error_clear();
		}
	}
	if (it->kind == CT_KIND_KEY)
		return;
	ct_buf_clear(&it->pae);
	if (ct_pae(&it->pae,
		    it->text		? CT_BUNDLE_TEXT_TYPE
			    : it->proof ? CT_BUNDLE_PROOF_TYPE
					: ct_kind_payload_type(it->kind),
		    (const uint8_t *)it->body.ptr, it->body.len) < 0) {
		it->error = CT_ENOMEM;
		it->decoded = 0;
		snprintf(it->msg, sizeof(it->msg), "out of memory");
		return;
	}
	for (i = 0; i < env.nsigs; i++) {
		const char *by = NULL;
		int named = ct_keyring_find(trust, env.sigs[i].keyid) != NULL;

		/* the key id is a hint: checked first, then every other trusted key (sign.c) */
		it->sig[i] = named ? SIG_BAD : SIG_UNTRUSTED;
		if (ct_keyring_verify_any(&by, trust, env.sigs[i].keyid, it->sigbytes[i],
			    (const uint8_t *)it->pae.ptr, it->pae.len) == 0) {
			it->sig[i] = SIG_VALID;
			memcpy(it->signer[i], by, CT_KEY_ID_LEN + 1);
		}
	}
}

/* ---- the pool ---- */

/*
 * Lines are numbered as read (0, 1, ...); line n lives in ring[n % RING_MAX]. The main thread
 * alone reads (advancing `read`, with release, once the line is in its item) and takes lines in
 * order (`ordered`, its own); any thread takes the next line to check from `next`, never beyond
 * `read`. A worker with nothing to take sleeps on `more`; the main thread, when the line it
 * needs next is still being checked and there is nothing left to take, sleeps on `finished`.
 */
typedef struct {
	pthread_t threads[THREADS_MAX];
	unsigned nthreads; /* workers besides the main thread */
	pthread_mutex_t mu;
	pthread_cond_t more, finished;
	int quit;     /* under mu */
	int sleepers; /* workers waiting on more, under mu */
	int waiting;  /* the main thread waits on finished, under mu */
	item *ring;
	atomic_size_t read, next;
	const ct_keyring *trust;
} pool;

/* Takes the next line to check, if one is read and not taken: its number, or SIZE_MAX. */
static size_t take(pool *p)
{
	size_t n = atomic_load(&p->next);

	while (n < atomic_load_explicit(&p->read, memory_order_acquire))
		if (atomic_compare_exchange_weak(&p->next, &n, n + 1))
			return n;
	return SIZE_MAX;
}

static void check_line(pool *p, size_t n)
{
	item *it = &p->ring[n % RING_MAX];

	work_item(it, p->trust);
	atomic_store_explicit(&it->done, 1, memory_order_release);
}

static void *worker(void *arg)
{
	pool *p = arg;
	size_t n;

	for (;;) {
		while ((n = take(p)) != SIZE_MAX) {
			check_line(p, n);
			pthread_mutex_lock(&p->mu);
			if (p->waiting)
				pthread_cond_signal(&p->finished);
			pthread_mutex_unlock(&p->mu);
		}
		pthread_mutex_lock(&p->mu);
		p->sleepers++;
		while (!p->quit && atomic_load(&p->next) >= atomic_load(&p->read))
			pthread_cond_wait(&p->more, &p->mu);
		p->sleepers--;
		if (p->quit) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_mutex_unlock(&p->mu);
	}
}

static int pool_start(pool *p, unsigned threads, const ct_keyring *trust, item *ring)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->trust = trust;
	p->ring = ring;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->finished, NULL);
	for (i = 0; i + 1 < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break; /* fewer threads: slower, not wrong */
		p->nthreads++;
	}
	return 0;
}

/* Publishes the lines read so far (up to `read`) and wakes a sleeping worker. */
static void pool_publish(pool *p, size_t read)
{
	atomic_store_explicit(&p->read, read, memory_order_release);
	pthread_mutex_lock(&p->mu);
	if (p->sleepers)
		pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->mu);
}

/* Line n checked, by whichever thread took it: helps with the lines not taken meanwhile, and
 * sleeps only when every line before n's result is taken by another thread. */
static void pool_await(pool *p, size_t n)
{
	item *it = &p->ring[n % RING_MAX];
	size_t k;

	while (!atomic_load_explicit(&it->done, memory_order_acquire)) {
		if ((k = take(p)) != SIZE_MAX) {
			check_line(p, k);
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->waiting = 1;
		while (!atomic_load_explicit(&it->done, memory_order_acquire))
			pthread_cond_wait(&p->finished, &p->mu);
		p->waiting = 0;
		pthread_mutex_unlock(&p->mu);
	}
}

/* Stops the workers; they finish the line in hand first (the ring outlives them). */
static void pool_stop(pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->finished);
}

/* ---- a set of 32-byte hashes (open addressing) ---- */

typedef struct {
	uint8_t (*slots)[CT_HASH_LEN];
	uint8_t *used;
	size_t cap, count;
} hash_set;

static size_t slot_of(const uint8_t h[CT_HASH_LEN], size_t cap)
{
	uint64_t v;

	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (cap - 1));
}

static int set_has(const hash_set *s, const uint8_t h[CT_HASH_LEN])
{
	size_t i;

	if (!s->cap)
		return 0;
	for (i = slot_of(h, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (memcmp(s->slots[i], h, CT_HASH_LEN) == 0)
			return 1;
	return 0;
}

static int set_add(hash_set *s, const uint8_t h[CT_HASH_LEN])
{
	size_t i;

	if (set_has(s, h))
		return 0;
	if ((s->count + 1) * 2 > s->cap) {
		hash_set bigger = {NULL, NULL, s->cap ? s->cap * 2 : 64, 0};
		if (!(bigger.slots = calloc(bigger.cap, CT_HASH_LEN)) ||
			!(bigger.used = calloc(bigger.cap, 1))) {
			free(bigger.slots);
			return ct__oom();
		}
		for (i = 0; i < s->cap; i++)
			if (s->used[i])
				set_add(&bigger, s->slots[i]);
		free(s->slots);
		free(s->used);
		*s = bigger;
	}
	for (i = slot_of(h, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		;
	memcpy(s->slots[i], h, CT_HASH_LEN);
	s->used[i] = 1;
	s->count++;
	return 0;
}

static void set_free(hash_set *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* Source ids go into the same set as source digests, hashed with a distinct prefix. */
static void id_key(uint8_t out[CT_HASH_LEN], const char *id)
{
	ct__sha256_pair(out, "source-id\n", 10, id, strlen(id));
}

/* And (digest, id) pairs: a claim's source_revision must be a revision of its source. */
static void revision_key(
	uint8_t out[CT_HASH_LEN], const uint8_t digest[CT_HASH_LEN], const char *id)
{
	uint8_t k[CT_HASH_LEN + 16] = "source-revision";

	memcpy(k + 16, digest, CT_HASH_LEN);
	ct__sha256_pair(out, k, sizeof(k), id, strlen(id));
}

/* ---- the ordered checks ---- */

typedef struct {
	char id[CT_KEY_ID_LEN + 1];
	int revoked;
	int valid;
	char until[CT_TIMESTAMP_LEN + 1];   /* the revocation's compromised_since, "" when none */
	char expires[CT_TIMESTAMP_LEN + 1]; /* the key's expires, "" when none */
} carried_key;

/* A signature a vouching checkpoint's tree holds (docs/bundle.md 1.5). */
typedef struct {
	uint8_t digest[CT_HASH_LEN];
	uint8_t sig[64];
	char created[CT_TIMESTAMP_LEN + 1]; /* the checkpoint's time */
} vouch;

typedef struct {
	const ct_bundle_verify_opts *opts;
	const char *path;
	char now[CT_TIMESTAMP_LEN + 1]; /* when the verification began: expiry is judged at it */
	ct_bundle_report_fn fn;
	void *payload;
	ct_merkle tree;
	uint64_t records;
	/* order: (rank, id, sub, revision, annotation id) of the previous record */
	int have_prev;
	int prev_rank, prev_sub;
	char prev_id[CT_ID_MAX + 1], prev_aid[CT_ID_MAX + 1];
	long long prev_rev;
	/* carried keys, sorted by id */
	carried_key *keys;
	size_t nkeys, capkeys;
	/* sources: digests and ids */
	hash_set sources;
	/* the revision chain being walked */
	int chain_kind;
	char chain_id[CT_ID_MAX + 1];
	long long chain_rev;
	uint8_t chain_digest[CT_HASH_LEN];
	/* the current claim's revision digests, for its annotations */
	char claim_id[CT_ID_MAX + 1];
	int claim_partial;
	uint8_t (*claim_digests)[CT_HASH_LEN];
	size_t nclaim, capclaim;
	/* partial chains (a first carried revision above 1) */
	uint64_t partial_line;
	long long partial_rev;
	char partial_label[CT_LABEL_MAX + 32];
	/* "claim <id> revision <n>" for messages, made only when one is needed */
	char label[CT_LABEL_MAX + 32];
	const item *label_for;
	/* outcome */
	int trailer_seen;
	uint8_t trailer_hash[CT_HASH_LEN]; /* SHA-256 of the trailer line */
	uint64_t last_line;
	uint64_t failed;
	int only_untrusted;
	char first[1024];
	ct_bundle_info *info;
	uint64_t counts[CT_KIND_COUNT];
	/* the line being reported */
	ct_bundle_line_report rep;
	char msg[512];
	/* a claim revision's report, held until the next line shows whether it is the claim's
	 * current (last carried) revision, which --threshold applies to */
	int pending;
	ct_bundle_line_report pending_rep;
	char pending_msg[512];
	char pending_id[CT_ID_MAX + 1];
	/* the source revision on the line before, which a text line belongs to */
	int text_slot;
	char text_source[CT_ID_MAX + 1];
	long long text_rev, text_length;
	char text_sha256[65];
	int text_stored;
	uint64_t texts;
	/* the checkpoint on the line before, which a proof line belongs to */
	int cp_slot, cp_vouches;
	char cp_id[CT_ID_MAX + 1], cp_created[CT_TIMESTAMP_LEN + 1];
	uint8_t cp_root[CT_HASH_LEN];
	long long cp_records;
	/* what vouching checkpoints hold */
	vouch *vouches;
	size_t nvouches, capvouches;
} vstate;

static void add_code(vstate *s, const char *code)
{
	if (s->rep.ncodes < CT_BUNDLE_CODES_MAX)
		s->rep.codes[s->rep.ncodes++] = code;
}

/* Records a failure of the current line: code, and the message (first one kept). */
static void fail(vstate *s, const char *code, int untrusted, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static void fail(vstate *s, const char *code, int untrusted, const char *fmt, ...)
{
	va_list ap;

	add_code(s, code);
	if (s->rep.ok) {
		va_start(ap, fmt);
		vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
		va_end(ap);
		s->rep.message = s->msg;
	}
	s->rep.ok = 0;
	if (!untrusted)
		s->only_untrusted = 0;
}

static void begin_line(vstate *s, uint64_t line)
{
	memset(&s->rep, 0, sizeof(s->rep));
	s->rep.line = line;
	s->rep.ok = 1;
	s->msg[0] = '\0';
	s->last_line = line;
}

static void end_line(vstate *s)
{
	if (!s->rep.ok) {
		if (s->failed == 0)
			snprintf(s->first, sizeof(s->first), "%.400s: line %llu: %s", s->path,
				(unsigned long long)s->rep.line, s->msg);
		s->failed++;
	}
	if (s->fn)
		s->fn(&s->rep, s->payload);
	if (s->opts->progress) {
		ct_progress pr = {"verifying", s->rep.line, 0};
		s->opts->progress(&pr, s->opts->progress_payload);
	}
}

static carried_key *find_key(vstate *s, const char *id)
{
	size_t lo = 0, hi = s->nkeys;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->keys[mid].id, id);
		if (c == 0)
			return &s->keys[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int add_key(
	vstate *s, const char *id, int revoked, int valid, const char *until, const char *expires)
{
	size_t i;

	if (find_key(s, id))
		return 0;
	if (s->nkeys == s->capkeys) {
		size_t cap = s->capkeys ? s->capkeys * 2 : 16;
		carried_key *k = realloc(s->keys, cap * sizeof(*k));
		if (!k)
			return ct__oom();
		s->keys = k;
		s->capkeys = cap;
	}
	for (i = s->nkeys; i > 0 && strcmp(s->keys[i - 1].id, id) > 0; i--)
		s->keys[i] = s->keys[i - 1];
	memcpy(s->keys[i].id, id, CT_KEY_ID_LEN + 1);
	s->keys[i].revoked = revoked;
	s->keys[i].valid = valid;
	copy_str(s->keys[i].until, sizeof(s->keys[i].until), until);
	copy_str(s->keys[i].expires, sizeof(s->keys[i].expires), expires);
	s->nkeys++;
	return 0;
}

/* "sha256:<64 hex>" to 32 bytes: 0, or -1 when it is not a digest. */
static int digest_of(uint8_t out[CT_HASH_LEN], const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0)
		return -1;
	return ct__hash_from_hex(out, digest + 7);
}

/* The current record as messages name it: made on first use, since most records need none. */
static const char *label_of(vstate *s, const item *it)
{
	if (s->label_for != it) {
		if (it->revision)
			snprintf(s->label, sizeof(s->label), "%s %s revision %lld",
				ct_kind_name(it->kind), it->id, it->revision);
		else
			snprintf(s->label, sizeof(s->label), "%s %s", ct_kind_name(it->kind),
				it->id);
		s->label_for = it;
	}
	return s->label;
}

/* Bundle order: keys by key id; sources by id, revision; claims by id, each claim's revisions
 * then its annotations by id. Strictly increasing, so a repeated line is out of order too. */
static void check_order(vstate *s, const item *it)
{
	int rank = it->kind == CT_KIND_KEY	 ? 0
		: it->kind == CT_KIND_CHECKPOINT ? 1
		: it->kind == CT_KIND_SOURCE	 ? 2
						 : 3;
	int sub = it->kind == CT_KIND_ANNOTATION ? 1 : 0;
	const char *id = it->kind == CT_KIND_ANNOTATION ? it->claim : it->id;
	const char *aid = it->kind == CT_KIND_ANNOTATION ? it->id : "";
	long long rev = it->revision;
	int c = 0;

	if (s->have_prev) {
		c = rank - s->prev_rank;
		if (!c)
			c = strcmp(id, s->prev_id);
		if (!c)
			c = sub - s->prev_sub;
		if (!c)
			c = sub ? strcmp(aid, s->prev_aid)
				: (rev > s->prev_rev) - (rev < s->prev_rev);
		if (c <= 0)
			fail(s, "record.order", 0,
				"%s: %s (bundle order: keys, checkpoints, sources, then each "
				"claim's revisions and annotations, by id)",
				label_of(s, it), c == 0 ? "repeated" : "out of order");
	}
	if (c <= 0 && s->have_prev)
		return; /* keep the highest key seen */
	s->have_prev = 1;
	s->prev_rank = rank;
	s->prev_sub = sub;
	s->prev_rev = rev;
	copy_str(s->prev_id, sizeof(s->prev_id), id);
	copy_str(s->prev_aid, sizeof(s->prev_aid), aid);
}

/* The earlier of two timestamps into out ("" in out: none yet; t NULL or "": nothing). */
static void take_earlier(char out[CT_TIMESTAMP_LEN + 1], const char *t)
{
	if (t && t[0] && (!out[0] || strcmp(t, out) < 0))
		copy_str(out, CT_TIMESTAMP_LEN + 1, t);
}

ct_key_state ct__bundle_signer_state(const ct_keyring *trust, const char *key_id,
	int carried_revoked, const char *carried_since, const char *carried_expires,
	const char *now, char until[CT_TIMESTAMP_LEN + 1])
{
	const json_t *rec = ct_keyring_find(trust, key_id);
	int trust_revoked = ct_keyring_revoked(trust, key_id);
	const char *trust_since = trust_revoked
		? json_string_value(
			  json_object_get(json_object_get(rec, "revoked"), "compromised_since"))
		: NULL;
	char since[CT_TIMESTAMP_LEN + 1] = "", expires[CT_TIMESTAMP_LEN + 1] = "";
	int revoked = trust_revoked || carried_revoked;
	/* a revocation without compromised_since, in either, leaves no time before which the
	 * key's signatures count */
	int none = (trust_revoked && !trust_since) ||
		(carried_revoked && !(carried_since && carried_since[0]));

	if (trust_revoked)
		take_earlier(since, trust_since);
	if (carried_revoked)
		take_earlier(since, carried_since);
	take_earlier(expires, ct__keyring_expires(trust, key_id));
	take_earlier(expires, carried_expires);
	return ct__key_state_rule(
		revoked, revoked && !none ? since : NULL, expires[0] ? expires : NULL, now, until);
}

/* The state of a signer by what the verifier's keys and its key line in the bundle say. */
static ct_key_state signer_state(
	vstate *s, const char *who, const carried_key *k, char until[CT_TIMESTAMP_LEN + 1])
{
	return ct__bundle_signer_state(s->opts->trust, who, k && k->revoked, k ? k->until : NULL,
		k ? k->expires : NULL, s->now, until);
}

/*
 * Whether a vouching checkpoint of the bundle holds signature i of it, by a key that is not
 * live, and was made at or before limit, the key's until (signer_state; docs/bundle.md 1.5).
 */
static int vouched(vstate *s, const item *it, size_t i, const char *limit)
{
	size_t v;

	if (it->kind == CT_KIND_KEY || it->kind == CT_KIND_CHECKPOINT || s->nvouches == 0 ||
		!limit[0])
		return 0;
	for (v = 0; v < s->nvouches; v++)
		if (memcmp(s->vouches[v].digest, it->digest, CT_HASH_LEN) == 0 &&
			memcmp(s->vouches[v].sig, it->sigbytes[i], 64) == 0 &&
			strcmp(s->vouches[v].created, limit) <= 0)
			return 1;
	return 0;
}

static void check_signatures(vstate *s, const item *it)
{
	size_t i, j, trusted = 0, bad = 0, revoked = 0, expired = 0, vouchedn = 0;
	const char *bad_key = NULL, *untrusted_key = NULL, *revoked_key = NULL;
	const char *expired_key = NULL;
	char expired_at[CT_TIMESTAMP_LEN + 1] = "";

	for (i = 0; i < it->nsigs; i++) {
		/* a key line's signatures are checked as its self-signature (full_decode), so its
		 * it->sig[] is not set: the key ids name the signers */
		const char *who = it->kind != CT_KIND_KEY && it->sig[i] == SIG_VALID
			? it->signer[i]
			: it->keyids[i];
		const carried_key *k;
		/* a key line's only signature that matters is its self-signature: a successor's
		 * record (docs/keys.md) also carries its predecessor's, which needs no key line */
		if (it->kind == CT_KIND_KEY && strcmp(who, it->id) != 0)
			continue;
		k = find_key(s, who);
		if (!k)
			fail(s, "key.missing", 0,
				"%s: the record of signer key %s is not in the bundle",
				label_of(s, it), who);
		if (it->kind == CT_KIND_KEY)
			continue;
		if (it->sig[i] == SIG_BAD) {
			bad++;
			if (!bad_key)
				bad_key = it->keyids[i];
		} else if (it->sig[i] == SIG_VALID) {
			/* a revoked or expired key: the store's rule (ct__key_state_rule) */
			char until[CT_TIMESTAMP_LEN + 1];
			ct_key_state st = signer_state(s, who, k, until);
			if (st != CT_KEY_LIVE && vouched(s, it, i, until)) {
				vouchedn++;
			} else if (st == CT_KEY_REVOKED) {
				revoked++;
				if (!revoked_key)
					revoked_key = who;
				continue;
			} else if (st == CT_KEY_EXPIRED) {
				expired++;
				if (!expired_key) {
					expired_key = who;
					copy_str(expired_at, sizeof(expired_at), until);
				}
				continue;
			}
			for (j = 0; j < i; j++)
				if (it->sig[j] == SIG_VALID && strcmp(it->signer[j], who) == 0)
					break;
			if (j < i)
				continue;
			if (trusted < CT_BUNDLE_SIGNERS_MAX)
				memcpy(s->rep.signers[trusted], who, CT_KEY_ID_LEN + 1);
			trusted++;
		} else if (!untrusted_key) {
			untrusted_key = it->keyids[i];
		}
	}
	s->rep.trusted = trusted;
	if (it->kind == CT_KIND_KEY)
		return;
	if (bad)
		fail(s, "signature.mismatch", 0, "%s: signature by key %s does not verify",
			label_of(s, it), bad_key);
	if (revoked)
		add_code(s, "signature.revoked");
	if (expired)
		add_code(s, "signature.expired");
	if (vouchedn)
		add_code(s, "signature.vouched");
	/* one signer for every record; --threshold is for each claim's current revision, and is
	 * applied when the next line shows which that is (flush_pending) */
	if (trusted < 1) {
		char why[256] = "";
		if (revoked_key)
			ct__key_state_why(why, sizeof(why), CT_KEY_REVOKED, revoked_key, "");
		else if (expired_key)
			ct__key_state_why(
				why, sizeof(why), CT_KEY_EXPIRED, expired_key, expired_at);
		else if (untrusted_key)
			snprintf(why, sizeof(why), "; key %s is not trusted", untrusted_key);
		fail(s, "signature.untrusted", 1, "%s: signed by %zu trusted key%s, %zu needed%s",
			label_of(s, it), trusted, trusted == 1 ? "" : "s",
			it->kind == CT_KIND_CLAIM ? s->opts->threshold : 1, why);
	} else if (!bad) {
		add_code(s, "signature.valid");
	}
}

static int push_claim_digest(vstate *s, const uint8_t d[CT_HASH_LEN])
{
	if (s->nclaim == s->capclaim) {
		size_t cap = s->capclaim ? s->capclaim * 2 : 8;
		uint8_t(*v)[CT_HASH_LEN] = realloc(s->claim_digests, cap * CT_HASH_LEN);
		if (!v)
			return ct__oom();
		s->claim_digests = v;
		s->capclaim = cap;
	}
	memcpy(s->claim_digests[s->nclaim++], d, CT_HASH_LEN);
	return 0;
}

static int check_chain(vstate *s, const item *it)
{
	const char *id = it->id;
	long long rev = it->revision;
	const char *prev = it->prev[0] ? it->prev : NULL;
	uint8_t pd[CT_HASH_LEN];
	int same = s->chain_kind == (int)it->kind && strcmp(s->chain_id, id) == 0;

	if (same) {
		if (rev != s->chain_rev + 1)
			fail(s, "chain.broken", 0, "%s: revision %lld follows revision %lld",
				label_of(s, it), rev, s->chain_rev);
		else if (!prev || digest_of(pd, prev) < 0 ||
			memcmp(pd, s->chain_digest, CT_HASH_LEN) != 0)
			fail(s, "chain.broken", 0, "%s: prev does not name revision %lld",
				label_of(s, it), s->chain_rev);
		else
			add_code(s, "chain.valid");
	} else if (rev == 1) {
		if (prev)
			fail(s, "chain.broken", 0, "%s: revision 1 names a predecessor",
				label_of(s, it));
		else
			add_code(s, "chain.valid");
	} else {
		add_code(s, "chain.partial");
		if (!s->partial_line) {
			s->partial_line = s->rep.line;
			s->partial_rev = rev;
			snprintf(s->partial_label, sizeof(s->partial_label), "%s", label_of(s, it));
		}
	}
	s->chain_kind = (int)it->kind;
	copy_str(s->chain_id, sizeof(s->chain_id), id);
	s->chain_rev = rev;
	memcpy(s->chain_digest, it->digest, CT_HASH_LEN);
	if (it->kind == CT_KIND_CLAIM) {
		if (!same) {
			copy_str(s->claim_id, sizeof(s->claim_id), id);
			s->nclaim = 0;
			s->claim_partial = rev != 1;
		}
		return push_claim_digest(s, it->digest);
	}
	return 0;
}

static int has_source_id(vstate *s, const char *id)
{
	uint8_t k[CT_HASH_LEN];

	id_key(k, id);
	return set_has(&s->sources, k);
}

static int check_refs(vstate *s, const item *it)
{
	uint8_t d[CT_HASH_LEN];
	size_t i;
	int error = 0;

	if (it->kind == CT_KIND_SOURCE) {
		id_key(d, it->id);
		if ((error = set_add(&s->sources, d)) < 0)
			return error;
		revision_key(d, it->digest, it->id);
		if ((error = set_add(&s->sources, d)) < 0)
			return error;
		return set_add(&s->sources, it->digest);
	}
	if (it->kind == CT_KIND_CLAIM) {
		const char *sid = it->source[0] ? it->source : NULL;
		const char *srev = it->source_revision[0] ? it->source_revision : NULL;
		if (sid && !has_source_id(s, sid))
			fail(s, "source.missing", 0,
				"%s: cites source %s, which is not in the bundle", label_of(s, it),
				sid);
		else if (srev && (digest_of(d, srev) < 0 || !set_has(&s->sources, d)))
			fail(s, "source.missing", 0,
				"%s: cites revision %.20s... of source %s, which is not in the bundle",
				label_of(s, it), srev, sid ? sid : "?");
		else if (srev && sid && (revision_key(d, d, sid), !set_has(&s->sources, d)))
			fail(s, "source.missing", 0,
				"%s: cites revision %.20s... as one of source %s, but it is a revision "
				"of another source",
				label_of(s, it), srev, sid);
		return 0;
	}
	if (it->kind == CT_KIND_ANNOTATION) {
		const char *claim = it->claim[0] ? it->claim : NULL;
		const char *crev = it->claim_revision[0] ? it->claim_revision : NULL;
		const char *dsrc = it->dispute_source[0] ? it->dispute_source : NULL;
		const char *ev = it->evidence.ptr;
		int found = 0;

		if (!claim || strcmp(claim, s->claim_id) != 0 || s->nclaim == 0) {
			fail(s, "claim.missing", 0,
				"%s: judges claim %s, which is not in the bundle", label_of(s, it),
				claim ? claim : "?");
		} else if (digest_of(d, crev) == 0) {
			for (i = 0; i < s->nclaim && !found; i++)
				found = memcmp(s->claim_digests[i], d, CT_HASH_LEN) == 0;
			if (!found && s->claim_partial)
				add_code(s, "annotation.outside");
			else if (!found)
				fail(s, "claim.missing", 0,
					"%s: judges a revision of claim %s that is not in the bundle",
					label_of(s, it), claim);
		}
		for (i = 0; i < it->nevidence; i++, ev += strlen(ev) + 1)
			if (!has_source_id(s, ev))
				fail(s, "source.missing", 0,
					"%s: cites source %s as evidence, which is not in the bundle",
					label_of(s, it), ev);
		if (dsrc && !has_source_id(s, dsrc))
			fail(s, "source.missing", 0,
				"%s: the dispute cites source %s, which is not in "
				"the bundle",
				label_of(s, it), dsrc);
	}
	return error;
}

/*
 * A checkpoint (docs/bundle.md 1.5): it vouches when a trusted key that is live (neither
 * revoked, in the verifier's keys or the bundle, nor expired) made one of its signatures and no
 * signature by a trusted key is bad. One that does not vouch is no failure: it vouches for
 * nothing.
 */
static void process_checkpoint(vstate *s, const item *it)
{
	size_t i, live = 0, bad = 0;

	for (i = 0; i < it->nsigs; i++) {
		const char *who = it->sig[i] == SIG_VALID ? it->signer[i] : it->keyids[i];
		const carried_key *k = find_key(s, who);
		char until[CT_TIMESTAMP_LEN + 1];
		if (!k)
			fail(s, "key.missing", 0,
				"%s: the record of signer key %s is not in the bundle",
				label_of(s, it), who);
		if (it->sig[i] == SIG_BAD)
			bad++;
		else if (it->sig[i] == SIG_VALID && signer_state(s, who, k, until) == CT_KEY_LIVE)
			live++;
	}
	if (bad)
		fail(s, "signature.mismatch", 0, "%s: a signature by a trusted key does not verify",
			label_of(s, it));
	add_code(s, live && !bad ? "checkpoint.trusted" : "checkpoint.untrusted");
	s->cp_slot = 1;
	s->cp_vouches = live && !bad;
	copy_str(s->cp_id, sizeof(s->cp_id), it->id);
	copy_str(s->cp_created, sizeof(s->cp_created), it->cp_created);
	memcpy(s->cp_root, it->cp_root, CT_HASH_LEN);
	s->cp_records = it->cp_records;
}

/* Notes what a vouching checkpoint's tree held: each signature of record (a JSON text). */
static int add_vouches(vstate *s, const char *record, size_t len)
{
	json_t *rec = json_loadb(record, len, JSON_REJECT_DUPLICATES, NULL), *e;
	char digest[CT_DIGEST_LEN + 1];
	size_t i, n;
	int error = 0;

	if (!rec || ct_record_digest(digest, rec) < 0) {
		ct_error_clear();
		goto done;
	}
	json_array_foreach (json_object_get(rec, "signatures"), i, e) {
		const char *sig = json_string_value(json_object_get(e, "sig"));
		vouch *v;
		if (!sig)
			continue;
		if (s->nvouches == s->capvouches) {
			size_t cap = s->capvouches ? s->capvouches * 2 : 16;
			vouch *p = realloc(s->vouches, cap * sizeof(*p));
			if (!p) {
				error = ct__oom();
				goto done;
			}
			s->vouches = p;
			s->capvouches = cap;
		}
		v = &s->vouches[s->nvouches];
		if (digest_of(v->digest, digest) < 0 ||
			ct_base64_decode_len(v->sig, 64, &n, sig, strlen(sig)) < 0 || n != 64) {
			ct_error_clear();
			continue;
		}
		copy_str(v->created, sizeof(v->created), s->cp_created);
		s->nvouches++;
	}
done:
	json_decref(rec);
	return error;
}

/* A proof line: inclusion proofs in the tree of the checkpoint on the line before. */
static int process_proof(vstate *s, item *it)
{
	json_t *body = NULL, *leaf;
	uint8_t(*path)[CT_HASH_LEN] = NULL;
	size_t i;
	int error = 0;

	s->rep.kind = "proof";
	s->label_for = it;
	snprintf(s->label, sizeof(s->label), "proofs of checkpoint %s",
		s->cp_slot ? s->cp_id : "(none)");
	s->rep.id = s->cp_slot ? s->cp_id : "";
	check_signatures(s, it);
	if (!s->cp_slot) {
		fail(s, "proof.mismatch", 0, "%s: not on the line after a checkpoint", s->label);
		goto done;
	}
	s->cp_slot = 0;
	body = json_loadb(it->body.ptr, it->body.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body) || !json_is_string(json_object_get(body, "checkpoint")) ||
		strcmp(json_string_value(json_object_get(body, "checkpoint")), s->cp_id) != 0 ||
		!json_is_array(json_object_get(body, "leaves"))) {
		fail(s, "proof.mismatch", 0, "%s: not a proof of that checkpoint", s->label);
		goto done;
	}
	if (!(path = calloc(64, sizeof(*path)))) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (json_object_get(body, "leaves"), i, leaf) {
		const json_t *ap = json_object_get(leaf, "audit_path"), *h;
		const json_t *index = json_object_get(leaf, "leaf_index");
		const char *rec = json_string_value(json_object_get(leaf, "record"));
		uint8_t lh[CT_HASH_LEN];
		size_t j, n = json_array_size(ap);
		int ok = rec && json_is_integer(index) && json_integer_value(index) >= 0 &&
			json_is_array(ap) && n <= 64 && s->cp_records >= 0;
		json_array_foreach (ap, j, h)
			if (ok &&
				(!json_is_string(h) || json_string_length(h) != 64 ||
					ct__hash_from_hex(path[j], json_string_value(h)) < 0))
				ok = 0;
		if (ok) {
			ct_merkle_leaf_hash(lh, (const uint8_t *)rec,
				json_string_length(json_object_get(leaf, "record")));
			ok = ct_merkle_verify_path(lh, (uint64_t)json_integer_value(index),
				     (uint64_t)s->cp_records, (const uint8_t(*)[CT_HASH_LEN])path,
				     n, s->cp_root) == 0;
			ct_error_clear();
		}
		if (!ok) {
			fail(s, "proof.mismatch", 0,
				"%s: leaf %zu is not in the checkpoint's Merkle tree", s->label, i);
			goto done;
		}
	}
	add_code(s, "proof.valid");
	if (!s->cp_vouches || !s->rep.ok)
		goto done;
	json_array_foreach (json_object_get(body, "leaves"), i, leaf) {
		const json_t *rec = json_object_get(leaf, "record");
		if ((error = add_vouches(s, json_string_value(rec), json_string_length(rec))) < 0)
			goto done;
	}
done:
	free(path);
	json_decref(body);
	return error;
}

static int process_record(vstate *s, const item *it)
{
	int error = 0;

	s->rep.kind = ct_kind_name(it->kind);
	s->rep.id = it->id;
	s->rep.revision = it->revision;
	s->label_for = NULL;
	check_order(s, it);
	s->counts[it->kind]++;
	if (it->kind == CT_KIND_KEY) {
		int revoked = it->revoked;
		/* a revocation by another key counts only with the reader's grant (trust.md) */
		if (it->revoked_by[0] && !it->revoke_granted)
			revoked = 0;
		/* a revocation by another key counts only with the reader's grant (trust.md) */

		if (it->error < 0) {
			fail(s, "key.invalid", 0, "%s: %s", label_of(s, it), it->msg);
		} else if (it->revoked_by[0] && !it->revoke_granted) {
			fail(s, "key.revoked_without_right", 1,
				"key %s is revoked by key %s, which the trust list does not name as "
				"able to revoke it: the revocation is not applied",
				s->rep.id, it->revoked_by);
		} else {
			add_code(s, it->revoked_by[0] ? "key.revoked_by" : "key.selfsigned");
			add_code(s,
				ct_keyring_find(s->opts->trust, s->rep.id) ? "key.trusted"
									   : "key.untrusted");
			if (revoked)
				add_code(s, "key.revoked");
		}
		if ((error = add_key(
			     s, s->rep.id, revoked, it->error == 0, it->until, it->expires)) < 0)
			return error;
		check_signatures(s, it);
		return 0;
	}
	if (it->kind == CT_KIND_CHECKPOINT) {
		process_checkpoint(s, it);
		return 0;
	}
	check_signatures(s, it);
	if (it->kind == CT_KIND_SOURCE || it->kind == CT_KIND_CLAIM)
		if ((error = check_chain(s, it)) < 0)
			return error;
	return check_refs(s, it);
}

/* A text line: the text of the source revision on the line before (docs/bundle.md 1.4). */
static void process_text(vstate *s, item *it)
{
	char hex[2 * CT_HASH_LEN + 1];

	s->rep.kind = "text";
	s->texts++;
	s->label_for = it;
	if (!s->text_slot) {
		snprintf(s->label, sizeof(s->label), "text");
		fail(s, "text.mismatch", 0, "text: not on the line after a source revision");
		check_signatures(s, it);
		return;
	}
	s->text_slot = 0;
	copy_str(it->id, sizeof(it->id), s->text_source);
	it->revision = s->text_rev;
	s->rep.id = it->id;
	s->rep.revision = it->revision;
	snprintf(s->label, sizeof(s->label), "text of source %s revision %lld", it->id,
		it->revision);
	check_signatures(s, it);
	ct_hex(hex, it->digest, CT_HASH_LEN);
	if (!s->text_stored)
		fail(s, "text.mismatch", 0, "%s: the source revision does not keep its text",
			s->label);
	else if (strcmp(hex, s->text_sha256) != 0 || (long long)it->body.len != s->text_length)
		fail(s, "text.mismatch", 0,
			"%s: its sha256 or length is not the one the source revision records",
			s->label);
	else
		add_code(s, "text.valid");
}

static void process_trailer(vstate *s, const item *it)
{
	ct_bundle_info t;
	ct__envelope env;
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT;
	uint8_t root[CT_HASH_LEN], sig[64];
	char hex[2 * CT_HASH_LEN + 1], until[CT_TIMESTAMP_LEN + 1];
	size_t i;
	int creator_ok = 0, bad = 0;

	s->rep.kind = "bundle";
	s->trailer_seen = 1;
	ct__sha256(s->trailer_hash, it->line.ptr, it->line.len);
	if (ct__trailer_parse(&t, &body, &env, it->line.ptr, it->line.len) < 0) {
		fail(s, "bundle.malformed", 0, "trailer: %s", ct_error_last());
		goto done;
	}
	s->rep.id = NULL;
	*s->info = t;
	ct_merkle_root(&s->tree, root);
	ct_hex(hex, root, CT_HASH_LEN);
	if (t.records != s->records)
		fail(s, "bundle.count", 0, "trailer: says %llu record%s, the bundle has %llu",
			(unsigned long long)t.records, t.records == 1 ? "" : "s",
			(unsigned long long)s->records);
	if (strcmp(hex, t.root) != 0)
		fail(s, "merkle.mismatch", 0,
			"trailer: the Merkle root of the records is %s, the "
			"trailer says %s",
			hex, t.root);
	else
		add_code(s, "merkle.valid");
	if (ct_pae(&pae, CT_BUNDLE_PAYLOAD_TYPE, (const uint8_t *)body.ptr, body.len) < 0)
		goto done;
	for (i = 0; i < env.nsigs; i++) {
		if (sig_decode(sig, &env.sigs[i]) < 0) {
			fail(s, "bundle.malformed", 0,
				"trailer: signature %zu (key %s): \"sig\" is not "
				"canonical base64 of 64 bytes",
				i, env.sigs[i].keyid);
			goto done;
		}
	}
	for (i = 0; i < env.nsigs; i++) {
		const char *by = NULL;
		const carried_key *k;
		int rc;

		sig_decode(sig, &env.sigs[i]);
		/* the keyid is a hint here too (format.md 2.4): the key that made it counts */
		rc = ct_keyring_verify_any(&by, s->opts->trust, env.sigs[i].keyid, sig,
			(const uint8_t *)pae.ptr, pae.len);
		if (rc == CT_EBADSIG) {
			bad++;
			continue;
		}
		if (rc < 0)
			continue; /* by no trusted key */
		k = find_key(s, by);
		if (strcmp(by, t.creator) == 0 && signer_state(s, by, k, until) == CT_KEY_LIVE)
			creator_ok = 1;
	}
	if (!find_key(s, t.creator))
		fail(s, "key.missing", 0, "trailer: the creator's key %s is not in the bundle",
			t.creator);
	if (bad)
		fail(s, "bundle.signature.mismatch", 0,
			"trailer: the bundle signature does not verify");
	else if (!creator_ok)
		fail(s, "bundle.signature.untrusted", 1,
			"trailer: not signed by its creator %s with a trusted key that is neither "
			"revoked nor expired",
			t.creator);
	else
		add_code(s, "bundle.signature.valid");
	if (t.history && s->partial_line)
		fail(s, "chain.partial", 0,
			"trailer: the bundle says it carries whole histories, but line %llu (%s) starts "
			"at revision %lld",
			(unsigned long long)s->partial_line, s->partial_label, s->partial_rev);
done:
	ct_buf_free(&body);
	ct_buf_free(&pae);
}

/* Holds the report of the claim revision just processed instead of ending its line. */
static void hold_line(vstate *s)
{
	s->pending = 1;
	s->pending_rep = s->rep;
	memcpy(s->pending_msg, s->msg, sizeof(s->msg));
	copy_str(s->pending_id, sizeof(s->pending_id), s->rep.id);
	s->pending_rep.id = s->pending_id;
}

/* Ends the held claim revision's line; current: it is its claim's last carried revision, so it
 * needs the threshold's number of distinct trusted signers (as check --threshold asks). */
static void flush_pending(vstate *s, int current)
{
	size_t i, j;

	if (!s->pending)
		return;
	s->pending = 0;
	s->rep = s->pending_rep;
	memcpy(s->msg, s->pending_msg, sizeof(s->msg));
	if (s->rep.message)
		s->rep.message = s->msg;
	if (current && s->rep.trusted < s->opts->threshold) {
		for (i = j = 0; i < s->rep.ncodes; i++)
			if (strcmp(s->rep.codes[i], "signature.valid") != 0)
				s->rep.codes[j++] = s->rep.codes[i];
		if (j < s->rep.ncodes) {
			s->rep.ncodes = j;
			fail(s, "signature.untrusted", 1,
				"claim %s revision %lld: signed by %zu trusted key%s, %zu needed (the "
				"claim's current revision)",
				s->rep.id, s->rep.revision, s->rep.trusted,
				s->rep.trusted == 1 ? "" : "s", s->opts->threshold);
		}
	}
	end_line(s);
}

static int process_item(vstate *s, item *it)
{
	int error = 0;

	if (s->pending)
		flush_pending(s,
			s->trailer_seen || it->toolong || it->trailer || !it->decoded ||
				it->kind != CT_KIND_CLAIM || strcmp(it->id, s->pending_id) != 0);
	begin_line(s, it->lineno);
	if (s->trailer_seen) {
		fail(s, "bundle.trailing", 0, "a line after the trailer");
	} else if (it->toolong) {
		/* still a record line: a leaf of the tree, counted (docs/bundle.md 2) */
		ct_merkle_add(&s->tree, it->leaf);
		s->records++;
		fail(s, "bundle.line.toolong", 0, "longer than %d bytes", CT_BUNDLE_LINE_MAX);
	} else if (it->trailer) {
		process_trailer(s, it);
	} else {
		ct_merkle_add(&s->tree, it->leaf);
		if (++s->records > CT_BUNDLE_RECORDS_MAX)
			return ct_error_set(CT_EINVALID, "%s: more than %llu records", s->path,
				(unsigned long long)CT_BUNDLE_RECORDS_MAX);
		if (it->error < 0 && !it->decoded)
			fail(s, "record.malformed", 0, "%s", it->msg);
		else if (it->text)
			process_text(s, it);
		else if (it->proof)
			error = process_proof(s, it);
		else
			error = process_record(s, it);
	}
	s->text_slot = !s->trailer_seen && !it->toolong && !it->trailer && !it->text &&
		it->decoded && it->kind == CT_KIND_SOURCE;
	if (s->trailer_seen || it->toolong || it->trailer || it->text || it->proof ||
		!it->decoded || it->kind != CT_KIND_CHECKPOINT)
		s->cp_slot = 0;
	if (s->text_slot) {
		copy_str(s->text_source, sizeof(s->text_source), it->id);
		s->text_rev = it->revision;
		s->text_length = it->archive_length;
		s->text_stored = it->archive_stored;
		copy_str(s->text_sha256, sizeof(s->text_sha256), it->archive_sha256);
	}
	if (it->unterminated)
		fail(s, "bundle.truncated", 0,
			"the last line has no newline: the bundle is "
			"truncated");
	if (!s->trailer_seen && !it->toolong && !it->trailer && it->decoded &&
		it->kind == CT_KIND_CLAIM && s->opts->threshold > 1 && !it->unterminated)
		hold_line(s);
	else
		end_line(s);
	return error;
}

/* Reads the next line into it (swapping buffers: no copy, no allocation once warm): 1, or 0 at
 * the end of the file, or an error. */
static int read_line(ct__line_reader *r, item *it)
{
	int rc = ct__line_read(r);
	ct_buf t = it->line;

	if (rc <= 0)
		return rc;
	it->line = r->line;
	r->line = t;
	it->lineno = r->lineno;
	it->toolong = r->toolong;
	it->unterminated = r->unterminated;
	if (r->toolong)
		memcpy(it->leaf, r->toolong_leaf, CT_HASH_LEN);
	atomic_store_explicit(&it->done, 0, memory_order_relaxed); /* published with `read` */
	return 1;
}

/* Both entry points: from a path (f NULL: opened here) or from the caller's open file. */
static int verify(ct_bundle_info *info, FILE *f, const char *path,
	const ct_bundle_verify_opts *opts, ct_bundle_report_fn fn, void *payload,
	uint8_t trailer_hash[CT_HASH_LEN])
{
	ct_bundle_info local;
	ct_bundle_verify_opts o;
	ct__line_reader r;
	vstate *s = NULL;
	item *items = NULL;
	pool p;
	int pool_on = 0, eof = 0;
	size_t i, nread = 0, published = 0, ordered = 0, bytes = 0;
	int error;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!opts || !opts->trust)
		return ct_error_set(CT_EINVALID, "bundle verify needs trusted keys");
	if ((error = ct__opts_version(
		     opts->version, CT_BUNDLE_VERIFY_OPTS_VERSION, "ct_bundle_verify_opts")) < 0)
		return error;
	o = *opts;
	if (o.threshold < 1)
		o.threshold = 1;
	if ((error = f ? ct__bundle_open_file(&r, f, path) : ct__bundle_open(&r, path)) < 0)
		return error;
	if (!(s = calloc(1, sizeof(*s))) || !(items = calloc(RING_MAX, sizeof(*items)))) {
		error = ct__oom();
		goto done;
	}
	s->opts = &o;
	s->path = path;
	s->fn = fn;
	s->payload = payload;
	s->info = info;
	s->only_untrusted = 1;
	s->chain_kind = -1;
	ct_timestamp_now(s->now);
	ct_merkle_init(&s->tree);
	json_decref(json_object()); /* jansson seeds its hash function once, before threads */
	pool_start(&p, ct__parallel_threads(o.threads, THREADS_MAX), o.trust, items);
	pool_on = 1;
	/*
	 * Read what the ring has room for (handing lines to the workers as they come), then take
	 * the next line's result in order, helping to check lines while it is not ready.
	 */
	for (;;) {
		while (!eof && nread - ordered < RING_MAX &&
			(nread == ordered || bytes < RING_BYTES)) {
			item *it = &items[nread % RING_MAX];
			if ((error = read_line(&r, it)) < 0)
				goto done;
			if (error == 0) {
				eof = 1;
				break;
			}
			bytes += it->line.len;
			if (++nread - published >= PUBLISH_EVERY)
				pool_publish(&p, published = nread);
		}
		if (nread > published)
			pool_publish(&p, published = nread);
		if (ordered == nread)
			break; /* the end of the file, every line taken */
		pool_await(&p, ordered);
		bytes -= items[ordered % RING_MAX].line.len;
		if ((error = process_item(s, &items[ordered++ % RING_MAX])) < 0)
			goto done;
	}
	flush_pending(s, 1);
	if (!s->trailer_seen) {
		begin_line(s, s->last_line + 1);
		s->rep.kind = "bundle";
		fail(s, "bundle.truncated", 0, "no trailer: the bundle is truncated");
		end_line(s);
	}
	info->keys = s->counts[CT_KIND_KEY];
	info->sources = s->counts[CT_KIND_SOURCE];
	info->claims = s->counts[CT_KIND_CLAIM];
	info->annots = s->counts[CT_KIND_ANNOTATION];
	info->texts = s->texts;
	if (s->failed) {
		error = ct_error_set(s->only_untrusted ? CT_EUNTRUSTED : CT_EBADSIG, "%s%s",
			s->first, s->failed > 1 ? " (and more: see the report)" : "");
		goto done;
	}
	if (trailer_hash)
		memcpy(trailer_hash, s->trailer_hash, CT_HASH_LEN);
	error = 0;
done:
	if (pool_on)
		pool_stop(&p);
	if (items) {
		for (i = 0; i < RING_MAX; i++)
			item_free(&items[i]);
		free(items);
	}
	if (s) {
		free(s->keys);
		free(s->vouches);
		free(s->claim_digests);
		set_free(&s->sources);
		free(s);
	}
	ct__line_reader_close(&r);
	return error;
}

int ct_bundle_verify(ct_bundle_info *info, const char *path, const ct_bundle_verify_opts *opts,
	ct_bundle_report_fn fn, void *payload)
{
	return verify(info, NULL, path, opts, fn, payload, NULL);
}

int ct__bundle_verify_file(ct_bundle_info *info, FILE *f, const char *path,
	const ct_bundle_verify_opts *opts, ct_bundle_report_fn fn, void *payload,
	uint8_t trailer_hash[CT_HASH_LEN])
{
	return verify(info, f, path, opts, fn, payload, trailer_hash);
}
