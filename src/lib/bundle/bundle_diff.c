/*
 * Diffing two bundles: which records one carries that the other does not, and which records
 * with the same kind, id and revision differ in what they say. Answers "what changed between the
 * bundle we published last week and this one" without a store. Neither bundle is verified here:
 * that is ct_bundle_verify's job; records are compared by the digest of their signed bytes.
 */
#include "bundle_internal.h"

#include <stdio.h>
#include <string.h>

/* "claim x@2", "source s@1", "annotation a", "key k": what identifies a record in a bundle. */
static int record_key(char *out, size_t size, const json_t *record)
{
	ct_kind kind;
	json_t *rev = json_object_get(record, "revision");
	int n;

	if (ct_record_kind(&kind, record) < 0)
		return -1;
	n = rev ? snprintf(out, size, "%s %s@%lld", ct_kind_name(kind), ct_record_id(record),
			  (long long)json_integer_value(rev))
		: snprintf(out, size, "%s %s", ct_kind_name(kind), ct_record_id(record));
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Reads every record of a bundle into key -> digest of its signed bytes. */
static int load(json_t *map, const char *path)
{
	ct__line_reader r;
	ct_buf body = CT_BUF_INIT;
	int error, rc;

	if ((error = ct__bundle_open(&r, path)) < 0)
		return error;
	while ((rc = ct__line_read(&r)) > 0) {
		ct__envelope env;
		json_t *record = NULL;
		char key[160], hex[65];

		if (r.toolong) {
			error = ct_error_set(CT_EINVALID, "%s: line %llu is too long", path,
				(unsigned long long)r.lineno);
			goto done;
		}
		if (ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0 &&
			ct__envelope_type_is(&env, CT_BUNDLE_PAYLOAD_TYPE))
			continue; /* the trailer: compared through ct_bundle_info_read */
		if (ct__envelope_parse(&env, r.line.ptr, r.line.len) == 0 &&
			ct__envelope_type_is(&env, CT_BUNDLE_TEXT_TYPE))
			continue; /* a text: its sha256 is in its source record, compared as such */
		ct_buf_clear(&body);
		if ((error = ct__bundle_record_decode(
			     &record, &body, &env, r.line.ptr, r.line.len)) < 0) {
			error = ct_error_prefix(
				error, "%s: line %llu", path, (unsigned long long)r.lineno);
			goto done;
		}
		ct_sha256_hex(hex, (const uint8_t *)body.ptr, body.len);
		if (record_key(key, sizeof(key), record) == 0)
			json_object_set_new(map, key, json_string(hex));
		json_decref(record);
	}
	error = rc < 0 ? rc : 0;
done:
	ct_buf_free(&body);
	ct__line_reader_close(&r);
	return error;
}

static int report(ct_bundle_change_fn fn, void *payload, const char *change, const char *key)
{
	char kind[CT_KIND_NAME_MAX + 1];
	const char *space = strchr(key, ' ');
	size_t klen = space ? (size_t)(space - key) : 0;
	ct_bundle_change c;

	if (!space || klen >= sizeof(kind))
		return 0;
	memcpy(kind, key, klen);
	kind[klen] = '\0';
	c.change = change;
	c.kind = kind;
	c.record = space + 1;
	return fn(&c, payload);
}

int ct_bundle_diff(const char *a, const char *b, ct_bundle_change_fn fn, void *payload)
{
	json_t *ma = json_object(), *mb = json_object();
	const char *key;
	json_t *digest;
	int error;

	if (!ma || !mb) {
		error = ct__oom();
		goto done;
	}
	if ((error = load(ma, a)) < 0 || (error = load(mb, b)) < 0)
		goto done;
	json_object_foreach (ma, key, digest) {
		json_t *other = json_object_get(mb, key);
		if (!other)
			error = report(fn, payload, "removed", key);
		else if (!json_equal(digest, other))
			error = report(fn, payload, "changed", key);
		if (error)
			goto done;
	}
	json_object_foreach (mb, key, digest) {
		if (!json_object_get(ma, key) && (error = report(fn, payload, "added", key)))
			goto done;
	}
done:
	json_decref(ma);
	json_decref(mb);
	return error;
}
