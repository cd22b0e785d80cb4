/*
 * The bundle line format (docs/bundle.md): a bounded line reader, the DSSE envelope each record
 * line is, decoding a record line, and reading a bundle's header and trailer lines. Creating a
 * bundle is bundle_create.c, inclusion proofs bundle_proof.c, verifying bundle_verify.c,
 * importing bundle_import.c.
 */
#include "bundle_internal.h"
#include "hex.h"
#include "canonscan.h"
#include "claimtrail/json.h"

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
		return ct__oom();
	return 0;
}

int ct__line_reader_open(ct__line_reader *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	int error;

	if (!f) {
		memset(r, 0, sizeof(*r));
		return ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path, strerror(errno));
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
					return ct_error_set(
						CT_EIO, "reading the bundle: %s", strerror(errno));
				if (!any)
					return 0;
				r->lineno++;
				r->unterminated = 1;
				if (r->toolong)
					crypto_hash_sha256_final(&r->toolong_hash, r->toolong_leaf);
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
			crypto_hash_sha256_update(
				&r->toolong_hash, (const uint8_t *)r->line.ptr, r->line.len);
		}
		if (r->toolong)
			crypto_hash_sha256_update(
				&r->toolong_hash, (const uint8_t *)r->buf + r->pos, n);
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

void ct__line_leaf(uint8_t leaf[CT_HASH_LEN], const ct__line_reader *r)
{
	if (r->toolong)
		memcpy(leaf, r->toolong_leaf, CT_HASH_LEN);
	else
		ct_merkle_leaf_hash(leaf, (const uint8_t *)r->line.ptr, r->line.len);
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
			return ct_error_set(
				CT_EINVALID, "more than %d signatures", CT_ENVELOPE_SIGS_MAX);
		s = &env->sigs[env->nsigs];
		if ((error = expect(&c, "{\"keyid\":\"")) < 0)
			goto bad;
		if (span(&c, is_hex) != CT_KEY_ID_LEN)
			return ct_error_set(
				CT_EINVALID, "a signature's keyid is not 16 hex digits");
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

int ct__envelope_write(
	ct_buf *out, const char *type, const uint8_t *body, size_t len, const json_t *signatures)
{
	const json_t *e;
	size_t i;
	int error;

	if (json_array_size(signatures) == 0)
		return ct_error_set(CT_EINVALID, "a record without signatures cannot be bundled");
	if ((error = ct_buf_puts(out, "{\"payload\":\"")) < 0 ||
		(error = ct_base64_encode(out, body, len)) < 0 ||
		(error = ct_buf_printf(out, "\",\"payloadType\":\"%s\",\"signatures\":[", type)) <
			0)
		return error;
	json_array_foreach (signatures, i, e) {
		const char *k = json_string_value(json_object_get(e, "key_id"));
		const char *s = json_string_value(json_object_get(e, "sig"));
		if (!k || !s)
			return ct_error_set(CT_EINVALID, "a signature without key_id or sig");
		if ((error = ct_buf_printf(
			     out, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "", k, s)) < 0)
			return error;
	}
	return ct_buf_puts(out, "]}");
}

int ct__bundle_record_decode(
	json_t **out, ct_buf *body, ct__envelope *env, const char *line, size_t len)
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
		error = ct_error_set(CT_EINVALID, "%s %s: payloadType is not %s",
			ct_kind_name(kind), ct_record_id(rec) ? ct_record_id(rec) : "(no id)",
			ct_kind_payload_type(kind));
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
		error = ct__oom();
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

/* ---- reading the trailer ---- */

int ct__trailer_parse(
	ct_bundle_info *info, ct_buf *body, ct__envelope *env, const char *line, size_t len)
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
	if ((error = ct_json_parse(&t, (const uint8_t *)body->ptr, body->len, CT_JSON_RECORD)) <
			0 ||
		(error = ct_json_canon(&canon, t)) < 0)
		goto done;
	if (canon.len != body->len || memcmp(canon.ptr, body->ptr, body->len) != 0) {
		error = ct_error_set(CT_EINVALID, "the trailer is not in canonical form");
		goto done;
	}
	if (json_object_size(t) != 8) {
		error = ct_error_set(CT_EINVALID,
			"the trailer must have exactly the members of "
			"version 1");
		goto done;
	}
	for (i = 0; members[i]; i++) {
		if (!json_object_get(t, members[i])) {
			error = ct_error_set(CT_EINVALID, "the trailer has no \"%s\"", members[i]);
			goto done;
		}
	}
	if (!json_is_string(v = json_object_get(t, "type")) ||
		strcmp(json_string_value(v), "bundle") ||
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
		error = ct_error_set(
			CT_EINVALID, "the trailer's history/annotations are not booleans");
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
		error = ct_error_set(CT_EINVALID,
			"%s: not a claimtrail bundle (line 1 is not a "
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
	if (line->len != strlen(CT_BUNDLE_HEADER) ||
		memcmp(line->ptr, CT_BUNDLE_HEADER, line->len)) {
		error = ct_error_set(CT_EINVALID,
			"%s: line 1: the bundle header must be exactly %s", path, CT_BUNDLE_HEADER);
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
		return ct_error_set(
			CT_EIO, "%s: cannot read it from the start: %s", path, strerror(errno));
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
		error = ct_error_set(
			CT_EINVALID, "%s: truncated (no trailer line at the end)", path);
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
		ct_error_prefix(
			error, "%s: truncated or damaged: the last line is not a trailer", path);
done:
	free(tail);
	ct_buf_free(&body);
	ct_buf_free(&last);
	ct__line_reader_close(&r);
	return error;
}
