/*
 * Bundles (docs/bundle.md): the line format (a bounded line reader and the DSSE envelope each
 * record line is), creating a bundle from a store, reading its trailer, and inclusion proofs.
 * Verifying is in bundle_verify.c, importing in bundle_import.c.
 */
#include "bundle_internal.h"
#include "canonscan.h"
#include "fileio.h"
#include "hex.h"
#include "signing.h"
#include "store_internal.h"
#include "claimtrail/status.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (256 * 1024)

/* ---- the line reader ---- */

int ct__line_reader_from(ct__line_reader *r, FILE *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->borrowed = 1;
	if (!(r->buf = malloc(READ_CHUNK)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	return 0;
}

int ct__line_reader_open(ct__line_reader *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	int error;

	if (!f) {
		memset(r, 0, sizeof(*r));
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path,
			strerror(errno));
	}
	if ((error = ct__line_reader_from(r, f)) < 0) {
		fclose(f);
		r->f = NULL;
		return error;
	}
	r->borrowed = 0;
	return 0;
}

void ct__line_reader_close(ct__line_reader *r)
{
	if (r->f && !r->borrowed)
		fclose(r->f);
	free(r->buf);
	ct_buf_free(&r->line);
	memset(r, 0, sizeof(*r));
}

int ct__line_read(ct__line_reader *r)
{
	int any = 0;
	int error;

	ct_buf_clear(&r->line);
	r->toolong = 0;
	r->unterminated = 0;
	for (;;) {
		char *nl;
		size_t n;

		if (r->pos == r->end) {
			r->pos = 0;
			r->end = fread(r->buf, 1, READ_CHUNK, r->f);
			if (r->end == 0) {
				if (ferror(r->f))
					return ct_error_set(CT_EIO, "reading the bundle: %s",
						strerror(errno));
				if (!any)
					return 0;
				r->lineno++;
				r->unterminated = 1;
				if (r->toolong)
					crypto_hash_sha256_final(&r->toolong_hash,
						r->toolong_leaf);
				return 1;
			}
		}
		any = 1;
		nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		n = nl ? (size_t)(nl - (r->buf + r->pos)) : r->end - r->pos;
		if (!r->toolong && r->line.len + n > CT_BUNDLE_LINE_MAX) {
			/* keep reading to the newline, keep nothing more, but hash all of it: the line
			 * is still a leaf of the Merkle tree (docs/bundle.md 2) */
			static const uint8_t leaf_prefix = 0x00;
			r->toolong = 1;
			crypto_hash_sha256_init(&r->toolong_hash);
			crypto_hash_sha256_update(&r->toolong_hash, &leaf_prefix, 1);
			crypto_hash_sha256_update(&r->toolong_hash, (const uint8_t *)r->line.ptr,
				r->line.len);
		}
		if (r->toolong)
			crypto_hash_sha256_update(&r->toolong_hash,
				(const uint8_t *)r->buf + r->pos, n);
		else if ((error = ct_buf_put(&r->line, r->buf + r->pos, n)) < 0)
			return error;
		r->pos += n;
		if (nl) {
			r->pos++;
			r->lineno++;
			if (r->toolong)
				crypto_hash_sha256_final(&r->toolong_hash, r->toolong_leaf);
			return 1;
		}
	}
}

/* ---- the envelope ---- */

static int is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '+' || c == '/' || c == '=';
}

static int is_type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/' ||
		c == '+' || c == '-';
}

static int is_hex(char c)
{
	return ct__hex_value((unsigned char)c, 0) >= 0;
}

typedef struct {
	const char *p, *end;
} cursor;

static int expect(cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return CT_EINVALID; /* the caller says where */
	c->p += n;
	return 0;
}

static size_t span(cursor *c, int (*ok)(char))
{
	const char *s = c->p;

	while (c->p < c->end && ok(*c->p))
		c->p++;
	return (size_t)(c->p - s);
}

/* span(c, is_b64) for the payload, the longest run of a line: one bit per byte value (the
 * characters of is_b64: '+', '/', '0'-'9', '=' below 64; 'A'-'Z', 'a'-'z' below 128) instead of
 * a call and six comparisons for every byte. */
static size_t span_b64(cursor *c)
{
	static const uint64_t b64_bits[2] = {0x23ff880000000000u, 0x07fffffe07fffffeu};
	const unsigned char *p = (const unsigned char *)c->p, *end = (const unsigned char *)c->end;
	const char *s = c->p;

	while (p < end && *p < 128 && ((b64_bits[*p >> 6] >> (*p & 63)) & 1))
		p++;
	c->p = (const char *)p;
	return (size_t)(c->p - s);
}

int ct__envelope_parse(ct__envelope *env, const char *line, size_t len)
{
	cursor c = {line, line + len};
	size_t i, j;
	int error;

	memset(env, 0, sizeof(*env));
	if ((error = expect(&c, "{\"payload\":\"")) < 0)
		goto bad;
	env->payload = c.p;
	env->payload_len = span_b64(&c);
	if ((error = expect(&c, "\",\"payloadType\":\"")) < 0)
		goto bad;
	env->type = c.p;
	env->type_len = span(&c, is_type_char);
	if ((error = expect(&c, "\",\"signatures\":[")) < 0)
		goto bad;
	for (;;) {
		ct__env_sig *s;

		if (env->nsigs == CT_ENVELOPE_SIGS_MAX)
			return ct_error_set(CT_EINVALID, "more than %d signatures",
				CT_ENVELOPE_SIGS_MAX);
		s = &env->sigs[env->nsigs];
		if ((error = expect(&c, "{\"keyid\":\"")) < 0)
			goto bad;
		if (span(&c, is_hex) != CT_KEY_ID_LEN)
			return ct_error_set(CT_EINVALID, "a signature's keyid is not 16 hex digits");
		memcpy(s->keyid, c.p - CT_KEY_ID_LEN, CT_KEY_ID_LEN);
		s->keyid[CT_KEY_ID_LEN] = '\0';
		if ((error = expect(&c, "\",\"sig\":\"")) < 0)
			goto bad;
		s->sig = c.p;
		s->sig_len = span(&c, is_b64);
		if ((error = expect(&c, "\"}")) < 0)
			goto bad;
		env->nsigs++;
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		break;
	}
	if ((error = expect(&c, "]}")) < 0)
		goto bad;
	if (c.p != c.end)
		return ct_error_set(CT_EINVALID, "not a canonical envelope: bytes after its end");
	if (env->payload_len == 0 || env->type_len == 0)
		return ct_error_set(CT_EINVALID, "not a canonical envelope: empty payload or type");
	for (i = 0; i < env->nsigs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(env->sigs[i].keyid, env->sigs[j].keyid) == 0)
				return ct_error_set(CT_EINVALID, "two signatures by key %s",
					env->sigs[i].keyid);
	return 0;
bad:
	/* Say where: the byte offset (from 1) at which the expected text does not follow. */
	return ct_error_set(error, "not a canonical envelope: unexpected bytes at byte %zu",
		(size_t)(c.p - line) + 1);
}

