/*
 * Writing claims: building each new revision from the user's fields, checking it against the
 * store (duplicate ids, the cited source and its revision, the quote anchored in its text),
 * and adding, revising or retracting a claim as one commit (revision.c).
 */
#include "anchor_text.h"
#include "claim.h"
#include "revision.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Checks a claim's attribution against the store: the source exists; its current revision is
 * recorded by digest; a quote is anchored in the source's stored text when there is one.
 */
static int attribute(
	json_t *record, ct_store *store, const char *what, const ct_write_opts *opts, json_t *cache)
{
	json_t *attribution = json_object_get(record, "attribution");
	const char *source_id = json_string_value(json_object_get(attribution, "source"));
	const char *quote = json_string_value(json_object_get(attribution, "quote"));
	json_t *source = NULL, *hint, *cached;
	char digest[CT_DIGEST_LEN + 1];
	ct_buf text = CT_BUF_INIT;
	json_int_t n;
	int error = 0;

	if (!json_is_object(attribution) || !source_id)
		return ct_error_set(
			CT_EINVALID, "%s: the source it is attributed to is required", what);
	if ((cached = json_object_get(cache, source_id))) {
		/* a bulk import cites the same sources over and over: look each up once */
		source = json_incref(json_object_get(cached, "record"));
		n = json_integer_value(json_object_get(source, "revision"));
		snprintf(digest, sizeof(digest), "%s",
			json_string_value(json_object_get(cached, "digest")));
	} else {
		if ((error = ct__latest_record(
			     &source, digest, &n, store, CT_KIND_SOURCE, source_id)) < 0) {
			if (error == CT_ENOTFOUND && n == 0)
				error = ct_error_set(CT_ENOTFOUND,
					"%s: source %s does not exist (add it with 'claimtrail "
					"source add')",
					what, source_id);
			return error;
		}
		if (cache)
			json_object_set_new(cache, source_id,
				json_pack("{s:O, s:s}", "record", source, "digest", digest));
	}
	json_object_set_new(attribution, "source_revision", json_string(digest));
	/* the old selector, if any, says which of several occurrences the quote meant */
	hint = json_incref(json_object_get(attribution, "selector"));
	json_object_del(attribution, "selector");
	if (quote) {
		error = ct_store_source_text(&text, store, source_id, n);
		if (error == CT_ENOTFOUND && opts && opts->source_text) {
			/* not kept in the store: anchor in the caller's copy, if it is the same text */
			const char *want = json_string_value(
				json_object_get(json_object_get(source, "archive"), "sha256"));
			char hex[65];
			ct_sha256_hex(hex, opts->source_text, opts->source_text_len);
			ct_error_clear();
			if (!want)
				error = ct_error_set(CT_EINVALID,
					"%s: source %s has no recorded text to check the copy against",
					what, source_id);
			else if (strcmp(hex, want) != 0)
				error = ct_error_set(CT_EINVALID,
					"%s: the text given is not the text recorded for source %s "
					"(sha256 differs)",
					what, source_id);
			else
				error = ct_buf_put(&text, opts->source_text, opts->source_text_len);
		}
		if (error == CT_ENOTFOUND) {
			ct_error_clear();
			error = 0;
		} else if (error == 0) {
			error = ct__anchor_quote_near(attribution, text.ptr, text.len, hint);
			if (error < 0)
				ct_error_prefix(error, "%s", what);
		}
	}
	json_decref(hint);
	ct_buf_free(&text);
	json_decref(source);
	return error;
}

/*
 * Anchors the quote of a chain link in its source's kept text (or in the caller's copy when it
 * is that text: opts->source_text); a source without text leaves the quote unanchored.
 */
static int anchor_link(json_t *link, ct_store *store, const json_t *source, json_int_t n,
	const ct_write_opts *opts, const char *what)
{
	const char *id = json_string_value(json_object_get(link, "source"));
	const char *want =
		json_string_value(json_object_get(json_object_get(source, "archive"), "sha256"));
	ct_buf text = CT_BUF_INIT;
	char hex[65];
	int error;

	json_object_del(link, "selector");
	if (!json_object_get(link, "quote"))
		return 0;
	error = ct_store_source_text(&text, store, id, n);
	if (error == CT_ENOTFOUND && opts && opts->source_text && want) {
		ct_sha256_hex(hex, opts->source_text, opts->source_text_len);
		if (strcmp(hex, want) == 0)
			error = ct_buf_put(&text, opts->source_text, opts->source_text_len);
	}
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		error = 0;
	} else if (error == 0 &&
		(error = ct__anchor_quote_near(link, text.ptr, text.len, NULL)) < 0) {
		ct_error_prefix(error, "%s: the quote of its %s link to %s", what,
			json_string_value(json_object_get(link, "role")), id);
	}
	ct_buf_free(&text);
	return error;
}

/*
 * Checks the links of a claim's attribution chain ("sources", docs/format.md 5.3) against the
 * store: each source exists, its current revision is recorded by digest, and a link's quote is
 * anchored in that source's text when there is one.
 */
