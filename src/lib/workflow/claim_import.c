/*
 * Bulk import of claims (claimtrail import): one claim per line of JSON, or per row of a
 * spreadsheet (claim_csv.c makes each row the fields a JSON line would give), each built as
 * claim.c builds one, signed on several threads, and all written as a single commit.
 */
#include "claim.h"
#include "claim_csv.h"
#include "keyring.h"
#include "parallel.h"
#include "record_internal.h"
#include "revision.h"
#include "store_internal.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The input's non-blank lines, kept as read (a retry after a lost race parses them again):
 * what an import holds of its input is the input itself, as before it was streamed. */
typedef struct {
	ct_buf text;	 /* the lines, each without its line end */
	size_t *offsets; /* where each starts in text */
	size_t *lens;	 /* its length */
	size_t *linenos; /* its line number (a spreadsheet's: its row number) */
	size_t n, cap;
	const char *unit; /* what messages call a line: "line" or "row" */
} import_lines;

typedef struct {
	const import_lines *lines;
	const ct_write_opts *opts; /* for the records: no reason */
	const char *reason;	   /* for the commit */
	size_t count;
	json_t *made; /* the ids made (a dry run: the records, unsigned) */
	int dry_run;
	ct__sigmemo
		*memo; /* the signatures made (and checked: ct_record_sign), for the summaries */
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
		return ct_error_set(CT_EINVALID, "%s %zu: longer than %d bytes, the record limit",
			l->unit, lineno, CT_RECORD_MAX);
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
			return ct__oom();
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
		return ct__oom();
	while ((n = fread(chunk, 1, 65536, f)) > 0) {
		const char *p = chunk, *end = chunk + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (line.len + k > (size_t)CT_RECORD_MAX + 1) {
				error = ct_error_set(CT_EINVALID,
					"line %zu: longer than %d bytes, the record limit",
					lineno + 1, CT_RECORD_MAX);
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
	char **paths;  /* out: where each record goes */
	ct_buf *files; /* out: each record in stored form */
	git_oid *oids; /* out: its blob id */
	size_t count, first, step;
	const ct_key *key;
	ct__sigmemo *memo; /* slot i: record i's signature */
	size_t failed;	   /* index + 1 of the first record that failed, 0 when none */
	int error;
	char message[256];
} sign_share;

/* Notes record's signature by key (just made and checked by ct_record_sign) in memo slot i. */
static int memo_note(ct__sigmemo *memo, size_t i, const json_t *record, const ct_key *key)
{
	const json_t *e;
	ct_buf pae = CT_BUF_INIT;
	uint8_t sig[64];
	size_t k;
	int error;

	if ((error = ct__record_signing_input(&pae, record)) < 0)
		return error;
	json_array_foreach (json_object_get(record, "signatures"), k, e)
		if (json_string_value(json_object_get(e, "key_id")) &&
			strcmp(json_string_value(json_object_get(e, "key_id")), ct_key_id(key)) ==
				0 &&
			ct__decode_exact(sig, sizeof(sig),
				json_string_value(json_object_get(e, "sig"))) == 0)
			ct__sigmemo_set(memo, i, ct_key_public_bytes(key), sig,
				(const uint8_t *)pae.ptr, pae.len);
	ct_buf_free(&pae);
	return 0;
}

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
			git_odb_hash(&sh->oids[i], sh->files[i].ptr, sh->files[i].len,
				GIT_OBJECT_BLOB) < 0)
			error = ct_error_set(CT_EIO, "cannot hash a record");
		sh->paths[i] = ct_buf_detach(&path);
		if (error == 0)
			error = memo_note(sh->memo, i, sh->records[i], sh->key);
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
	ct_store *store, char **paths, ct_buf *files, git_oid *oids, ct__sigmemo *memo)
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
		sh[i].memo = memo;
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

/* Tells opts' progress function (if any) how far a stage has come. */
static void progress(const ct_write_opts *opts, const char *stage, size_t done, size_t total)
{
	ct_progress pr = {stage, done, total};

	if (opts->progress)
		opts->progress(&pr, opts->progress_payload);
}

/*
 * Checks every line, as a record ready to sign, into records (job->lines->n of them); *count
 * receives how many were made (all of them, or the ones before the bad line). The ids go into
 * job->made, or with job->dry_run copies of the records.
 */