int ct__envelope_type_is(const ct__envelope *env, const char *t)
{
	size_t n = strlen(t);

	return env->type_len == n && memcmp(env->type, t, n) == 0;
}

int ct__envelope_payload(ct_buf *out, const ct__envelope *env)
{
	size_t max = env->payload_len / 4 * 3;
	size_t n = 0;
	int error;

	ct_buf_clear(out);
	if ((error = ct_buf_reserve(out, max)) < 0)
		return error;
	if (ct_base64_decode_len((uint8_t *)out->ptr, max, &n, env->payload, env->payload_len) < 0)
		return ct_error_set(CT_EINVALID, "the payload is not canonical base64");
	out->len = n;
	out->ptr[n] = '\0';
	return 0;
}

json_t *ct__envelope_signatures(const ct__envelope *env)
{
	json_t *sigs = json_array();
	size_t i;

	for (i = 0; sigs && i < env->nsigs; i++) {
		json_t *e = json_pack("{s:s, s:s%}", "key_id", env->sigs[i].keyid, "sig",
			env->sigs[i].sig, env->sigs[i].sig_len);
		if (!e || json_array_append_new(sigs, e) < 0) {
			json_decref(sigs);
			return NULL;
		}
	}
	return sigs;
}

int ct__envelope_write(ct_buf *out, const char *type, const uint8_t *body, size_t len,
	const json_t *signatures)
{
	const json_t *e;
	size_t i;
	int error;

	if (json_array_size(signatures) == 0)
		return ct_error_set(CT_EINVALID, "a record without signatures cannot be bundled");
	if ((error = ct_buf_puts(out, "{\"payload\":\"")) < 0 ||
		(error = ct_base64_encode(out, body, len)) < 0 ||
		(error = ct_buf_printf(out, "\",\"payloadType\":\"%s\",\"signatures\":[", type)) < 0)
		return error;
	json_array_foreach(signatures, i, e) {
		const char *k = json_string_value(json_object_get(e, "key_id"));
		const char *s = json_string_value(json_object_get(e, "sig"));
		if (!k || !s)
			return ct_error_set(CT_EINVALID, "a signature without key_id or sig");
		if ((error = ct_buf_printf(out, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "", k,
			     s)) < 0)
			return error;
	}
	return ct_buf_puts(out, "]}");
}

int ct__bundle_record_decode(json_t **out, ct_buf *body, ct__envelope *env, const char *line,
	size_t len)
{
	json_t *rec = NULL, *sigs = NULL;
	ct_kind kind;
	int error;

	*out = NULL;
	if ((error = ct__envelope_parse(env, line, len)) < 0 ||
		(error = ct__envelope_payload(body, env)) < 0)
		goto done;
	if ((error = ct_json_parse(&rec, (const uint8_t *)body->ptr, body->len, CT_JSON_RECORD)) <
		0) {
		ct_error_prefix(error, "payload");
		goto done;
	}
	if ((error = ct_record_kind(&kind, rec)) < 0)
		goto done;
	if (!ct__envelope_type_is(env, ct_kind_payload_type(kind))) {
		error = ct_error_set(CT_EINVALID, "%s %s: payloadType is not %s", ct_kind_name(kind),
			ct_record_id(rec) ? ct_record_id(rec) : "(no id)", ct_kind_payload_type(kind));
		goto done;
	}
	if (json_object_get(rec, "signatures")) {
		error = ct_error_set(CT_EINVALID, "the payload carries signatures");
		goto done;
	}
	/* the signed bytes must be the record's canonical form: checked by the scanner verify's
	 * fast path uses, rather than by writing that form again and comparing */
	if ((error = ct__canon_scan((const uint8_t *)body->ptr, body->len, NULL, 0)) < 0) {
		ct_error_prefix(error, "the payload is not in canonical (RFC 8785) form");
		goto done;
	}
	if (!(sigs = ct__envelope_signatures(env)) ||
		json_object_set_new(rec, "signatures", sigs) < 0) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ct_record_validate(rec)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

/* ---- creating ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct {
	char **v;
	size_t n, cap;
} strvec;

static int strvec_push(strvec *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return ct_error_set(CT_ENOMEM, "out of memory");
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(str)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	s->n++;
	return 0;
}

static void strvec_free(strvec *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Sorts and drops duplicates. */
static void strvec_sort_unique(strvec *s)
{
	size_t i, j = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[j]) == 0)
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
}

typedef struct {
	ct_store *store;
	const ct_bundle_create_opts *opts;
	strvec ids;          /* selected claims */
	json_t *keys;        /* key id -> true */
	json_t *sources;     /* source id -> {"all": true} or {"<revision>": true, ...} */
	FILE *spill;         /* claim and annotation lines, in bundle order */
	ct_bundle_info *info;
	ct_buf line;
} creator;

static int collect_id(const char *id, void *payload)
{
	return strvec_push(payload, id);
}

static int note_signers(creator *c, const json_t *record)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(record, "signatures"), i, e) {
		const char *k = json_string_value(json_object_get(e, "key_id"));
		if (k && json_object_set_new(c->keys, k, json_true()) < 0)
			return ct_error_set(CT_ENOMEM, "out of memory");
	}
	return 0;
}