static int link_sources(
	json_t *record, ct_store *store, const char *what, const ct_write_opts *opts)
{
	json_t *links = json_object_get(record, "sources"), *link, *source = NULL;
	char digest[CT_DIGEST_LEN + 1];
	json_int_t n;
	size_t i;
	int error = 0;

	json_array_foreach (links, i, link) {
		const char *id = json_string_value(json_object_get(link, "source"));
		if (!id)
			return ct_error_set(
				CT_EINVALID, "%s: link %zu names no source", what, i + 1);
		if ((error = ct__latest_record(&source, digest, &n, store, CT_KIND_SOURCE, id)) <
			0) {
			if (error == CT_ENOTFOUND && n == 0)
				error = ct_error_set(CT_ENOTFOUND,
					"%s: source %s does not exist (add it with 'claimtrail "
					"source add')",
					what, id);
			return error;
		}
		error = anchor_link(link, store, source, n, opts, what);
		json_decref(source);
		source = NULL;
		if (error < 0)
			return error;
		if (json_object_set_new(link, "source_revision", json_string(digest)) < 0)
			return ct__oom();
	}
	return 0;
}

typedef struct {
	const json_t *fields;
	const char *id;
	int retract;
	const ct_write_opts *opts;
	json_t *result;
} claim_job;

/* Builds a new claim record from the user's fields (the id given or derived). */
int ct__claim_from_fields(json_t **out, char *id_out, size_t id_size, ct_store *store,
	const json_t *fields, const ct_write_opts *opts, json_t *cache)
{
	const char *id = json_string_value(json_object_get(fields, "id"));
	const char *statement = json_string_value(json_object_get(fields, "statement"));
	json_t *record = NULL;
	json_int_t n;
	int error;

	*out = NULL;
	if ((error = ct__revision_check_fields(fields, "claim")) < 0)
		return error;
	if (!statement || !*statement)
		return ct_error_set(
			CT_EINVALID, "claim %s: the statement is empty", id ? id : "(new)");
	if (id) {
		if (strlen(id) >= id_size)
			return ct_id_validate(id, "claim");
		memcpy(id_out, id, strlen(id) + 1);
	} else if ((error = ct_id_from_text(id_out, id_size, statement)) < 0) {
		return error;
	}
	if ((error = ct_id_validate(id_out, "claim")) < 0 ||
		(error = ct__revision_count(&n, store, CT_KIND_CLAIM, id_out)) < 0)
		return error;
	if (n > 0)
		return ct_error_set(CT_EEXISTS,
			"claim %s already exists (use 'claim revise', or give another --id)",
			id_out);
	if (!(record = json_deep_copy(fields)))
		return ct__oom();
	json_object_set_new(record, "id", json_string(id_out));
	if ((error = attribute(record, store, id_out, opts, cache)) < 0 ||
		(error = link_sources(record, store, id_out, opts)) < 0) {
		json_decref(record);
		return error;
	}
	*out = record;
	return 0;
}

