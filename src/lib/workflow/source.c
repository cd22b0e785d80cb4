/*
 * Writing sources: adding a source with its retrieved text (kept in the store), and revising
 * one when it is re-retrieved or corrected; each new revision is one commit (revision.c).
 */
#include "revision.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const json_t *fields; /* add: the fields; revise: the changes */
	const char *id;	      /* revise: the source */
	const uint8_t *text;
	size_t text_len;
	const ct_write_opts *opts;
	json_t *result;
	int retract; /* source retract: "retracted": true, with job->opts->reason */
	int merge;   /* source revise --merge: names every concurrent head as prev */
} source_job;

/* Sets the record's "archive" for text; 1 when the text itself is to be kept (put_text). */
static int set_archive(
	ct_store *store, json_t *record, const uint8_t *text, size_t len, int keep_text)
{
	char hex[65];
	int keep = keep_text >= 0
		? keep_text
		: json_is_true(json_object_get(ct_store_config(store), "keep_source_text"));

	ct_sha256_hex(hex, text, len);
	if (json_object_set_new(record, "archive",
		    json_pack("{s:s, s:I, s:s, s:b}", "sha256", hex, "length", (json_int_t)len,
			    "media_type", "text/plain; charset=utf-8", "stored", keep)) < 0)
		return ct__oom();
	return keep;
}

/* Puts the text beside the finished (signed) record, at the path its name gives. */
static int put_text(
	ct_txn *txn, ct_store *store, const json_t *record, const uint8_t *text, size_t len)
{
	ct_buf path = CT_BUF_INIT;
	int error;

	if ((error = ct__source_text_path(&path, store, record)) == 0)
		error = ct__txn_put(txn, path.ptr, text, len);
	ct_buf_free(&path);
	return error;
}

static int source_add_build(ct_txn *txn, ct_store *store, void *payload)
{
	source_job *job = payload;
	json_t *record = NULL;
	char derived[CT_ID_MAX + 1];
	const char *id = json_string_value(json_object_get(job->fields, "id"));
	json_int_t n;
	int error, keep = 0;

	if ((error = ct__revision_check_fields(job->fields, "source")) < 0)
		goto done;
	if (!id) {
		const char *title = json_string_value(json_object_get(job->fields, "title"));
		if (!title || !*title) {
			error = ct_error_set(CT_EINVALID, "source: a title is required");
			goto done;
		}
		if ((error = ct_id_from_text(derived, sizeof(derived), title)) < 0)
			goto done;
		id = derived;
	}
	if ((error = ct_id_validate(id, "source")) < 0 ||
		(error = ct__revision_count(&n, store, CT_KIND_SOURCE, id)) < 0)
		goto done;
	if (n > 0) {
		error = ct_error_set(
			CT_EEXISTS, "source %s already exists (use 'source revise')", id);
		goto done;
	}
	if (!(record = json_deep_copy(job->fields))) {
		error = ct__oom();
		goto done;
	}
	json_object_del(record, "archive");
	if (job->text &&
		(keep = error = set_archive(
			 store, record, job->text, job->text_len, job->opts->keep_text)) < 0)
		goto done;
	if ((error = ct__txn_subject(txn, "source add %s: %s", id,
		     json_string_value(json_object_get(record, "title")))) < 0 ||
		(error = ct__revision_finish(
			 record, txn, store, CT_KIND_SOURCE, id, 1, NULL, job->opts)) < 0 ||
		(keep && (error = put_text(txn, store, record, job->text, job->text_len)) < 0))
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	return error;
}

int ct_source_add(json_t **out_record, ct_store *store, const json_t *fields, const uint8_t *text,
	size_t text_len, const ct_write_opts *opts)
{
	source_job job = {fields, NULL, text, text_len, opts, NULL, 0, 0};

	return ct__revision_write(
		out_record, store, opts, 0, "source add", source_add_build, &job, &job.result);
}

static int source_revise_build(ct_txn *txn, ct_store *store, void *payload)
{
	source_job *job = payload;
	json_t *prev = NULL, *record = NULL;
	ct_buf prevs = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1];
	json_int_t n;
	int error, keep = 0;

	if ((error = ct__latest_record(&prev, digest, &n, store, CT_KIND_SOURCE, job->id)) < 0 ||
		(error = ct__revision_heads_merge(&prevs, &prev, digest, &n, store, CT_KIND_SOURCE,
			 job->id, job->merge)) < 0)
		goto done;
	if (!(record = json_deep_copy(prev))) {
		error = ct__oom();
		goto done;
	}
	if (json_is_true(json_object_get(prev, "retracted"))) {
		error = ct_error_set(CT_EINVALID, "source %s is retracted: it cannot be %s",
			job->id, job->retract ? "retracted again" : "revised");
		goto done;
	}
	if (job->retract && json_object_set_new(record, "retracted", json_true()) < 0) {
		error = ct__oom();
		goto done;
	}
	if (job->fields &&
		(error = ct__revision_apply_changes(record, job->fields, "source revise")) < 0)
		goto done;
	if (job->text &&
		(keep = error = set_archive(
			 store, record, job->text, job->text_len, job->opts->keep_text)) < 0)
		goto done;
	if (!prevs.len && ct__revision_same_content(prev, record)) {
		error = ct_error_set(
			CT_EINVALID, "source %s: the revision changes nothing", job->id);
		goto done;
	}
	if ((error = ct__txn_subject(txn, "source %s %s (revision %lld)",
		     job->retract	  ? "retract"
			     : job->merge ? "merge"
					  : "revise",
		     job->id, (long long)(n + 1))) < 0 ||
		(error = ct__revision_finish(record, txn, store, CT_KIND_SOURCE, job->id, n + 1,
			 prevs.len ? prevs.ptr : digest, job->opts)) < 0 ||
		(keep && (error = put_text(txn, store, record, job->text, job->text_len)) < 0))
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	ct_buf_free(&prevs);
	json_decref(record);
	json_decref(prev);
	return error;
}

int ct_source_revise(json_t **out_record, ct_store *store, const char *id, const json_t *changes,
	const uint8_t *text, size_t text_len, const ct_write_opts *opts)
{
	source_job job = {changes, id, text, text_len, opts, NULL, 0, 0};

	return ct__revision_write(out_record, store, opts, 1, "source revise", source_revise_build,
		&job, &job.result);
}

int ct_source_revise_merge(json_t **out_record, ct_store *store, const char *id,
	const json_t *changes, const uint8_t *text, size_t text_len, const ct_write_opts *opts)
{
	source_job job = {changes, id, text, text_len, opts, NULL, 0, 1};

	return ct__revision_write(out_record, store, opts, 1, "source revise --merge",
		source_revise_build, &job, &job.result);
}

int ct_source_retract(
	json_t **out_record, ct_store *store, const char *id, const ct_write_opts *opts)
{
	source_job job = {NULL, id, NULL, 0, opts, NULL, 1, 0};

	return ct__revision_write(out_record, store, opts, 1, "source retract", source_revise_build,
		&job, &job.result);
}