/* Notes that source id is needed: at revision rev (0: the latest), or all with --history. */
static int note_source(creator *c, const char *id, json_int_t rev)
{
	json_t *want = json_object_get(c->sources, id);
	char key[32];
	int error;

	if ((error = ct_id_validate(id, "source")) < 0)
		return error;
	if (!want) {
		if (!(want = json_object()) || json_object_set_new(c->sources, id, want) < 0)
			return ct_error_set(CT_ENOMEM, "out of memory");
	}
	if (c->opts->history)
		return json_object_set_new(want, "all", json_true()) < 0
			       ? ct_error_set(CT_ENOMEM, "out of memory")
			       : 0;
	if (rev == 0 && (error = ct__revision_count(&rev, c->store, CT_KIND_SOURCE, id)) < 0)
		return error;
	if (rev == 0)
		return ct_error_set(CT_ENOTFOUND, "source %s is cited but not in the store", id);
	snprintf(key, sizeof(key), "%lld", (long long)rev);
	return json_object_set_new(want, key, json_true()) < 0
		       ? ct_error_set(CT_ENOMEM, "out of memory")
		       : 0;
}

/* Appends the record's envelope line and a LF to the spill file. */
static int spill_record(creator *c, FILE *f, const json_t *record)
{
	ct_buf body = CT_BUF_INIT;
	ct_kind kind;
	int error;

	ct_buf_clear(&c->line);
	if ((error = ct_record_kind(&kind, record)) < 0 ||
		(error = ct_record_body(&body, record)) < 0 ||
		(error = ct__envelope_write(&c->line, ct_kind_payload_type(kind),
			 (const uint8_t *)body.ptr, body.len, json_object_get(record, "signatures"))) <
			0)
		goto done;
	if (c->line.len > CT_BUNDLE_LINE_MAX) {
		char label[CT_LABEL_MAX];
		ct_record_label(label, record);
		error = ct_error_set(CT_EINVALID, "%s: too large for a bundle line", label);
		goto done;
	}
	if (fwrite(c->line.ptr, 1, c->line.len, f) != c->line.len || fputc('\n', f) == EOF)
		error = ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
	if (kind == CT_KIND_KEY)
		c->info->keys++;
	else if (kind == CT_KIND_SOURCE)
		c->info->sources++;
	else if (kind == CT_KIND_CLAIM)
		c->info->claims++;
	else
		c->info->annots++;
done:
	ct_buf_free(&body);
	return error;
}

static int cmp_annotation_id(const void *a, const void *b)
{
	return strcmp(ct_record_id(*(json_t *const *)a), ct_record_id(*(json_t *const *)b));
}

static int has_tag(const json_t *claim, const char *tag)
{
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(claim, "tags"), i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

/* Is claim id selected by --tag or --status? */
static int selected(int *out, creator *c, const char *id)
{
	json_t *claim = NULL, *annotations = NULL;
	const char *status;
	int error;

	*out = 0;
	if ((error = ct_store_get(&claim, c->store, CT_KIND_CLAIM, id, 0)) < 0)
		goto done;
	if (c->opts->select == CT_BUNDLE_TAG) {
		*out = has_tag(claim, c->opts->tag);
	} else {
		if ((error = ct_store_annotations(&annotations, c->store, id)) < 0 ||
			(error = ct_claim_status(&status, NULL, claim, annotations)) < 0)
			goto done;
		*out = strcmp(status, c->opts->status) == 0;
	}
done:
	json_decref(claim);
	json_decref(annotations);
	return error;
}

static int select_claims(creator *c)
{
	strvec all = {0};
	size_t i;
	int error = 0;

	if (c->opts->select == CT_BUNDLE_IDS) {
		for (i = 0; i < c->opts->nids; i++) {
			json_int_t n;
			if ((error = ct_id_validate(c->opts->ids[i], "claim")) < 0 ||
				(error = ct__revision_count(&n, c->store, CT_KIND_CLAIM,
					 c->opts->ids[i])) < 0)
				goto done;
			if (n == 0) {
				error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in the store",
					c->opts->ids[i]);
				goto done;
			}
			if ((error = strvec_push(&c->ids, c->opts->ids[i])) < 0)
				goto done;
		}
		strvec_sort_unique(&c->ids);
		goto done;
	}
	if ((error = ct_store_foreach_id(c->store, CT_KIND_CLAIM, collect_id, &all)) < 0)
		goto done;
	strvec_sort_unique(&all);
	for (i = 0; i < all.n; i++) {
		int yes = 1;
		if (c->opts->select != CT_BUNDLE_ALL && (error = selected(&yes, c, all.v[i])) < 0)
			goto done;
		if (yes && (error = strvec_push(&c->ids, all.v[i])) < 0)
			goto done;
	}
done:
	strvec_free(&all);
	return error;
}

