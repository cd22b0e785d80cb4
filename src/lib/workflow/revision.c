/*
 * Writing a new revision of a source or claim, the steps source.c, claim.c and claim_import.c
 * share: the members the store fills (type, revision, prev, created, signatures, reason),
 * applying a caller's changes, checking fields and options, signing and putting the revision
 * with its commit trailers, and running the whole as one store write.
 */
#include "revision.h"
#include "error.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* Members a caller may not set: the store fills them. */
static const char *const managed[] = {
	"type", "revision", "prev", "created", "signatures", "reason", NULL};

static int is_managed(const char *key)
{
	size_t i;

	for (i = 0; managed[i]; i++)
		if (strcmp(key, managed[i]) == 0)
			return 1;
	return 0;
}

/* Fills the managed members of a new revision and checks its schema (before signing). */
int ct__revision_prepare(json_t *record, ct_kind kind, const char *id, json_int_t revision,
	const char *prev, const ct_write_opts *opts)
{
	char created[CT_TIMESTAMP_LEN + 1];
	int error;

	/* jansson refuses invalid UTF-8 with the NULL it gives when out of memory: check first */
	if (opts->reason &&
		(error = ct__utf8_check(opts->reason, strlen(opts->reason), "the reason")) < 0)
		return error;
	ct_timestamp_now(created);
	if (json_object_set_new(record, "type", json_string(ct_kind_name(kind))) < 0 ||
		json_object_set_new(record, "id", json_string(id)) < 0 ||
		json_object_set_new(record, "revision", json_integer(revision)) < 0 ||
		json_object_set_new(record, "created", json_string(created)) < 0)
		return ct__oom();
	if (prev && strchr(prev, ',')) {
		/* a merge revision: the digests it names, ascending, comma-separated */
		json_t *list = json_array();
		const char *p = prev;
		if (!list)
			return ct__oom();
		while (*p) {
			size_t len = strcspn(p, ",");
			json_array_append_new(list, json_stringn(p, len));
			p += len + (p[len] == ',');
		}
		json_object_set_new(record, "prev", list);
	} else if (prev)
		json_object_set_new(record, "prev", json_string(prev));
	else
		json_object_del(record, "prev");
	if (opts->reason && *opts->reason)
		json_object_set_new(record, "reason", json_string(opts->reason));
	else
		json_object_del(record, "reason");
	json_object_del(record, "signatures");
	return ct_record_validate(record);
}

/* Fills the managed members of a new revision, signs it, and puts it and its trailers. */
int ct__revision_finish(json_t *record, ct_txn *txn, ct_store *store, ct_kind kind, const char *id,
	json_int_t revision, const char *prev, const ct_write_opts *opts)
{
	char digest[CT_DIGEST_LEN + 1];
	int error;

	if ((error = ct__revision_prepare(record, kind, id, revision, prev, opts)) < 0 ||
		(error = ct_record_sign(record, opts->signer)) < 0 ||
		(error = ct_record_digest(digest, record)) < 0 ||
		(error = ct__txn_put_record(txn, record)) < 0 ||
		(error = ct__txn_put_signer_key(txn, store, opts->signer)) < 0)
		return error;
	if (opts->reason && *opts->reason && (error = ct__txn_body(txn, opts->reason)) < 0)
		return error;
	if ((error = ct__txn_trailer(txn, "Claimtrail-Record", "%s/%s@%lld", ct_kind_name(kind), id,
		     (long long)revision)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Revision", "%s", digest)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(opts->signer))) <
			0)
		return error;
	return 0;
}

/* Applies changes to a copy of record: members set, null removes; the objects "attribution"
 * and "quantity" are merged member by member. */
int ct__revision_apply_changes(json_t *record, const json_t *changes, const char *what)
{
	const char *key;
	json_t *value;

	json_object_foreach ((json_t *)changes, key, value) {
		json_t *cur = json_object_get(record, key);
		if (is_managed(key) || strcmp(key, "id") == 0 || strcmp(key, "retracted") == 0 ||
			strcmp(key, "archive") == 0)
			return ct_error_set(CT_EINVALID,
				"%s: \"%s\" cannot be changed by a revision", what, key);
		if (json_is_null(value)) {
			json_object_del(record, key);
		} else if (json_is_object(value) && json_is_object(cur) &&
			(strcmp(key, "attribution") == 0 || strcmp(key, "quantity") == 0)) {
			json_t *merged = json_deep_copy(cur);
			const char *k2;
			json_t *v2;
			if (!merged)
				return ct__oom();
			json_object_foreach (value, k2, v2) {
				if (json_is_null(v2))
					json_object_del(merged, k2);
				else
					json_object_set(merged, k2, v2);
			}
			json_object_set_new(record, key, merged);
		} else if (json_is_object(value)) {
			/* a new object: its null members remove nothing, so they are left out */
			json_t *copy = json_deep_copy(value);
			const char *k2;
			json_t *v2;
			void *tmp;
			if (!copy)
				return ct__oom();
			json_object_foreach_safe (copy, tmp, k2, v2) {
				if (json_is_null(v2))
					json_object_del(copy, k2);
			}
			json_object_set_new(record, key, copy);
		} else {
			json_object_set(record, key, value);
		}
	}
	return 0;
}

/* Checks the members a caller gave for a new record. */
int ct__revision_check_fields(const json_t *fields, const char *what)
{
	const char *key;
	json_t *value;

	if (!json_is_object(fields))
		return ct_error_set(CT_EINVALID, "%s: the fields must be a JSON object", what);
	json_object_foreach ((json_t *)fields, key, value) {
		if (is_managed(key) || strcmp(key, "retracted") == 0)
			return ct_error_set(CT_EINVALID,
				"%s: \"%s\" is set by claimtrail, not given", what, key);
	}
	return 0;
}

int ct__revision_check_opts(const ct_write_opts *opts, int reason_required, const char *what)
{
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "%s needs a signing key", what);
	if (reason_required && (!opts->reason || !*opts->reason))
		return ct_error_set(CT_EINVALID, "%s needs a reason (--reason)", what);
	return ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts");
}

