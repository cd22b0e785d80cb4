/*
 * Key records written into the store after the first: a revocation (the key's own signed word,
 * docs/format.md 2.3) and a rotation (a successor's record signed by the key it succeeds),
 * docs/keys.md. A revocation is permanent: a key the store holds as revoked is never written
 * again.
 */
#include "store_internal.h"

#include <string.h>

typedef struct {
	const json_t *records;
	const ct_write_opts *opts;
} keys_job;

static int keys_build(ct_txn *txn, ct_store *store, void *payload)
{
	keys_job *job = payload;
	ct_buf path = CT_BUF_INIT, data = CT_BUF_INIT;
	const json_t *rec;
	json_t *have = NULL;
	size_t i;
	int error;

	/* the committer's own record first: a record below may replace it */
	if ((error = ct__txn_put_signer_key(txn, store, job->opts->signer)) < 0)
		goto done;
	json_array_foreach (job->records, i, rec) {
		const char *id = json_string_value(json_object_get(rec, "key_id"));
		const json_t *rv = json_object_get(rec, "revoked");
		json_decref(have);
		have = NULL;
		ct_buf_clear(&path);
		ct_buf_clear(&data);
		if ((error = ct_key_record_check(rec)) < 0 ||
			(error = ct_store_record_path(&path, store, CT_KIND_KEY, id, 0)) < 0)
			goto done;
		error = ct__read_path(&data, store, path.ptr, CT_RECORD_MAX);
		if (error == CT_ENOTFOUND) {
			ct_error_clear();
			error = 0;
		} else if (error < 0 || (error = ct__parse_record(&have, &data, path.ptr)) < 0) {
			goto done;
		}
		if (have && json_object_get(have, "revoked")) {
			error = ct_error_set(CT_EEXISTS,
				"key %s is already revoked in the store (a revocation is permanent)",
				id);
			goto done;
		}
		if (have && !rv && json_equal(have, (json_t *)rec)) {
			error = ct_error_set(
				CT_EEXISTS, "key %s: the store holds this record already", id);
			goto done;
		}
		if ((error = ct__txn_put_record(txn, rec)) < 0 ||
			(error = ct__txn_trailer(txn, "Claimtrail-Record", "key/%s", id)) < 0)
			goto done;
		if (rv)
			error = ct__txn_subject(txn, "revoke key %s: %s", id,
				json_string_value(json_object_get(rv, "reason")));
		else if (json_object_get(rec, "rotated_from"))
			error = ct__txn_subject(txn, "rotate key %s to %s",
				json_string_value(json_object_get(rec, "rotated_from")), id);
		else
			error = ct__txn_subject(txn, "key %s", id);
		if (error < 0)
			goto done;
	}
	if (json_array_size(job->records) > 1)
		error = ct__txn_subject(txn, "rotate key %s to %s and retire it",
			json_string_value(
				json_object_get(json_array_get(job->records, 0), "rotated_from")),
			json_string_value(
				json_object_get(json_array_get(job->records, 0), "key_id")));
	if (error == 0)
		error = ct__txn_trailer(
			txn, "Claimtrail-Signer", "%s", ct_key_id(job->opts->signer));
done:
	json_decref(have);
	ct_buf_free(&path);
	ct_buf_free(&data);
	return error;
}

int ct_store_put_keys(ct_store *store, const json_t *records, const ct_write_opts *opts)
{
	keys_job job = {records, opts};
	int error;

	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "a signing key is needed");
	if ((error = ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts")) < 0)
		return error;
	if (!json_is_array(records) || json_array_size(records) == 0)
		return ct_error_set(CT_EINVALID, "no key records to write");
	return ct__store_write(store, opts->signer, opts->max_retries, keys_build, &job);
}