/* Writes one claim's revisions and annotations to the spill, noting sources and signers. */
static int spill_claim(creator *c, const char *id)
{
	json_t *revs = NULL, *annotations = NULL, *latest = NULL;
	json_t **sorted = NULL;
	const json_t *r, *e;
	size_t i, j;
	int error;

	if (c->opts->history) {
		if ((error = ct_store_revisions(&revs, c->store, CT_KIND_CLAIM, id)) < 0)
			goto done;
	} else {
		if ((error = ct_store_get(&latest, c->store, CT_KIND_CLAIM, id, 0)) < 0)
			goto done;
		if (!(revs = json_array()) || json_array_append(revs, latest) < 0) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
	}
	json_array_foreach(revs, i, r) {
		const json_t *attr = json_object_get(r, "attribution");
		const char *sid = json_string_value(json_object_get(attr, "source"));
		const char *srev = json_string_value(json_object_get(attr, "source_revision"));
		json_int_t rev = 0;

		if (sid && srev && !c->opts->history &&
			(error = ct_store_resolve_revision(&rev, c->store, CT_KIND_SOURCE, sid, srev)) <
				0) {
			ct_error_prefix(error, "claim %s cites source %s", id, sid);
			goto done;
		}
		/* a bundle re-publishes its records as signed: never one that does not verify */
		if ((error = ct__require_verified(c->store, r)) < 0 ||
			(sid && (error = note_source(c, sid, rev)) < 0) ||
			(error = note_signers(c, r)) < 0 || (error = spill_record(c, c->spill, r)) < 0)
			goto done;
	}
	if (!c->opts->annotations)
		goto done;
	if ((error = ct_store_annotations(&annotations, c->store, id)) < 0)
		goto done;
	if (json_array_size(annotations) == 0)
		goto done;
	if (!(sorted = calloc(json_array_size(annotations), sizeof(*sorted)))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(annotations, i, e)
		sorted[i] = (json_t *)e;
	qsort(sorted, json_array_size(annotations), sizeof(*sorted), cmp_annotation_id);
	for (i = 0; i < json_array_size(annotations); i++) {
		const json_t *a = sorted[i];
		const json_t *ev;
		const char *dsrc = json_string_value(
			json_object_get(json_object_get(a, "dispute"), "source"));

		json_array_foreach(json_object_get(a, "evidence"), j, ev)
			if ((error = note_source(c, json_string_value(ev), 0)) < 0)
				goto done;
		if ((error = ct__require_verified(c->store, a)) < 0 ||
			(dsrc && (error = note_source(c, dsrc, 0)) < 0) ||
			(error = note_signers(c, a)) < 0 || (error = spill_record(c, c->spill, a)) < 0)
			goto done;
	}
done:
	free(sorted);
	json_decref(latest);
	json_decref(revs);
	json_decref(annotations);
	return error;
}

/* The writer of the final file: every record line goes into the Merkle tree. */
typedef struct {
	FILE *f;
	ct_merkle tree;
	uint64_t records;
} bundle_writer;

static int put_line(bundle_writer *w, const char *line, size_t len, int leaf)
{
	if (leaf) {
		uint8_t h[CT_HASH_LEN];
		ct_merkle_leaf_hash(h, (const uint8_t *)line, len);
		ct_merkle_add(&w->tree, h);
		w->records++;
	}
	if (fwrite(line, 1, len, w->f) != len || fputc('\n', w->f) == EOF)
		return ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
	return 0;
}

/* Copies the lines of a spill file into the bundle. */
static int copy_spill(bundle_writer *w, FILE *spill, ct_buf *scratch)
{
	char chunk[65536];
	size_t n;
	int error;

	if (fflush(spill) != 0 || fseek(spill, 0, SEEK_SET) != 0)
		return ct_error_set(CT_EIO, "reading back the spill file: %s", strerror(errno));
	ct_buf_clear(scratch);
	while ((n = fread(chunk, 1, sizeof(chunk), spill)) > 0) {
		size_t i, start = 0;
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n')
				continue;
			if ((error = ct_buf_put(scratch, chunk + start, i - start)) < 0 ||
				(error = put_line(w, scratch->ptr, scratch->len, 1)) < 0)
				return error;
			ct_buf_clear(scratch);
			start = i + 1;
		}
		if ((error = ct_buf_put(scratch, chunk + start, n - start)) < 0)
			return error;
	}
	if (ferror(spill))
		return ct_error_set(CT_EIO, "reading back the spill file: %s", strerror(errno));
	return 0;
}