static int import_check(json_t **records, size_t *count, ct_store *store, import_job *job)
{
	json_t *seen = json_object();
	json_t *sources = json_object(); /* source id -> its latest revision and digest */
	const size_t *linenos = job->lines->linenos;
	const char *unit = job->lines->unit;
	size_t n = 0;
	int error = 0;

	json_array_clear(job->made);
	if (!seen || !sources) {
		error = ct__oom();
		goto done;
	}
	for (; n < job->lines->n; n++) {
		json_t *fields = NULL, *record = NULL;
		const char *line = job->lines->text.ptr + job->lines->offsets[n];
		size_t lineno = linenos[n];
		char id[CT_ID_MAX + 1];

		if ((error = ct_json_parse(&fields, (const uint8_t *)line, job->lines->lens[n],
			     CT_JSON_RECORD)) < 0 ||
			(error = ct__claim_from_fields(
				 &record, id, sizeof(id), store, fields, job->opts, sources)) < 0 ||
			(error = ct__revision_prepare(
				 record, CT_KIND_CLAIM, id, 1, NULL, job->opts)) < 0) {
			json_decref(fields);
			json_decref(record);
			error = ct_error_prefix(error, "%s %zu", unit, lineno);
			goto done;
		}
		json_decref(fields);
		if (json_object_get(seen, id)) {
			json_decref(record);
			error = ct_error_set(
				CT_EEXISTS, "%s %zu: claim %s appears twice", unit, lineno, id);
			goto done;
		}
		json_object_set_new(seen, id, json_true());
		records[n] = record;
		if (json_array_append_new(job->made,
			    job->dry_run ? json_deep_copy(record) : json_string(id)) < 0) {
			n++;
			error = ct__oom();
			goto done;
		}
		progress(job->opts, "checking", n + 1, job->lines->n);
	}
	if (n == 0)
		error = ct_error_set(CT_EINVALID, "nothing to import: no claims in the input");
done:
	*count = n;
	json_decref(sources);
	json_decref(seen);
	return error;
}

static int import_build(ct_txn *txn, ct_store *store, void *payload)
{
	import_job *job = payload;
	json_t **records = NULL;
	char **paths = NULL;
	ct_buf *files = NULL;
	git_oid *oids = NULL;
	const size_t *linenos = job->lines->linenos;
	const char *unit = job->lines->unit;
	size_t n = 0, i, failed;
	int error = 0;

	job->count = 0;
	if ((error = ct__txn_bulk(txn)) < 0)
		goto done;
	if (job->lines->n && !(records = calloc(job->lines->n, sizeof(*records)))) {
		error = ct__oom();
		goto done;
	}
	/* 1. check every line, as a record ready to sign */
	if ((error = import_check(records, &n, store, job)) < 0)
		goto done;
	/* 2. sign them all and lay out their files, on every core */
	if (!(paths = calloc(n, sizeof(*paths))) || !(files = calloc(n, sizeof(*files))) ||
		!(oids = calloc(n, sizeof(*oids)))) {
		error = ct__oom();
		goto done;
	}
	ct__sigmemo_free(job->memo);
	job->memo = NULL;
	if ((error = ct__sigmemo_new(&job->memo, n)) < 0)
		goto done;
	if ((error = sign_all(records, n, job->opts->signer, &failed, store, paths, files, oids,
		     job->memo)) < 0) {
		error = ct_error_prefix(error, "%s %zu", unit, linenos[failed - 1]);
		goto done;
	}
	progress(job->opts, "signing", n, n);
	/* 3. put them into the commit, in input order */
	for (i = 0; i < n; i++) {
		size_t len = files[i].len;
		if ((error = ct__txn_put_hashed(
			     txn, paths[i], ct_buf_detach(&files[i]), len, &oids[i])) < 0) {
			error = ct_error_prefix(error, "%s %zu", unit, linenos[i]);
			goto done;
		}
		progress(job->opts, "writing", i + 1, n);
	}
	if ((error = ct__txn_put_signer_key(txn, store, job->opts->signer)) < 0)
		goto done;
	job->count = n;
	/* One trailer for the lot, not one per claim. */
	ct__txn_reset_message(txn);
	if ((error = ct__txn_subject(
		     txn, "import %zu claim%s", job->count, job->count == 1 ? "" : "s")) < 0 ||
		(job->reason && *job->reason && (error = ct__txn_body(txn, job->reason)) < 0) ||
		(error = ct__txn_trailer(txn, "Claimtrail-Import", "%zu claim%s", job->count,
			 job->count == 1 ? "" : "s")) < 0 ||
		(error = ct__txn_trailer(
			 txn, "Claimtrail-Signer", "%s", ct_key_id(job->opts->signer))) < 0)
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
	return error;
}

static int import_run(json_t **made, size_t *count, ct_store *store, const import_lines *lines,
	const ct_write_opts *opts, int dry_run)
{
	ct_write_opts quiet = *opts;
	import_job job = {lines, &quiet, opts->reason, 0, json_array(), dry_run, NULL};
	json_t **records = NULL;
	size_t n = 0, i;
	int error;

	quiet.reason = NULL; /* the import's reason goes into the commit, not each claim */
	if (!job.made) {
		error = ct__oom();
		goto done;
	}
	if (dry_run) {
		/* the checks of the import's first step, outside any write */
		if (lines->n && !(records = calloc(lines->n, sizeof(*records)))) {
			error = ct__oom();
			goto done;
		}
		if ((error = import_check(records, &n, store, &job)) < 0)
			goto done;
		job.count = n;
	} else if ((error = ct__store_write(
			    store, opts->signer, opts->max_retries, import_build, &job)) < 0) {
		goto done;
	} else {
		/* the first list need not verify again what was just signed (and checked) */
		ct__sigmemo_seal(job.memo);
		if (ct__summaries_prime(store, job.memo) < 0)
			ct_error_clear(); /* the cache is only speed: list derives what is missing */
	}
	*count = job.count;
	if (made) {
		*made = job.made;
		job.made = NULL;
	}
done:
	for (i = 0; i < n; i++)
		json_decref(records[i]);
	free(records);
	json_decref(job.made);
	ct__sigmemo_free(job.memo);
	return error;
}