/* Checks the options, runs build as one store write, and hands the record it made (in
 * *result, which the job owns until then) to the caller. */
int ct__revision_write(json_t **out_record, ct_store *store, const ct_write_opts *opts,
	int reason_required, const char *what, ct_txn_build_fn build, void *job, json_t **result)
{
	int error;

	if (out_record)
		*out_record = NULL;
	if ((error = ct__revision_check_opts(opts, reason_required, what)) < 0 ||
		(error = ct__store_write(store, opts->signer, opts->max_retries, build, job)) < 0) {
		json_decref(*result);
		*result = NULL;
		return error;
	}
	if (out_record)
		*out_record = *result;
	else
		json_decref(*result);
	*result = NULL;
	return 0;
}

static int by_digest(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ct__revision_heads_merge(ct_buf *prevs, json_t **prev, char *digest, json_int_t *n,
	ct_store *store, ct_kind kind, const char *id, int merge)
{
	const char *what = ct_kind_name(kind);
	json_t *heads = NULL, *h, *base = NULL;
	const char *list[64];
	char digests[64][CT_DIGEST_LEN + 1];
	size_t i, count;
	int error;

	if ((error = ct_store_heads(&heads, store, kind, id)) < 0)
		return error;
	count = json_array_size(heads);
	if (count < 2) {
		if (merge)
			error = ct_error_set(CT_EINVALID,
				"%s %s is not conflicted: there is nothing to merge (revise it "
				"without --merge)",
				what, id);
		goto done;
	}
	if (!merge) {
		error = ct_error_set(CT_ECONFLICT,
			"%s %s is conflicted: %zu concurrent revisions; write the one that merges "
			"them with 'claimtrail %s revise %s --merge ...'",
			what, id, count, what, id);
		goto done;
	}
	if (count > 64) {
		error = ct_error_set(
			CT_EINVALID, "%s %s: more than 64 concurrent revisions", what, id);
		goto done;
	}
	json_array_foreach (heads, i, h) {
		if ((error = ct__require_verified(store, h)) < 0 ||
			(error = ct_record_digest(digests[i], h)) < 0)
			goto done;
		list[i] = digests[i];
		if (!base ||
			json_integer_value(json_object_get(h, "revision")) >
				json_integer_value(json_object_get(base, "revision")) ||
			(json_integer_value(json_object_get(h, "revision")) ==
					json_integer_value(json_object_get(base, "revision")) &&
				strcmp(digests[i], digest) < 0)) {
			base = h;
			memcpy(digest, digests[i], CT_DIGEST_LEN + 1);
		}
	}
	qsort(list, count, sizeof(list[0]), by_digest);
	for (i = 0; i < count; i++)
		if ((error = ct_buf_printf(prevs, "%s%s", i ? "," : "", list[i])) < 0)
			goto done;
	json_decref(*prev);
	*prev = json_incref(base);
	*n = json_integer_value(json_object_get(base, "revision"));
done:
	json_decref(heads);
	return error;
}

/* Whether two revisions say the same thing (ignoring what every revision changes). */
int ct__revision_same_content(const json_t *a, const json_t *b)
{
	static const char *const skip[] = {
		"revision", "prev", "created", "reason", "signatures", NULL};
	json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
	size_t i;
	int same;

	for (i = 0; skip[i]; i++) {
		json_object_del(x, skip[i]);
		json_object_del(y, skip[i]);
	}
	same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}