static int cmp_revision(const void *a, const void *b)
{
	long long x = strtoll(*(const char *const *)a, NULL, 10);
	long long y = strtoll(*(const char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

/*
 * Writes the text line of source revision rec after it when the store keeps its text
 * (docs/bundle.md 1.4), signed by the creator. A text the store does not have, or too long for
 * a line, is left out: the record's archive still names it by sha256.
 */
static int spill_text(creator *c, FILE *f, const json_t *rec)
{
	ct_buf text = CT_BUF_INIT, pae = CT_BUF_INIT, b64 = CT_BUF_INIT;
	const json_t *archive = json_object_get(rec, "archive");
	const ct_key *key = c->opts->creator;
	uint8_t sig[64];
	json_t *sigs = NULL;
	int error;

	if (!json_is_true(json_object_get(archive, "stored")))
		return 0;
	error = ct_store_source_text(&text, c->store, ct_record_id(rec),
		json_integer_value(json_object_get(rec, "revision")));
	/* base64 makes 4 bytes of 3; the envelope around it is under 256 bytes */
	if (error == CT_ENOTFOUND || (error == 0 && text.len / 3 * 4 + 256 > CT_BUNDLE_LINE_MAX)) {
		ct_error_clear();
		error = 0;
		goto done;
	}
	if (error < 0 ||
		(error = ct_pae(&pae, CT_BUNDLE_TEXT_TYPE, (const uint8_t *)text.ptr, text.len)) < 0 ||
		(error = ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len)) < 0)
		goto done;
	if (ct_ed25519_verify(ct_key_public_bytes(key), sig, (const uint8_t *)pae.ptr, pae.len) <
		0) {
		error = ct_error_set(CT_EBADSIG, "the new text signature does not verify");
		goto done;
	}
	if ((error = ct_base64_encode(&b64, sig, sizeof(sig))) < 0)
		goto done;
	if (!(sigs = json_pack("[{s:s, s:s}]", "key_id", ct_key_id(key), "sig", b64.ptr))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	ct_buf_clear(&c->line);
	if ((error = ct__envelope_write(&c->line, CT_BUNDLE_TEXT_TYPE, (const uint8_t *)text.ptr,
		     text.len, sigs)) < 0)
		goto done;
	if (fwrite(c->line.ptr, 1, c->line.len, f) != c->line.len || fputc('\n', f) == EOF) {
		error = ct_error_set(CT_EIO, "writing the bundle: %s", strerror(errno));
		goto done;
	}
	c->info->texts++;
done:
	json_decref(sigs);
	ct_buf_free(&text);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	return error;
}

/* Writes the sources (noting their signers) into a second spill. */
static int spill_sources(creator *c, FILE *f)
{
	strvec ids = {0};
	const char *id;
	json_t *want;
	size_t i, j;
	int error = 0;

	json_object_foreach(c->sources, id, want)
		if ((error = strvec_push(&ids, id)) < 0)
			goto done;
	strvec_sort_unique(&ids);
	for (i = 0; i < ids.n; i++) {
		json_t *revs = NULL;
		const json_t *r;
		want = json_object_get(c->sources, ids.v[i]);
		if (json_object_get(want, "all")) {
			if ((error = ct_store_revisions(&revs, c->store, CT_KIND_SOURCE, ids.v[i])) < 0)
				goto done;
		} else {
			strvec nums = {0};
			const char *k;
			json_t *v;
			if (!(revs = json_array())) {
				error = ct_error_set(CT_ENOMEM, "out of memory");
				goto done;
			}
			json_object_foreach(want, k, v)
				if ((error = strvec_push(&nums, k)) < 0)
					break;
			if (error == 0)
				qsort(nums.v, nums.n, sizeof(*nums.v), cmp_revision);
			for (j = 0; error == 0 && j < nums.n; j++) {
				json_t *rec = NULL;
				if ((error = ct_store_get(&rec, c->store, CT_KIND_SOURCE, ids.v[i],
					     strtoll(nums.v[j], NULL, 10))) == 0)
					json_array_append_new(revs, rec);
			}
			strvec_free(&nums);
			if (error < 0) {
				json_decref(revs);
				goto done;
			}
		}
		json_array_foreach(revs, j, r)
			if ((error = ct__require_verified(c->store, r)) < 0 ||
				(error = note_signers(c, r)) < 0 ||
				(error = spill_record(c, f, r)) < 0 || (error = spill_text(c, f, r)) < 0)
				break;
		json_decref(revs);
		if (error < 0)
			goto done;
	}
done:
	strvec_free(&ids);
	return error;
}

static int write_keys(creator *c, FILE *f)
{
	strvec ids = {0};
	const char *id;
	json_t *v;
	size_t i;
	int error = 0;

	json_object_foreach(c->keys, id, v)
		if ((error = strvec_push(&ids, id)) < 0)
			goto done;
	strvec_sort_unique(&ids);
	for (i = 0; i < ids.n; i++) {
		json_t *rec = NULL;
		error = ct_store_get(&rec, c->store, CT_KIND_KEY, ids.v[i], 0);
		if (error == CT_ENOTFOUND && strcmp(ids.v[i], ct_key_id(c->opts->creator)) == 0) {
			ct_error_clear();
			rec = json_incref((json_t *)ct_key_public_record(c->opts->creator));
			error = 0;
		} else if (error == CT_ENOTFOUND) {
			error = ct_error_set(CT_ENOTFOUND,
				"signer key %s is not in the store (%s/key/%s.json)", ids.v[i],
				ct_store_root(c->store), ids.v[i]);
		}
		if (error < 0)
			goto done;
		error = spill_record(c, f, rec);
		json_decref(rec);
		if (error < 0)
			goto done;
	}
done:
	strvec_free(&ids);
	return error;
}

/* The canonical trailer body. */
static int trailer_body(ct_buf *out, const ct_bundle_info *info)
{
	json_t *t = json_pack("{s:b, s:s, s:s, s:b, s:s, s:I, s:s, s:i}", "annotations",
		info->annotations, "created", info->created, "creator", info->creator, "history",
		info->history, "merkle_root", info->root, "records", (json_int_t)info->records, "type",
		"bundle", "version", 1);
	int error;

	if (!t)
		return ct_error_set(CT_ENOMEM, "out of memory");
	error = ct_json_canon(out, t);
	json_decref(t);
	return error;
}

static int write_trailer(bundle_writer *w, ct_bundle_info *info, const ct_key *key)
{
	ct_buf body = CT_BUF_INIT, pae = CT_BUF_INIT, b64 = CT_BUF_INIT, line = CT_BUF_INIT;
	uint8_t root[CT_HASH_LEN], sig[64];
	json_t *sigs = NULL;
	int error;

	ct_merkle_root(&w->tree, root);
	ct_hex(info->root, root, CT_HASH_LEN);
	info->records = w->records;
	if ((error = trailer_body(&body, info)) < 0 ||
		(error = ct_pae(&pae, CT_BUNDLE_PAYLOAD_TYPE, (const uint8_t *)body.ptr, body.len)) <
			0 ||
		(error = ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len)) < 0)
		goto done;
	if (ct_ed25519_verify(ct_key_public_bytes(key), sig, (const uint8_t *)pae.ptr, pae.len) <
		0) {
		error = ct_error_set(CT_EBADSIG, "the new bundle signature does not verify");
		goto done;
	}
	if ((error = ct_base64_encode(&b64, sig, sizeof(sig))) < 0)
		goto done;
	if (!(sigs = json_pack("[{s:s, s:s}]", "key_id", ct_key_id(key), "sig", b64.ptr))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ct__envelope_write(&line, CT_BUNDLE_PAYLOAD_TYPE, (const uint8_t *)body.ptr,
		     body.len, sigs)) < 0)
		goto done;
	error = put_line(w, line.ptr, line.len, 0);
done:
	json_decref(sigs);
	ct_buf_free(&body);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	ct_buf_free(&line);
	return error;
}

int ct_bundle_create(ct_bundle_info *info, ct_store *store, const char *path,
	const ct_bundle_create_opts *opts)
{
	ct_bundle_info local;
	creator c;
	bundle_writer w;
	FILE *sources = NULL, *keys = NULL;
	ct_buf scratch = CT_BUF_INIT;
	ct__outfile out;
	int fd = -1, opened = 0;
	size_t i;
	int error;

	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
	ct_merkle_init(&w.tree);
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!opts || !opts->creator)
		return ct_error_set(CT_EINVALID, "bundle create needs a signing key");
	if ((error = ct__opts_version(opts->version, CT_BUNDLE_CREATE_OPTS_VERSION,
		     "ct_bundle_create_opts")) < 0)
		return error;
	if ((opts->select == CT_BUNDLE_TAG && !opts->tag) ||
		(opts->select == CT_BUNDLE_STATUS && !opts->status) ||
		(opts->select == CT_BUNDLE_IDS && opts->nids == 0))
		return ct_error_set(CT_EINVALID, "bundle create: nothing selected");
	c.store = store;
	c.opts = opts;
	c.info = info;
	info->history = opts->history != 0;
	info->annotations = opts->annotations != 0;
	memcpy(info->creator, ct_key_id(opts->creator), CT_KEY_ID_LEN + 1);
	ct_timestamp_now(info->created);
	if (!(c.keys = json_object()) || !(c.sources = json_object())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (json_object_set_new(c.keys, ct_key_id(opts->creator), json_true()) < 0) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = select_claims(&c)) < 0)
		goto done;
	if (c.ids.n == 0) {
		error = ct_error_set(CT_ENOTFOUND, "bundle create: no claim matches the selection");
		goto done;
	}
	if (!(c.spill = tmpfile()) || !(sources = tmpfile()) || !(keys = tmpfile())) {
		error = ct_error_set(CT_EIO, "cannot make a temporary file: %s", strerror(errno));
		goto done;
	}
	for (i = 0; i < c.ids.n; i++)
		if ((error = spill_claim(&c, c.ids.v[i])) < 0)
			goto done;
	if ((error = spill_sources(&c, sources)) < 0 || (error = write_keys(&c, keys)) < 0)
		goto done;
	/* the stream writes through its own descriptor; the output file keeps the original */
	if ((error = ct__outfile_open(&out, path, 0644)) < 0)
		goto done;
	opened = 1;
	if ((fd = dup(out.fd)) < 0 || !(w.f = fdopen(fd, "wb"))) {
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	if ((error = put_line(&w, CT_BUNDLE_HEADER, strlen(CT_BUNDLE_HEADER), 0)) < 0 ||
		(error = copy_spill(&w, keys, &scratch)) < 0 ||
		(error = copy_spill(&w, sources, &scratch)) < 0 ||
		(error = copy_spill(&w, c.spill, &scratch)) < 0 ||
		(error = write_trailer(&w, info, opts->creator)) < 0)
		goto done;
	if (fclose(w.f) != 0) {
		w.f = NULL;
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	w.f = NULL;
	opened = 0;
	if ((error = ct__outfile_commit(&out)) < 0)
		goto done;
done:
	if (w.f)
		fclose(w.f);
	if (fd >= 0)
		close(fd);
	if (opened)
		ct__outfile_abort(&out);
	if (c.spill)
		fclose(c.spill);
	if (sources)
		fclose(sources);
	if (keys)
		fclose(keys);
	strvec_free(&c.ids);
	json_decref(c.keys);
	json_decref(c.sources);
	ct_buf_free(&c.line);
	ct_buf_free(&scratch);
	return error;
}

/* ---- reading the trailer ---- */

int ct__trailer_parse(ct_bundle_info *info, ct_buf *body, ct__envelope *env, const char *line,
	size_t len)
{
	static const char *const members[] = {"annotations", "created", "creator", "history",
		"merkle_root", "records", "type", "version", NULL};
	json_t *t = NULL;
	ct_buf canon = CT_BUF_INIT;
	const char *s;
	json_t *v;
	size_t i;
	int error;

	memset(info, 0, sizeof(*info));
	if ((error = ct__envelope_parse(env, line, len)) < 0)
		goto done;
	if (!ct__envelope_type_is(env, CT_BUNDLE_PAYLOAD_TYPE)) {
		error = ct_error_set(CT_EINVALID, "not a trailer: payloadType is not %s",
			CT_BUNDLE_PAYLOAD_TYPE);
		goto done;
	}
	if ((error = ct__envelope_payload(body, env)) < 0)
		goto done;
	if ((error = ct_json_parse(&t, (const uint8_t *)body->ptr, body->len, CT_JSON_RECORD)) < 0 ||
		(error = ct_json_canon(&canon, t)) < 0)
		goto done;
	if (canon.len != body->len || memcmp(canon.ptr, body->ptr, body->len) != 0) {
		error = ct_error_set(CT_EINVALID, "the trailer is not in canonical form");
		goto done;
	}
	if (json_object_size(t) != 8) {
		error = ct_error_set(CT_EINVALID, "the trailer must have exactly the members of "
						  "version 1");
		goto done;
	}
	for (i = 0; members[i]; i++) {
		if (!json_object_get(t, members[i])) {
			error = ct_error_set(CT_EINVALID, "the trailer has no \"%s\"", members[i]);
			goto done;
		}
	}
	if (!json_is_string(v = json_object_get(t, "type")) || strcmp(json_string_value(v), "bundle") ||
		!json_is_integer(v = json_object_get(t, "version")) || json_integer_value(v) != 1) {
		error = ct_error_set(CT_EINVALID, "the trailer is not a version 1 bundle trailer");
		goto done;
	}
	s = json_string_value(json_object_get(t, "creator"));
	if (!s || strlen(s) != CT_KEY_ID_LEN || strspn(s, "0123456789abcdef") != CT_KEY_ID_LEN) {
		error = ct_error_set(CT_EINVALID, "the trailer's creator is not a key id");
		goto done;
	}
	memcpy(info->creator, s, CT_KEY_ID_LEN + 1);
	s = json_string_value(json_object_get(t, "created"));
	if (!s || ct_timestamp_validate(s, "the trailer's created") < 0) {
		error = ct_error_set(CT_EINVALID, "the trailer's created is not a timestamp");
		goto done;
	}
	memcpy(info->created, s, 21);
	s = json_string_value(json_object_get(t, "merkle_root"));
	if (!s || strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64) {
		error = ct_error_set(CT_EINVALID, "the trailer's merkle_root is not 64 hex digits");
		goto done;
	}
	memcpy(info->root, s, 65);
	v = json_object_get(t, "records");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		(unsigned long long)json_integer_value(v) > CT_BUNDLE_RECORDS_MAX) {
		error = ct_error_set(CT_EINVALID, "the trailer's record count is out of range");
		goto done;
	}
	info->records = (uint64_t)json_integer_value(v);
	if (!json_is_boolean(v = json_object_get(t, "history")) ||
		!json_is_boolean(json_object_get(t, "annotations"))) {
		error = ct_error_set(CT_EINVALID, "the trailer's history/annotations are not booleans");
		goto done;
	}
	info->history = json_is_true(v);
	info->annotations = json_is_true(json_object_get(t, "annotations"));
done:
	ct_buf_free(&canon);
	json_decref(t);
	return error;
}