int ct_store_import(
	size_t *count, ct_store *store, const uint8_t *data, size_t len, const ct_write_opts *opts)
{
	import_lines lines = {CT_BUF_INIT, NULL, NULL, NULL, 0, 0, "line"};
	int error;

	*count = 0;
	if ((error = ct__revision_check_opts(opts, 0, "import")) < 0 ||
		(error = import_lines_from_data(&lines, data, len)) < 0)
		goto done;
	error = import_run(NULL, count, store, &lines, opts, 0);
done:
	import_lines_free(&lines);
	return error;
}

/* Each row of a spreadsheet after the header, as a JSON line: the import reads it back as it
 * reads the lines of a JSON-lines file, so both take one road from there. */
typedef struct {
	import_lines *lines;
	ct__claim_columns cols;
	int have_header;
} csv_state;

static int csv_row(const ct__csv_row *row, void *payload)
{
	csv_state *st = payload;
	json_t *fields = NULL;
	char *text = NULL;
	int error;

	if (!st->have_header) {
		st->have_header = 1;
		return ct__claim_csv_header(&st->cols, row);
	}
	if ((error = ct__claim_csv_row(&fields, &st->cols, row)) < 0 || !fields)
		return error;
	if (!(text = json_dumps(fields, JSON_COMPACT)))
		error = ct__oom();
	else
		error = import_line(st->lines, text, strlen(text), row->row);
	free(text);
	json_decref(fields);
	return error;
}

/* Reads f (a spreadsheet) a chunk at a time: the reader holds one row, refused past the
 * record limit. */
static int import_lines_from_csv(import_lines *l, FILE *f, const char *name)
{
	csv_state st;
	ct__csv reader;
	char *chunk = malloc(65536);
	size_t n;
	int error = 0;

	memset(&st, 0, sizeof(st));
	st.lines = l;
	ct__csv_init(&reader, CT_RECORD_MAX, csv_row, &st);
	if (!chunk)
		return ct__oom();
	while ((n = fread(chunk, 1, 65536, f)) > 0)
		if ((error = ct__csv_feed(&reader, chunk, n)) < 0)
			goto done;
	if (ferror(f)) {
		error = ct_error_set(CT_EIO, "%s: read failed", name);
		goto done;
	}
	if ((error = ct__csv_finish(&reader)) < 0)
		goto done;
	if (!st.have_header)
		error = ct_error_set(CT_EINVALID, "no header row: the sheet is empty");
done:
	ct__csv_free(&reader);
	free(chunk);
	return error;
}

int ct_store_import_file(
	size_t *count, ct_store *store, const char *path, const ct_write_opts *opts)
{
	ct_import_opts io = CT_IMPORT_OPTS_INIT;

	return ct_store_import_ext(NULL, count, store, path, &io, opts);
}

int ct_store_import_ext(json_t **made, size_t *count, ct_store *store, const char *path,
	const ct_import_opts *iopts, const ct_write_opts *opts)
{
	import_lines lines = {CT_BUF_INIT, NULL, NULL, NULL, 0, 0, "line"};
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	FILE *f = NULL;
	int error;

	*count = 0;
	if (made)
		*made = NULL;
	/* a dry run signs nothing: it needs no key */
	if ((error = ct__opts_version(iopts->version, CT_IMPORT_OPTS_VERSION, "ct_import_opts")) <
			0 ||
		(error = iopts->dry_run ? ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION,
						  "ct_write_opts")
					: ct__revision_check_opts(opts, 0, "import")) < 0)
		goto done;
	if (iopts->format != CT_IMPORT_JSONL && iopts->format != CT_IMPORT_CSV) {
		error = ct_error_set(CT_EINVALID, "import: format %d is neither JSON lines nor CSV",
			(int)iopts->format);
		goto done;
	}
	if (!(f = is_stdin ? stdin : fopen(path, "rb"))) {
		error = ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (iopts->format == CT_IMPORT_CSV) {
		lines.unit = "row";
		error = import_lines_from_csv(&lines, f, name);
	} else {
		error = import_lines_from_file(&lines, f, name);
	}
	if (error < 0 || (error = import_run(made, count, store, &lines, opts, iopts->dry_run)) < 0)
		goto done;
done:
	if (f && !is_stdin)
		fclose(f);
	import_lines_free(&lines);
	return error;
}
