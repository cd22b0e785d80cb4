/*
 * Writing sources and claims: building each new revision from the user's fields, checking it
 * against the store (duplicate ids, cited sources, revision chains), signing it, and handing it
 * to a store transaction as one commit with trailers naming the record, revision and signer.
 */
#include "store_internal.h"
#include "anchor.h"
#include "parallel.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Members a caller may not set: the store fills them. */
static const char *const managed[] = {"type", "revision", "prev", "created", "signatures", "reason",
	NULL};

static int is_managed(const char *key)
{
	size_t i;

	for (i = 0; managed[i]; i++)
		if (strcmp(key, managed[i]) == 0)
			return 1;
	return 0;
}

/* Fills the managed members of a new revision and checks its schema (before signing). */
static int prepare_revision(json_t *record, ct_kind kind, const char *id, json_int_t revision,
	const char *prev, const ct_write_opts *opts)
{
	char created[CT_TIMESTAMP_LEN + 1];
	int error;

	/* jansson refuses invalid UTF-8 with the NULL it gives when out of memory: check first */
	if (opts->reason && (error = ct__utf8_check(opts->reason, strlen(opts->reason),
				     "the reason")) < 0)
		return error;
	ct_timestamp_now(created);
	if (json_object_set_new(record, "type", json_string(ct_kind_name(kind))) < 0 ||
		json_object_set_new(record, "id", json_string(id)) < 0 ||
		json_object_set_new(record, "revision", json_integer(revision)) < 0 ||
		json_object_set_new(record, "created", json_string(created)) < 0)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (prev)
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
static int finish_revision(json_t *record, ct_txn *txn, ct_store *store, ct_kind kind,
	const char *id, json_int_t revision, const char *prev, const ct_write_opts *opts)
{
	char digest[CT_DIGEST_LEN + 1];
	int error;

	if ((error = prepare_revision(record, kind, id, revision, prev, opts)) < 0 ||
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
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(opts->signer))) < 0)
		return error;
	return 0;
}

/* Applies changes to a copy of record: members set, null removes; the objects "attribution"
 * and "quantity" are merged member by member. */
static int apply_changes(json_t *record, const json_t *changes, const char *what)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)changes, key, value) {
		json_t *cur = json_object_get(record, key);
		if (is_managed(key) || strcmp(key, "id") == 0 || strcmp(key, "retracted") == 0 ||
			strcmp(key, "archive") == 0)
			return ct_error_set(CT_EINVALID, "%s: \"%s\" cannot be changed by a revision",
				what, key);
		if (json_is_null(value)) {
			json_object_del(record, key);
		} else if (json_is_object(value) && json_is_object(cur) &&
			   (strcmp(key, "attribution") == 0 || strcmp(key, "quantity") == 0)) {
			json_t *merged = json_deep_copy(cur);
			const char *k2;
			json_t *v2;
			if (!merged)
				return ct_error_set(CT_ENOMEM, "out of memory");
			json_object_foreach(value, k2, v2) {
				if (json_is_null(v2))
					json_object_del(merged, k2);
				else
					json_object_set(merged, k2, v2);
			}
			json_object_set_new(record, key, merged);
		} else {
			json_object_set(record, key, value);
		}
	}
	return 0;
}

/* Checks the members a caller gave for a new record. */
static int check_fields(const json_t *fields, const char *what)
{
	const char *key;
	json_t *value;

	if (!json_is_object(fields))
		return ct_error_set(CT_EINVALID, "%s: the fields must be a JSON object", what);
	json_object_foreach((json_t *)fields, key, value) {
		if (is_managed(key) || strcmp(key, "retracted") == 0)
			return ct_error_set(CT_EINVALID, "%s: \"%s\" is set by claimtrail, not given",
				what, key);
	}
	return 0;
}

/* ---- sources ---- */

typedef struct {
	const json_t *fields;   /* add: the fields; revise: the changes */
	const char *id;         /* revise: the source */
	const uint8_t *text;
	size_t text_len;
	const ct_write_opts *opts;
	json_t *result;
} source_job;