/* Reads line 1 and checks it is a version 1 header: CT_EINVALID naming the file otherwise. */
static int check_header(const char *path, const ct_buf *line, int unterminated, int toolong)
{
	json_t *h = NULL;
	const json_t *v;
	int error = 0;

	if (toolong || ct_json_parse(&h, (const uint8_t *)line->ptr, line->len, CT_JSON_TEXT) < 0 ||
		!json_is_object(h) || !json_is_string(json_object_get(h, "format")) ||
		strcmp(json_string_value(json_object_get(h, "format")), "claimtrail-bundle") != 0) {
		error = ct_error_set(CT_EINVALID, "%s: not a claimtrail bundle (line 1 is not a "
						  "bundle header)",
			path);
		goto done;
	}
	v = json_object_get(h, "version");
	if (!json_is_number(v) || json_number_value(v) != 1.0) {
		ct_buf txt = CT_BUF_INIT;
		if (ct_json_canon(&txt, v ? v : json_null()) < 0)
			ct_buf_puts(&txt, "?");
		error = ct_error_set(CT_EINVALID,
			"%s: line 1: unsupported bundle version %.20s (this claimtrail reads version 1)",
			path, txt.ptr ? txt.ptr : "?");
		ct_buf_free(&txt);
		goto done;
	}
	if (line->len != strlen(CT_BUNDLE_HEADER) || memcmp(line->ptr, CT_BUNDLE_HEADER, line->len)) {
		error = ct_error_set(CT_EINVALID, "%s: line 1: the bundle header must be exactly %s",
			path, CT_BUNDLE_HEADER);
		goto done;
	}
	if (unterminated)
		error = ct_error_set(CT_EINVALID, "%s: truncated after line 1", path);
done:
	json_decref(h);
	return error;
}