static int claim_add_build(ct_txn *txn, ct_store *store, void *payload)
{
	claim_job *job = payload;
	json_t *record = NULL;
	char id[CT_ID_MAX + 1];
	int error;

	if ((error = ct__claim_from_fields(
		     &record, id, sizeof(id), store, job->fields, job->opts, NULL)) < 0 ||
		(error = ct__txn_subject(txn, "claim add %s", id)) < 0 ||
		(error = ct__txn_body(
			 txn, json_string_value(json_object_get(record, "statement")))) < 0 ||
		(error = ct__revision_finish(
			 record, txn, store, CT_KIND_CLAIM, id, 1, NULL, job->opts)) < 0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	return error;
}

int ct_claim_add(
	json_t **out_record, ct_store *store, const json_t *fields, const ct_write_opts *opts)
{
	claim_job job = {fields, NULL, 0, opts, NULL};

	return ct__revision_write(
		out_record, store, opts, 0, "claim add", claim_add_build, &job, &job.result);
}

int ct__claim_revise_in(json_t **out, ct_txn *txn, ct_store *store, const char *id,
	const json_t *changes, int retract, int subject, const ct_write_opts *opts)
{
	json_t *prev = NULL, *record = NULL;
	ct_buf prevs = CT_BUF_INIT;
	char digest[CT_DIGEST_LEN + 1];
	const json_t *attr_change;
	json_int_t n;
	int error;

	*out = NULL;
	if ((error = ct__latest_record(&prev, digest, &n, store, CT_KIND_CLAIM, id)) < 0 ||
		(error = ct__revision_heads_merge(&prevs, &prev, digest, &n, store, CT_KIND_CLAIM,
			 id, retract == CT__REVISE_MERGE)) < 0)
		goto done;
	if (retract == CT__REVISE_MERGE)
		retract = 0;
	if (json_is_true(json_object_get(prev, "retracted"))) {
		error = ct_error_set(CT_EINVALID, "claim %s is retracted: it cannot be %s", id,
			retract ? "retracted again" : "revised");
		goto done;
	}
	if (!(record = json_deep_copy(prev))) {
		error = ct__oom();
		goto done;
	}
	if (retract) {
		json_object_set_new(record, "retracted", json_true());
	} else {
		if ((error = ct__revision_apply_changes(record, changes, "claim revise")) < 0)
			goto done;
		if (!json_string_value(json_object_get(record, "statement"))) {
			error = ct_error_set(
				CT_EINVALID, "claim %s: the statement cannot be removed", id);
			goto done;
		}
		attr_change = json_object_get(changes, "attribution");
		/* A new source or quote is checked again; otherwise the attribution stands. */
		if (attr_change && (error = attribute(record, store, id, opts, NULL)) < 0)
			goto done;
		if (json_object_get(changes, "sources") &&
			(error = link_sources(record, store, id, opts)) < 0)
			goto done;
		if (!prevs.len && ct__revision_same_content(prev, record)) {
			error = ct_error_set(
				CT_EINVALID, "claim %s: the revision changes nothing", id);
			goto done;
		}
	}
	if ((subject &&
		    (error = ct__txn_subject(txn, "claim %s %s (revision %lld)",
			     retract ? "retract" : "revise", id, (long long)(n + 1))) < 0) ||
		(error = ct__revision_finish(record, txn, store, CT_KIND_CLAIM, id, n + 1,
			 prevs.len ? prevs.ptr : digest, opts)) < 0)
		goto done;
	*out = record;
	record = NULL;
done:
	ct_buf_free(&prevs);
	json_decref(record);
	json_decref(prev);
	return error;
}

static int claim_revise_build(ct_txn *txn, ct_store *store, void *payload)
{
	claim_job *job = payload;
	json_t *record = NULL;
	int error;

	if ((error = ct__claim_revise_in(
		     &record, txn, store, job->id, job->fields, job->retract, 1, job->opts)) < 0)
		return error;
	json_decref(job->result);
	job->result = record;
	return 0;
}

int ct_claim_revise(json_t **out_record, ct_store *store, const char *id, const json_t *changes,
	const ct_write_opts *opts)
{
	claim_job job = {changes, id, 0, opts, NULL};

	if (!json_is_object(changes) || json_object_size(changes) == 0) {
		if (out_record)
			*out_record = NULL;
		return ct_error_set(CT_EINVALID, "claim revise %s: nothing to change", id);
	}
	return ct__revision_write(
		out_record, store, opts, 1, "claim revise", claim_revise_build, &job, &job.result);
}

int ct_claim_revise_merge(json_t **out_record, ct_store *store, const char *id,
	const json_t *changes, const ct_write_opts *opts)
{
	json_t *none = json_object();
	claim_job job = {changes ? changes : none, id, CT__REVISE_MERGE, opts, NULL};
	int error;

	if (!none)
		return ct__oom();
	error = ct__revision_write(out_record, store, opts, 1, "claim revise --merge",
		claim_revise_build, &job, &job.result);
	json_decref(none);
	return error;
}

int ct_claim_retract(
	json_t **out_record, ct_store *store, const char *id, const ct_write_opts *opts)
{
	claim_job job = {NULL, id, 1, opts, NULL};

	return ct__revision_write(
		out_record, store, opts, 1, "claim retract", claim_revise_build, &job, &job.result);
}

int ct_claim_link(json_t **out_record, ct_store *store, const char *id, const char *member,
	const char *other, const ct_write_opts *opts)
{
	json_t *rec = NULL, *target = NULL, *changes = NULL, *list;
	size_t i;
	json_t *v;
	int error;

	if (out_record)
		*out_record = NULL;
	if (!member || (strcmp(member, "depends_on") != 0 && strcmp(member, "same_quantity") != 0))
		return ct_error_set(CT_EINVALID,
			"claim link: the link is depends_on or same_quantity, not \"%s\"",
			member ? member : "");
	if (!other || strcmp(id, other) == 0)
		return ct_error_set(
			CT_EINVALID, "claim %s: a claim cannot be linked to itself", id);
	if ((error = ct_store_get(&rec, store, CT_KIND_CLAIM, id, 0)) < 0 ||
		(error = ct_store_get(&target, store, CT_KIND_CLAIM, other, 0)) < 0)
		goto done;
	json_array_foreach (json_object_get(rec, member), i, v)
		if (strcmp(json_string_value(v), other) == 0) {
			error = ct_error_set(CT_EEXISTS, "claim %s is linked to %s already (%s)",
				id, other, member);
			goto done;
		}
	list = json_object_get(rec, member) ? json_deep_copy(json_object_get(rec, member))
					    : json_array();
	if (!list || json_array_append_new(list, json_string(other)) < 0 ||
		!(changes = json_pack("{s:o}", member, list))) {
		error = ct__oom();
		goto done;
	}
	error = ct_claim_revise(out_record, store, id, changes, opts);
done:
	json_decref(changes);
	json_decref(target);
	json_decref(rec);
	return error;
}
