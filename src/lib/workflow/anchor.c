/*
 * Re-checking quote anchors when a source is re-retrieved with changed text: whether each
 * selector of a claim still holds in the source's stored text, and relocating the ones that
 * moved (docs/workflow.md). Finding a quote in a text is anchor_text.c.
 */
#include "anchor_text.h"
#include "claim.h"
#include "revision.h"
#include "error.h"
#include "utf8.h"
#include "claimtrail/common.h"
#include "claimtrail/record.h"
#include "claimtrail/store.h"
#include "claimtrail/workflow.h"

#include <stdlib.h>
#include <string.h>

const char *ct_anchor_state_name(ct_anchor_state state)
{
	static const char *const names[] = {
		"ok", "moved", "orphaned", "broken", "no-text", "no-quote"};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

void ct_anchor_report_free(ct_anchor_report *report)
{
	if (!report)
		return;
	free(report->new_exact);
	report->new_exact = NULL;
}

/* The text of a source revision: kept in the store, or else the caller's copy when its
 * sha256 is the one that revision records. */
static int revision_text(ct_buf *out, ct_store *store, const char *source, const json_t *revs,
	json_int_t revision, const uint8_t *copy, size_t copy_len)
{
	const char *want;
	char hex[65];
	int error = ct_store_source_text(out, store, source, revision);

	if (error != CT_ENOTFOUND || !copy || revision < 1)
		return error;
	want = json_string_value(json_object_get(
		json_object_get(ct__revision_numbered(revs, revision), "archive"), "sha256"));
	ct_sha256_hex(hex, copy, copy_len);
	if (!want || strcmp(want, hex) != 0)
		return error; /* not that revision's text: as if there were none */
	ct_error_clear();
	return ct_buf_put(out, copy, copy_len);
}

int ct_anchor_check(ct_anchor_report *out, ct_store *store, const json_t *claim)
{
	return ct_anchor_check_text(out, store, claim, NULL, 0);
}

int ct_anchor_check_text(ct_anchor_report *out, ct_store *store, const json_t *claim,
	const uint8_t *copy, size_t copy_len)
{
	const json_t *attr = json_object_get(claim, "attribution");
	const json_t *sel = json_object_get(attr, "selector");
	const char *quote = json_string_value(json_object_get(attr, "quote"));
	const char *source = json_string_value(json_object_get(attr, "source"));
	const char *cited = json_string_value(json_object_get(attr, "source_revision"));
	ct_buf text = CT_BUF_INIT, old = CT_BUF_INIT;
	json_t *revs = NULL;
	size_t at = 0, end = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	out->state = CT_ANCHOR_NO_QUOTE;
	out->start = out->end = out->new_start = out->new_end = -1;
	if (!quote || !source)
		return 0;
	if ((error = ct_store_revisions(&revs, store, CT_KIND_SOURCE, source)) < 0)
		goto done;
	/* revisions oldest first; concurrent ones (docs/sync.md) share a number */
	out->newest_revision = json_integer_value(
		json_object_get(json_array_get(revs, json_array_size(revs) - 1), "revision"));
	if (cited) {
		size_t i;
		json_t *r;
		char digest[CT_DIGEST_LEN + 1];
		json_array_foreach (revs, i, r)
			if (ct_record_digest(digest, r) == 0 && strcmp(digest, cited) == 0)
				out->cited_revision =
					json_integer_value(json_object_get(r, "revision"));
	}
	error = revision_text(&text, store, source, revs, out->newest_revision, copy, copy_len);
	if (error == CT_ENOTFOUND) {
		ct_error_clear();
		out->state = CT_ANCHOR_NO_TEXT;
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	if (sel) {
		out->start = json_integer_value(json_object_get(sel, "start"));
		out->end = json_integer_value(json_object_get(sel, "end"));
		/* The record's own anchor must hold in the text it cites. */
		if (out->cited_revision > 0) {
			error = revision_text(
				&old, store, source, revs, out->cited_revision, copy, copy_len);
			if (error == 0 &&
				!ct__anchor_span_is(old.ptr, old.len, out->start, out->end,
					json_string_value(json_object_get(sel, "exact")))) {
				out->state = CT_ANCHOR_BROKEN;
				goto done;
			}
			if (error == CT_ENOTFOUND)
				ct_error_clear();
			else if (error < 0)
				goto done;
			error = 0;
		}
	}
	error = ct__anchor_find(&at, &end, text.ptr, text.len, quote, sel);
	if (error == CT_ENOTFOUND) {
		out->state = CT_ANCHOR_ORPHANED;
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	out->new_start = (json_int_t)ct__utf8_count(text.ptr, at);
	out->new_end = out->new_start + (json_int_t)ct__utf8_count(text.ptr + at, end - at);
	if (!(out->new_exact = malloc(end - at + 1))) {
		error = ct__oom();
		goto done;
	}
	memcpy(out->new_exact, text.ptr + at, end - at);
	out->new_exact[end - at] = '\0';
	out->state = sel && out->new_start == out->start && out->new_end == out->end &&
			strcmp(out->new_exact, json_string_value(json_object_get(sel, "exact"))) ==
				0
		? CT_ANCHOR_OK
		: CT_ANCHOR_MOVED;
done:
	json_decref(revs);
	ct_buf_free(&old);
	ct_buf_free(&text);
	return error;
}

/* What relocating claim_id changes (*changes) and why (reason, unless opts gives one): its quote
 * must have moved. */
static int relocation(json_t **changes, ct_buf *reason, ct_store *store, const char *claim_id,
	const ct_write_opts *opts)
{
	ct_anchor_report report = CT_ANCHOR_REPORT_INIT;
	json_t *claim = NULL;
	const char *source;
	int error;

	*changes = NULL;
	if ((error = ct_store_get(&claim, store, CT_KIND_CLAIM, claim_id, 0)) < 0 ||
		(error = ct_anchor_check(&report, store, claim)) < 0)
		goto done;
	source =
		json_string_value(json_object_get(json_object_get(claim, "attribution"), "source"));
	switch (report.state) {
	case CT_ANCHOR_MOVED: break;
	case CT_ANCHOR_ORPHANED:
		error = ct_error_set(CT_EINVALID,
			"claim %s: the quote is not in source %s revision %lld: revise the quote",
			claim_id, source, (long long)report.newest_revision);
		goto done;
	case CT_ANCHOR_BROKEN:
		error = ct_error_set(CT_EBADSIG,
			"claim %s: its selector does not match the text of the source revision it cites",
			claim_id);
		goto done;
	default:
		error = ct_error_set(CT_EEXISTS, "claim %s: the quote is %s, nothing to relocate",
			claim_id, ct_anchor_state_name(report.state));
		goto done;
	}
	if (!(*changes = json_pack("{s:{s:s}}", "attribution", "source", source))) {
		error = ct__oom();
		goto done;
	}
	ct_buf_clear(reason);
	if (!opts->reason || !*opts->reason) {
		if (report.start >= 0)
			error = ct_buf_printf(reason,
				"re-anchored: the quote moved from characters %lld-%lld to %lld-%lld of "
				"source %s (revision %lld)",
				(long long)report.start, (long long)report.end,
				(long long)report.new_start, (long long)report.new_end, source,
				(long long)report.newest_revision);
		else
			error = ct_buf_printf(reason,
				"anchored: the quote is at characters %lld-%lld of source %s (revision "
				"%lld)",
				(long long)report.new_start, (long long)report.new_end, source,
				(long long)report.newest_revision);
	}
done:
	json_decref(claim);
	ct_anchor_report_free(&report);
	return error;
}

int ct_anchor_relocate(
	json_t **out_record, ct_store *store, const char *claim_id, const ct_write_opts *opts)
{
	ct_write_opts wopts;
	json_t *changes = NULL;
	ct_buf reason = CT_BUF_INIT;
	int error;

	if (out_record)
		*out_record = NULL;
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "anchor relocation needs a signing key");
	if ((error = ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts")) < 0)
		return error;
	if ((error = relocation(&changes, &reason, store, claim_id, opts)) < 0)
		goto done;
	wopts = *opts;
	if (reason.ptr)
		wopts.reason = reason.ptr;
	error = ct_claim_revise(out_record, store, claim_id, changes, &wopts);
done:
	ct_buf_free(&reason);
	json_decref(changes);
	return error;
}

typedef struct {
	const char *const *ids;
	size_t n;
	const ct_write_opts *opts;
	json_t *records;
} relocate_job;

static int relocate_build(ct_txn *txn, ct_store *store, void *payload)
{
	relocate_job *job = payload;
	ct_write_opts wopts = *job->opts;
	ct_buf reason = CT_BUF_INIT;
	json_t *changes = NULL, *record = NULL;
	size_t i;
	int error = 0;

	json_array_clear(job->records); /* a retry after a lost race starts again */
	if ((error = ct__txn_subject(
		     txn, "anchor relocate %zu claim%s", job->n, job->n == 1 ? "" : "s")) < 0)
		goto done;
	for (i = 0; i < job->n; i++) {
		if ((error = relocation(&changes, &reason, store, job->ids[i], job->opts)) < 0)
			goto done;
		wopts.reason = reason.ptr ? reason.ptr : job->opts->reason;
		if ((error = ct__claim_revise_in(
			     &record, txn, store, job->ids[i], changes, 0, 0, &wopts)) < 0)
			goto done;
		if (json_array_append_new(job->records, record) < 0) {
			error = ct__oom();
			goto done;
		}
		json_decref(changes);
		changes = NULL;
	}
done:
	json_decref(changes);
	ct_buf_free(&reason);
	return error;
}

int ct_anchor_relocate_all(json_t **out_records, ct_store *store, const char *const *claim_ids,
	size_t n, const ct_write_opts *opts)
{
	relocate_job job = {claim_ids, n, opts, json_array()};
	int error;

	*out_records = NULL;
	if (!job.records)
		return ct__oom();
	if ((error = ct__revision_check_opts(opts, 0, "anchor relocation")) < 0 ||
		(n > 0 &&
			(error = ct__store_write(store, opts->signer, opts->max_retries,
				 relocate_build, &job)) < 0)) {
		json_decref(job.records);
		return error;
	}
	*out_records = job.records;
	return 0;
}