/* Reads and checks line 1 of an open reader; closes it on failure. */
static int read_header(ct__line_reader *r, const char *path)
{
	int error;

	if ((error = ct__line_read(r)) < 0)
		goto fail;
	if (error == 0) {
		error = ct_error_set(CT_EINVALID, "%s: not a claimtrail bundle (empty file)", path);
		goto fail;
	}
	if ((error = check_header(path, &r->line, r->unterminated, r->toolong)) < 0)
		goto fail;
	return 0;
fail:
	ct__line_reader_close(r);
	return error;
}

int ct__bundle_open(ct__line_reader *r, const char *path)
{
	int error = ct__line_reader_open(r, path);

	return error < 0 ? error : read_header(r, path);
}

int ct__bundle_open_file(ct__line_reader *r, FILE *f, const char *path)
{
	int error;

	if (fseek(f, 0, SEEK_SET) != 0)
		return ct_error_set(CT_EIO, "%s: cannot read it from the start: %s", path,
			strerror(errno));
	clearerr(f);
	if ((error = ct__line_reader_from(r, f)) < 0) {
		ct__line_reader_close(r);
		return error;
	}
	return read_header(r, path);
}

int ct_bundle_sniff(const char *path)
{
	char head[12];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == sizeof(head) && memcmp(head, "{\"format\":\"", 11) == 0 ? 1 : 0;
}