static int put_text(ct_txn *txn, ct_store *store, json_t *record, const char *id,
	json_int_t revision, const uint8_t *text, size_t len, int keep_text)
{
	char hex[65];
	int keep = keep_text >= 0 ? keep_text
				  : json_is_true(json_object_get(ct_store_config(store), "keep_source_text"));
	ct_buf path = CT_BUF_INIT;
	int error = 0;

	ct_sha256_hex(hex, text, len);
	json_object_set_new(record, "archive",
		json_pack("{s:s, s:I, s:s, s:b}", "sha256", hex, "length", (json_int_t)len,
			"media_type", "text/plain; charset=utf-8", "stored", keep));
	if (!keep)
		return 0;
	if ((error = ct__record_dir(&path, store, CT_KIND_SOURCE, id)) == 0 &&
		(error = ct_buf_printf(&path, "/r%04lld.txt", (long long)revision)) == 0)
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
	int error;

	if ((error = check_fields(job->fields, "source")) < 0)
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
		error = ct_error_set(CT_EEXISTS, "source %s already exists (use 'source revise')", id);
		goto done;
	}
	if (!(record = json_deep_copy(job->fields))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	json_object_del(record, "archive");
	if (job->text && (error = put_text(txn, store, record, id, 1, job->text, job->text_len,
			     job->opts->keep_text)) < 0)
		goto done;
	if ((error = ct__txn_subject(txn, "source add %s: %s", id,
		     json_string_value(json_object_get(record, "title")))) < 0 ||
		(error = finish_revision(record, txn, store, CT_KIND_SOURCE, id, 1, NULL, job->opts)) <
			0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	return error;
}

static int check_opts(const ct_write_opts *opts, int reason_required, const char *what)
{
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "%s needs a signing key", what);
	if (reason_required && (!opts->reason || !*opts->reason))
		return ct_error_set(CT_EINVALID, "%s needs a reason (--reason)", what);
	return ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts");
}

/* Checks the options, runs build as one store write, and hands the record it made (in
 * *result, which the job owns until then) to the caller. */