int ct_bundle_info_read(ct_bundle_info *info, const char *path)
{
	ct__line_reader r;
	ct__envelope env;
	ct_buf body = CT_BUF_INIT, last = CT_BUF_INIT;
	char *tail = NULL;
	long size, from;
	size_t n, start;
	int error;

	memset(info, 0, sizeof(*info));
	if ((error = ct__bundle_open(&r, path)) < 0)
		return error;
	/* The trailer is the last line: read the file's end, not the whole file. */
	if (fseek(r.f, 0, SEEK_END) != 0 || (size = ftell(r.f)) < 0) {
		error = ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	from = size > 65536 ? size - 65536 : 0;
	if (!(tail = malloc(65537)) || fseek(r.f, from, SEEK_SET) != 0) {
		error = ct_error_set(CT_EIO, "%s: cannot read its end", path);
		goto done;
	}
	n = fread(tail, 1, (size_t)(size - from), r.f);
	if (n == 0 || tail[n - 1] != '\n') {
		error = ct_error_set(CT_EINVALID, "%s: truncated (no trailer line at the end)", path);
		goto done;
	}
	start = n - 1;
	while (start > 0 && tail[start - 1] != '\n')
		start--;
	if (start == 0 && from > 0) {
		error = ct_error_set(CT_EINVALID, "%s: the last line is not a trailer", path);
		goto done;
	}
	if ((error = ct_buf_put(&last, tail + start, n - 1 - start)) < 0)
		goto done;
	if ((error = ct__trailer_parse(info, &body, &env, last.ptr, last.len)) < 0)
		ct_error_prefix(error, "%s: truncated or damaged: the last line is not a trailer", path);
done:
	free(tail);
	ct_buf_free(&body);
	ct_buf_free(&last);
	ct__line_reader_close(&r);
	return error;
}

/* ---- inclusion proofs ---- */

#define PROOF_MAX (4u * CT_BUNDLE_LINE_MAX)

int ct_bundle_prove(const char *path, const char *id, const char *out_path)
{
	ct__line_reader r;
	ct__envelope env;
	ct_bundle_info info;
	ct_buf body = CT_BUF_INIT, record = CT_BUF_INIT, out = CT_BUF_INIT;
	uint8_t(*leaves)[CT_HASH_LEN] = NULL;
	uint8_t path_hashes[CT_MERKLE_MAX_PATH][CT_HASH_LEN], root[CT_HASH_LEN];
	char hex[2 * CT_HASH_LEN + 1];
	size_t n = 0, cap = 0, index = 0, plen = 0, i;
	int found = 0, trailer = 0, env_ok;
	json_t *proof = NULL, *audit = NULL;
	int error;

	if ((error = ct_id_validate(id, "claim")) < 0 || (error = ct__bundle_open(&r, path)) < 0)
		return error;
	while ((error = ct__line_read(&r)) > 0) {
		if (r.toolong || r.unterminated) {
			error = ct_error_set(CT_EINVALID, "%s: line %llu: %s", path,
				(unsigned long long)r.lineno,
				r.toolong ? "too long" : "truncated (no newline)");
			goto done;
		}
		if (trailer) {
			error = ct_error_set(CT_EINVALID, "%s: line %llu: a line after the trailer", path,
				(unsigned long long)r.lineno);
			goto done;
		}
		env_ok = ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0;
		if (env_ok && ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE)) {
			if ((error = ct__trailer_parse(&info, &body, &env, r.line.ptr, r.line.len)) < 0) {
				ct_error_prefix(error, "%s: line %llu", path, (unsigned long long)r.lineno);
				goto done;
			}
			trailer = 1;
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			uint8_t(*v)[CT_HASH_LEN] = realloc(leaves, ncap * CT_HASH_LEN);
			if (!v) {
				error = ct_error_set(CT_ENOMEM, "out of memory");
				goto done;
			}
			leaves = v;
			cap = ncap;
		}
		ct_merkle_leaf_hash(leaves[n], (const uint8_t *)r.line.ptr, r.line.len);
		if (env_ok && ct__envelope_type_is(&env, ct_kind_payload_type(CT_KIND_CLAIM))) {
			json_t *rec = NULL;
			if (ct__bundle_record_decode(&rec, &body, &env, r.line.ptr, r.line.len) == 0 &&
				strcmp(ct_record_id(rec), id) == 0) {
				found = 1;
				index = n;
				ct_buf_clear(&record);
				if ((error = ct_buf_put(&record, r.line.ptr, r.line.len)) < 0) {
					json_decref(rec);
					goto done;
				}
			}
			json_decref(rec);
			ct_error_clear();
		}
		n++;
	}
	if (error < 0)
		goto done;
	if (!trailer) {
		error = ct_error_set(CT_EINVALID, "%s: truncated (no trailer)", path);
		goto done;
	}
	if (!found) {
		error = ct_error_set(CT_ENOTFOUND, "%s: no claim %s in the bundle", path, id);
		goto done;
	}
	ct_merkle_root_of(root, (const uint8_t(*)[CT_HASH_LEN])leaves, n);
	ct_hex(hex, root, CT_HASH_LEN);
	if (n != info.records || strcmp(hex, info.root) != 0) {
		error = ct_error_set(CT_EBADSIG, "%s: its records do not match its trailer's Merkle "
						 "root: verify it first",
			path);
		goto done;
	}
	if ((error = ct_merkle_path(path_hashes, &plen, (const uint8_t(*)[CT_HASH_LEN])leaves, n,
		     index)) < 0)
		goto done;
	if (!(audit = json_array())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < plen; i++) {
		char h[2 * CT_HASH_LEN + 1];
		ct_hex(h, path_hashes[i], CT_HASH_LEN);
		if (json_array_append_new(audit, json_string(h)) < 0) {
			error = ct_error_set(CT_ENOMEM, "out of memory");
			goto done;
		}
	}
	proof = json_pack("{s:s, s:i, s:I, s:I, s:s, s:O, s:s%}", "format",
		"claimtrail-inclusion-proof", "version", 1, "leaf_index", (json_int_t)index,
		"tree_size", (json_int_t)n, "root", hex, "audit_path", audit, "record", record.ptr,
		record.len);
	if (!proof || (error = ct_json_canon(&out, proof)) < 0 || (error = ct_buf_putc(&out, '\n')) < 0) {
		if (!proof)
			error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	error = ct_file_write_atomic(out_path, out.ptr, out.len, 0644);
done:
	json_decref(proof);
	json_decref(audit);
	free(leaves);
	ct_buf_free(&body);
	ct_buf_free(&record);
	ct_buf_free(&out);
	ct__line_reader_close(&r);
	return error;
}

int ct__hash_from_hex(uint8_t out[CT_HASH_LEN], const char *hex)
{
	return ct__hex_decode(out, CT_HASH_LEN, hex);
}

int ct_bundle_proof_verify(ct_bundle_proof_info *info, const char *proof_path,
	const char *root_hex, const ct_keyring *trust, size_t threshold)
{
	ct_buf data = CT_BUF_INIT, body = CT_BUF_INIT;
	json_t *proof = NULL, *rec = NULL;
	ct__envelope env;
	uint8_t root[CT_HASH_LEN], leaf[CT_HASH_LEN];
	uint8_t path[CT_MERKLE_MAX_PATH][CT_HASH_LEN];
	const json_t *audit, *v, *h;
	const char *line;
	size_t i, plen;
	json_int_t index, size;
	int error;

	memset(info, 0, sizeof(*info));
	if (ct__hash_from_hex(root, root_hex) < 0)
		return ct_error_set(CT_EINVALID, "--root must be 64 lowercase hex digits");
	if ((error = ct_file_read(&data, proof_path, PROOF_MAX)) < 0)
		return error;
	if ((error = ct_json_parse(&proof, (const uint8_t *)data.ptr, data.len, CT_JSON_RECORD)) < 0) {
		ct_error_prefix(error, "%s: not an inclusion proof", proof_path);
		goto done;
	}
	v = json_object_get(proof, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), "claimtrail-inclusion-proof") != 0) {
		error = ct_error_set(CT_EINVALID, "%s: not a claimtrail inclusion proof", proof_path);
		goto done;
	}
	if (json_integer_value(json_object_get(proof, "version")) != 1) {
		error = ct_error_set(CT_EINVALID, "%s: unsupported inclusion proof version",
			proof_path);
		goto done;
	}
	index = json_integer_value(v = json_object_get(proof, "leaf_index"));
	size = json_integer_value(h = json_object_get(proof, "tree_size"));
	audit = json_object_get(proof, "audit_path");
	line = json_string_value(json_object_get(proof, "record"));
	if (!json_is_integer(v) || !json_is_integer(h) || index < 0 || size < 1 ||
		!json_is_array(audit) || json_array_size(audit) > CT_MERKLE_MAX_PATH || !line) {
		error = ct_error_set(CT_EINVALID, "%s: malformed inclusion proof", proof_path);
		goto done;
	}
	plen = json_array_size(audit);
	json_array_foreach(audit, i, h) {
		if (ct__hash_from_hex(path[i], json_string_value(h)) < 0) {
			error = ct_error_set(CT_EINVALID, "%s: audit path entry %zu is not a hash",
				proof_path, i);
			goto done;
		}
	}
	if ((error = ct__bundle_record_decode(&rec, &body, &env, line,
		     json_string_length(json_object_get(proof, "record")))) < 0) {
		ct_error_prefix(error, "%s: the record", proof_path);
		goto done;
	}
	info->index = (uint64_t)index;
	info->size = (uint64_t)size;
	snprintf(info->kind, sizeof(info->kind), "%s", json_string_value(json_object_get(rec, "type")));
	snprintf(info->id, sizeof(info->id), "%s", ct_record_id(rec));
	info->revision = json_integer_value(json_object_get(rec, "revision"));
	ct_merkle_leaf_hash(leaf, (const uint8_t *)line,
		json_string_length(json_object_get(proof, "record")));
	if ((error = ct_merkle_verify_path(leaf, (uint64_t)index, (uint64_t)size,
		     (const uint8_t(*)[CT_HASH_LEN])path, plen, root)) < 0) {
		ct_error_prefix(error, "%s %s: not proven in the bundle with root %.16s...",
			info->kind, info->id, root_hex);
		goto done;
	}
	if (trust && (error = ct_record_verify(NULL, rec, trust, threshold)) < 0)
		goto done;
done:
	json_decref(proof);
	json_decref(rec);
	ct_buf_free(&data);
	ct_buf_free(&body);
	return error;
}