static int run_write(json_t **out_record, ct_store *store, const ct_write_opts *opts,
	int reason_required, const char *what, ct_txn_build_fn build, void *job, json_t **result)
{
	int error;

	if (out_record)
		*out_record = NULL;
	if ((error = check_opts(opts, reason_required, what)) < 0 ||
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

int ct_source_add(json_t **out_record, ct_store *store, const json_t *fields, const uint8_t *text,
	size_t text_len, const ct_write_opts *opts)
{
	source_job job = {fields, NULL, text, text_len, opts, NULL};

	return run_write(out_record, store, opts, 0, "source add", source_add_build, &job,
		&job.result);
}

/* Whether two revisions say the same thing (ignoring what every revision changes). */
static int same_content(const json_t *a, const json_t *b)
{
	static const char *const skip[] = {"revision", "prev", "created", "reason", "signatures",
		NULL};
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

static int source_revise_build(ct_txn *txn, ct_store *store, void *payload)
{
	source_job *job = payload;
	json_t *prev = NULL, *record = NULL;
	char digest[CT_DIGEST_LEN + 1];
	json_int_t n;
	int error;

	if ((error = ct__latest_record(&prev, digest, &n, store, CT_KIND_SOURCE, job->id)) < 0)
		goto done;
	if (!(record = json_deep_copy(prev))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (job->fields && (error = apply_changes(record, job->fields, "source revise")) < 0)
		goto done;
	if (job->text &&
		(error = put_text(txn, store, record, job->id, n + 1, job->text, job->text_len,
			     job->opts->keep_text)) < 0)
		goto done;
	if (same_content(prev, record)) {
		error = ct_error_set(CT_EINVALID, "source %s: the revision changes nothing", job->id);
		goto done;
	}
	if ((error = ct__txn_subject(txn, "source revise %s (revision %lld)", job->id,
		     (long long)(n + 1))) < 0 ||
		(error = finish_revision(record, txn, store, CT_KIND_SOURCE, job->id, n + 1, digest,
			 job->opts)) < 0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	json_decref(prev);
	return error;
}

int ct_source_revise(json_t **out_record, ct_store *store, const char *id, const json_t *changes,
	const uint8_t *text, size_t text_len, const ct_write_opts *opts)
{
	source_job job = {changes, id, text, text_len, opts, NULL};

	return run_write(out_record, store, opts, 1, "source revise", source_revise_build, &job,
		&job.result);
}

/* ---- claims ---- */

/*
 * Checks a claim's attribution against the store: the source exists; its current revision is
 * recorded by digest; a quote is anchored in the source's stored text when there is one.
 */
static int attribute(json_t *record, ct_store *store, const char *what, const ct_write_opts *opts,
	json_t *cache)
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
		return ct_error_set(CT_EINVALID, "%s: the source it is attributed to is required",
			what);
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
			error = ct_anchor_quote_near(attribution, text.ptr, text.len, hint);
			if (error < 0)
				ct_error_prefix(error, "%s", what);
		}
	}
	json_decref(hint);
	ct_buf_free(&text);
	json_decref(source);
	return error;
}

typedef struct {
	const json_t *fields;
	const char *id;
	int retract;
	const ct_write_opts *opts;
	json_t *result;
} claim_job;

/* Builds a new claim record from the user's fields (the id given or derived). */
static int claim_from_fields(json_t **out, char *id_out, size_t id_size, ct_store *store,
	const json_t *fields, const ct_write_opts *opts, json_t *cache)
{
	const char *id = json_string_value(json_object_get(fields, "id"));
	const char *statement = json_string_value(json_object_get(fields, "statement"));
	json_t *record = NULL;
	json_int_t n;
	int error;

	*out = NULL;
	if ((error = check_fields(fields, "claim")) < 0)
		return error;
	if (!statement || !*statement)
		return ct_error_set(CT_EINVALID, "claim %s: the statement is empty",
			id ? id : "(new)");
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
			"claim %s already exists (use 'claim revise', or give another --id)", id_out);
	if (!(record = json_deep_copy(fields)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	json_object_set_new(record, "id", json_string(id_out));
	if ((error = attribute(record, store, id_out, opts, cache)) < 0) {
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

	if ((error = claim_from_fields(&record, id, sizeof(id), store, job->fields, job->opts,
		     NULL)) < 0 ||
		(error = ct__txn_subject(txn, "claim add %s", id)) < 0 ||
		(error = ct__txn_body(txn, json_string_value(json_object_get(record, "statement")))) <
			0 ||
		(error = finish_revision(record, txn, store, CT_KIND_CLAIM, id, 1, NULL, job->opts)) <
			0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	return error;
}

int ct_claim_add(json_t **out_record, ct_store *store, const json_t *fields,
	const ct_write_opts *opts)
{
	claim_job job = {fields, NULL, 0, opts, NULL};

	return run_write(out_record, store, opts, 0, "claim add", claim_add_build, &job,
		&job.result);
}

static int claim_revise_build(ct_txn *txn, ct_store *store, void *payload)
{
	claim_job *job = payload;
	json_t *prev = NULL, *record = NULL;
	char digest[CT_DIGEST_LEN + 1];
	const json_t *attr_change;
	json_int_t n;
	int error;

	if ((error = ct__latest_record(&prev, digest, &n, store, CT_KIND_CLAIM, job->id)) < 0)
		goto done;
	if (json_is_true(json_object_get(prev, "retracted"))) {
		error = ct_error_set(CT_EINVALID, "claim %s is retracted: it cannot be %s", job->id,
			job->retract ? "retracted again" : "revised");
		goto done;
	}
	if (!(record = json_deep_copy(prev))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (job->retract) {
		json_object_set_new(record, "retracted", json_true());
	} else {
		if ((error = apply_changes(record, job->fields, "claim revise")) < 0)
			goto done;
		if (!json_string_value(json_object_get(record, "statement"))) {
			error = ct_error_set(CT_EINVALID, "claim %s: the statement cannot be removed",
				job->id);
			goto done;
		}
		attr_change = json_object_get(job->fields, "attribution");
		/* A new source or quote is checked again; otherwise the attribution stands. */
		if (attr_change && (error = attribute(record, store, job->id, job->opts, NULL)) < 0)
			goto done;
		if (same_content(prev, record)) {
			error = ct_error_set(CT_EINVALID, "claim %s: the revision changes nothing",
				job->id);
			goto done;
		}
	}
	if ((error = ct__txn_subject(txn, "claim %s %s (revision %lld)",
		     job->retract ? "retract" : "revise", job->id, (long long)(n + 1))) < 0 ||
		(error = finish_revision(record, txn, store, CT_KIND_CLAIM, job->id, n + 1, digest,
			 job->opts)) < 0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	json_decref(record);
	json_decref(prev);
	return error;
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
	return run_write(out_record, store, opts, 1, "claim revise", claim_revise_build, &job,
		&job.result);
}

int ct_claim_retract(json_t **out_record, ct_store *store, const char *id,
	const ct_write_opts *opts)
{
	claim_job job = {NULL, id, 1, opts, NULL};

	return run_write(out_record, store, opts, 1, "claim retract", claim_revise_build, &job,
		&job.result);
}

/* ---- bulk import ---- */

/* The input's non-blank lines, kept as read (a retry after a lost race parses them again):
 * what an import holds of its input is the input itself, as before it was streamed. */
typedef struct {
	ct_buf text;      /* the lines, each without its line end */
	size_t *offsets;  /* where each starts in text */
	size_t *lens;     /* its length */
	size_t *linenos;  /* its line number */
	size_t n, cap;
} import_lines;

typedef struct {
	const import_lines *lines;
	const ct_write_opts *opts; /* for the records: no reason */
	const char *reason;        /* for the commit */
	size_t count;
} import_job;

static void import_lines_free(import_lines *l)
{
	ct_buf_free(&l->text);
	free(l->offsets);
	free(l->lens);
	free(l->linenos);
	memset(l, 0, sizeof(*l));
}

/*
 * One line of the input, without its LF: skipped when blank, else kept. A line longer than a
 * stored record may be could only make a record that every reader refuses.
 */
static int import_line(import_lines *l, const char *line, size_t len, size_t lineno)
{
	size_t i;
	int error;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CT_RECORD_MAX)
		return ct_error_set(CT_EINVALID, "line %zu: longer than %d bytes, the record limit",
			lineno, CT_RECORD_MAX);
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		size_t *o = realloc(l->offsets, ncap * sizeof(*o));
		size_t *n = o ? realloc(l->lens, ncap * sizeof(*n)) : NULL;
		size_t *k = n ? realloc(l->linenos, ncap * sizeof(*k)) : NULL;
		if (o)
			l->offsets = o;
		if (n)
			l->lens = n;
		if (!k)
			return ct_error_set(CT_ENOMEM, "out of memory");
		l->linenos = k;
		l->cap = ncap;
	}
	l->offsets[l->n] = l->text.len;
	if ((error = ct_buf_put(&l->text, line, len)) < 0)
		return error;
	l->lens[l->n] = len;
	l->linenos[l->n++] = lineno;
	return 0;
}

static int import_lines_from_data(import_lines *l, const uint8_t *data, size_t len)
{
	const char *line = (const char *)data, *end = line + len;
	size_t lineno = 0;
	int error;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		if ((error = import_line(l, line, n, ++lineno)) < 0)
			return error;
		line = nl ? nl + 1 : end;
	}
	return 0;
}

/*
 * Reads f a chunk at a time: what is held is the current line (at most the record limit and a
 * CR) and the lines parsed so far, so an endless line (/dev/zero) is refused after a megabyte.
 */
static int import_lines_from_file(import_lines *l, FILE *f, const char *name)
{
	ct_buf line = CT_BUF_INIT;
	char *chunk = malloc(65536);
	size_t lineno = 0, n;
	int error = 0;

	if (!chunk)
		return ct_error_set(CT_ENOMEM, "out of memory");
	while ((n = fread(chunk, 1, 65536, f)) > 0) {
		const char *p = chunk, *end = chunk + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (line.len + k > (size_t)CT_RECORD_MAX + 1) {
				error = ct_error_set(CT_EINVALID,
					"line %zu: longer than %d bytes, the record limit", lineno + 1,
					CT_RECORD_MAX);
				goto done;
			}
			if ((error = ct_buf_put(&line, p, k)) < 0)
				goto done;
			p += k;
			if (nl) {
				p++;
				if ((error = import_line(l, line.ptr, line.len, ++lineno)) < 0)
					goto done;
				ct_buf_clear(&line);
			}
		}
	}
	if (ferror(f)) {
		error = ct_error_set(CT_EIO, "%s: read failed", name);
		goto done;
	}
	if (line.len > 0)
		error = import_line(l, line.ptr, line.len, ++lineno);
done:
	free(chunk);
	ct_buf_free(&line);
	return error;
}

/* Signing (and checking each new signature) is most of an import's work: it is spread over
 * the processor's cores, each thread taking every nth record. */
typedef struct {
	json_t **records;
	ct_store *store;
	char **paths;       /* out: where each record goes */
	ct_buf *files;      /* out: each record in stored form */
	git_oid *oids;      /* out: its blob id */
	size_t count, first, step;
	const ct_key *key;
	size_t failed;      /* index + 1 of the first record that failed, 0 when none */
	int error;
	char message[256];
} sign_share;

static void *sign_some(void *arg)
{
	sign_share *sh = arg;
	size_t i;

	for (i = sh->first; i < sh->count; i += sh->step) {
		ct_buf path = CT_BUF_INIT;
		/* sign, then lay out the file and hash its blob: all independent of the store */
		int error = ct_record_sign(sh->records[i], sh->key);
		if (error == 0 &&
			(error = ct_store_record_path(&path, sh->store, CT_KIND_CLAIM,
				 ct_record_id(sh->records[i]), 1)) == 0 &&
			(error = ct__record_serialize(&sh->files[i], sh->records[i])) == 0 &&
			git_odb_hash(&sh->oids[i], sh->files[i].ptr, sh->files[i].len, GIT_OBJECT_BLOB) < 0)
			error = ct_error_set(CT_EIO, "cannot hash a record");
		sh->paths[i] = ct_buf_detach(&path);
		/* done with it: a large import's parsed records are most of its memory */
		json_decref(sh->records[i]);
		sh->records[i] = NULL;
		if (error < 0) {
			sh->failed = i + 1;
			sh->error = error;
			snprintf(sh->message, sizeof(sh->message), "%s", ct_error_last());
			break;
		}
	}
	return NULL;
}

static int sign_all(json_t **records, size_t count, const ct_key *key, size_t *failed,
	ct_store *store, char **paths, ct_buf *files, git_oid *oids)
{
	sign_share sh[8];
	size_t n = ct__parallel_threads(0, 8), i;
	int error = 0;

	if (count < 64)
		n = 1;
	for (i = 0; i < n; i++) {
		sh[i].records = records;
		sh[i].store = store;
		sh[i].paths = paths;
		sh[i].files = files;
		sh[i].oids = oids;
		sh[i].count = count;
		sh[i].first = i;
		sh[i].step = n;
		sh[i].key = key;
		sh[i].failed = 0;
		sh[i].error = 0;
		sh[i].message[0] = '\0';
	}
	ct__parallel(sh, sizeof(sh[0]), n, sign_some);
	*failed = 0;
	for (i = 0; i < n; i++) {
		if (sh[i].failed && (!*failed || sh[i].failed < *failed)) {
			*failed = sh[i].failed;
			error = ct_error_set(sh[i].error, "%s", sh[i].message);
		}
	}
	return error;
}

static int import_build(ct_txn *txn, ct_store *store, void *payload)
{
	import_job *job = payload;
	json_t *seen = json_object();
	json_t *sources = json_object(); /* source id -> its latest revision and digest */
	json_t **records = NULL;
	char **paths = NULL;
	ct_buf *files = NULL;
	git_oid *oids = NULL;
	const size_t *linenos = job->lines->linenos;
	size_t n = 0, i, failed;
	int error = 0;

	job->count = 0;
	if (!seen || !sources) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ct__txn_bulk(txn)) < 0)
		goto done;
	if (job->lines->n && !(records = calloc(job->lines->n, sizeof(*records)))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	/* 1. check every line, as a record ready to sign */
	for (; n < job->lines->n; n++) {
		json_t *fields = NULL, *record = NULL;
		const char *line = job->lines->text.ptr + job->lines->offsets[n];
		size_t lineno = linenos[n];
		char id[CT_ID_MAX + 1];

		if ((error = ct_json_parse(&fields, (const uint8_t *)line, job->lines->lens[n],
			     CT_JSON_RECORD)) < 0 ||
			(error = claim_from_fields(&record, id, sizeof(id), store, fields, job->opts,
				 sources)) < 0 ||
			(error = prepare_revision(record, CT_KIND_CLAIM, id, 1, NULL, job->opts)) < 0) {
			json_decref(fields);
			json_decref(record);
			error = ct_error_prefix(error, "line %zu", lineno);
			goto done;
		}
		json_decref(fields);
		if (json_object_get(seen, id)) {
			json_decref(record);
			error = ct_error_set(CT_EEXISTS, "line %zu: claim %s appears twice", lineno, id);
			goto done;
		}
		json_object_set_new(seen, id, json_true());
		records[n] = record;
	}
	if (n == 0) {
		error = ct_error_set(CT_EINVALID, "nothing to import: no claims in the input");
		goto done;
	}
	/* 2. sign them all and lay out their files, on every core */
	if (!(paths = calloc(n, sizeof(*paths))) || !(files = calloc(n, sizeof(*files))) ||
		!(oids = calloc(n, sizeof(*oids)))) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = sign_all(records, n, job->opts->signer, &failed, store, paths, files, oids)) <
		0) {
		error = ct_error_prefix(error, "line %zu", linenos[failed - 1]);
		goto done;
	}
	/* 3. put them into the commit, in input order */
	for (i = 0; i < n; i++) {
		size_t len = files[i].len;
		if ((error = ct__txn_put_hashed(txn, paths[i], ct_buf_detach(&files[i]), len,
			     &oids[i])) < 0) {
			error = ct_error_prefix(error, "line %zu", linenos[i]);
			goto done;
		}
	}
	if ((error = ct__txn_put_signer_key(txn, store, job->opts->signer)) < 0)
		goto done;
	job->count = n;
	/* One trailer for the lot, not one per claim. */
	ct__txn_reset_message(txn);
	if ((error = ct__txn_subject(txn, "import %zu claim%s", job->count,
		     job->count == 1 ? "" : "s")) < 0 ||
		(job->reason && *job->reason && (error = ct__txn_body(txn, job->reason)) < 0) ||
		(error = ct__txn_trailer(txn, "Claimtrail-Import", "%zu claim%s", job->count,
			 job->count == 1 ? "" : "s")) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(job->opts->signer))) <
			0)
		goto done;
done:
	for (i = 0; i < n; i++) {
		json_decref(records[i]);
		if (paths)
			free(paths[i]);
		if (files)
			ct_buf_free(&files[i]);
	}
	free(paths);
	free(files);
	free(oids);
	free(records);
	json_decref(sources);
	json_decref(seen);
	return error;
}

static int import_run(size_t *count, ct_store *store, const import_lines *lines,
	const ct_write_opts *opts)
{
	ct_write_opts quiet = *opts;
	import_job job = {lines, &quiet, opts->reason, 0};
	int error;

	quiet.reason = NULL; /* the import's reason goes into the commit, not each claim */
	if ((error = ct__store_write(store, opts->signer, opts->max_retries, import_build, &job)) < 0)
		return error;
	*count = job.count;
	return 0;
}

int ct_store_import(size_t *count, ct_store *store, const uint8_t *data, size_t len,
	const ct_write_opts *opts)
{
	import_lines lines = {CT_BUF_INIT, NULL, NULL, NULL, 0, 0};
	int error;

	*count = 0;
	if ((error = check_opts(opts, 0, "import")) < 0 ||
		(error = import_lines_from_data(&lines, data, len)) < 0)
		goto done;
	error = import_run(count, store, &lines, opts);
done:
	import_lines_free(&lines);
	return error;
}

int ct_store_import_file(size_t *count, ct_store *store, const char *path,
	const ct_write_opts *opts)
{
	import_lines lines = {CT_BUF_INIT, NULL, NULL, NULL, 0, 0};
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = NULL;
	int error;

	*count = 0;
	if ((error = check_opts(opts, 0, "import")) < 0)
		goto done;
	if (!(f = is_stdin ? stdin : fopen(path, "rb"))) {
		error = ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path,
			strerror(errno));
		goto done;
	}
	if ((error = import_lines_from_file(&lines, f, is_stdin ? "standard input" : path)) < 0)
		goto done;
	error = import_run(count, store, &lines, opts);
done:
	if (f && !is_stdin)
		fclose(f);
	import_lines_free(&lines);
	return error;
}
