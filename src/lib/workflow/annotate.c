/*
 * Annotating claims: verdicts, notes, disputes and their resolutions (each one new file under
 * the claim's annotations/ folder, so concurrent annotators never touch the same path), and an
 * editor's sign-off (a further signature on the claim's current revision file). Each is one
 * commit whose trailers name the record and the signer. Rules: docs/workflow.md.
 */
#include "store_internal.h"
#include "claimtrail/status.h"
#include "claimtrail/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_write_opts(const ct_write_opts *opts, const char *what)
{
	if (!opts || !opts->signer)
		return ct_error_set(CT_EINVALID, "%s needs a signing key", what);
	return ct__opts_version(opts->version, CT_WRITE_OPTS_VERSION, "ct_write_opts");
}

static int source_must_exist(
	ct_store *store, const char *source_id, const char *claim_id, const char *role)
{
	json_int_t n;
	int error;

	if ((error = ct_id_validate(source_id, "source")) < 0)
		return ct_error_prefix(error, "claim %s: %s", claim_id, role);
	if ((error = ct__revision_count(&n, store, CT_KIND_SOURCE, source_id)) < 0)
		return error;
	if (n == 0)
		return ct_error_set(CT_ENOTFOUND,
			"claim %s: %s source %s does not exist (add it with 'claimtrail source add')",
			claim_id, role, source_id);
	return 0;
}

/* What one annotation write needs: the members particular to its kind are in `fields`. */
typedef struct {
	const char *claim_id;
	const char *kind;
	json_t *fields;		/* borrowed: verdict, note, evidence, dispute, resolves, outcome */
	const char *dispute_id; /* resolution: checked against the snapshot */
	const ct_write_opts *opts;
	json_t *result;
} annotate_job;

/* The dispute must be on this claim and still open (checked on every attempt). */
static int check_dispute_open(ct_store *store, const char *claim_id, const char *dispute_id)
{
	json_t *list = NULL, *a;
	const json_t *found = NULL;
	const char *resolved_by = NULL;
	size_t i;
	int error;

	if ((error = ct_id_validate(dispute_id, "dispute")) < 0 ||
		(error = ct_store_annotations(&list, store, claim_id)) < 0)
		goto done;
	json_array_foreach (list, i, a) {
		if (strcmp(ct_record_id(a), dispute_id) == 0)
			found = a;
		if (strcmp(json_string_value(json_object_get(a, "kind")), "resolution") == 0 &&
			strcmp(json_string_value(json_object_get(a, "resolves")), dispute_id) == 0)
			resolved_by = ct_record_id(a);
	}
	if (!found)
		error = ct_error_set(CT_ENOTFOUND,
			"claim %s has no dispute %s (see 'claimtrail show %s')", claim_id,
			dispute_id, claim_id);
	else if (strcmp(json_string_value(json_object_get(found, "kind")), "dispute") != 0)
		error = ct_error_set(CT_EINVALID, "claim %s: annotation %s is a %s, not a dispute",
			claim_id, dispute_id, json_string_value(json_object_get(found, "kind")));
	else if (resolved_by)
		error = ct_error_set(CT_EEXISTS, "claim %s: dispute %s is already resolved by %s",
			claim_id, dispute_id, resolved_by);
	else
		error = ct__require_verified(store, found); /* resolve only what was signed */
done:
	json_decref(list);
	return error;
}

static int annotate_build(ct_txn *txn, ct_store *store, void *payload)
{
	annotate_job *job = payload;
	const ct_key *signer = job->opts->signer;
	json_t *claim = NULL, *record = NULL;
	char digest[CT_DIGEST_LEN + 1];
	char created[21];
	char id[CT_ID_MAX + 1];
	ct_buf path = CT_BUF_INIT, existing = CT_BUF_INIT;
	const char *key;
	json_t *value;
	json_int_t rev;
	int error;

	if ((error = ct__latest_record(&claim, digest, &rev, store, CT_KIND_CLAIM, job->claim_id)) <
		0)
		goto done;
	if (job->dispute_id &&
		(error = check_dispute_open(store, job->claim_id, job->dispute_id)) < 0)
		goto done;
	ct_timestamp_now(created);
	record = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "annotation", "created", created,
		"claim", job->claim_id, "claim_revision", digest, "kind", job->kind);
	if (!record) {
		error = ct__oom();
		goto done;
	}
	json_object_foreach (job->fields, key, value)
		json_object_set(record, key, value);
	if ((error = ct_annotation_id(id, record, ct_key_id(signer))) < 0)
		goto done;
	json_object_set_new(record, "id", json_string(id));
	if ((error = ct_record_validate(record)) < 0)
		goto done;
	/* The same signer writing the same words about the same revision in the same second. */
	if ((error = ct__record_dir(&path, store, CT_KIND_CLAIM, job->claim_id)) < 0 ||
		(error = ct_buf_printf(&path, "/annotations/%s.json", id)) < 0)
		goto done;
	error = ct__read_path(&existing, store, path.ptr, CT_RECORD_MAX);
	if (error == 0) {
		error = ct_error_set(CT_EEXISTS, "claim %s: annotation %s is already recorded",
			job->claim_id, id);
		goto done;
	}
	if (error != CT_ENOTFOUND)
		goto done;
	ct_error_clear();
	if ((error = ct_record_sign(record, signer)) < 0 ||
		(error = ct__txn_put_record(txn, record)) < 0 ||
		(error = ct__txn_put_signer_key(txn, store, signer)) < 0)
		goto done;
	if (strcmp(job->kind, "verdict") == 0)
		error = ct__txn_subject(txn, "annotate %s: verdict %s", job->claim_id,
			json_string_value(json_object_get(record, "verdict")));
	else if (strcmp(job->kind, "note") == 0)
		error = ct__txn_subject(txn, "annotate %s: note", job->claim_id);
	else if (strcmp(job->kind, "dispute") == 0)
		error = ct__txn_subject(txn, "dispute %s: by %s", job->claim_id,
			json_string_value(
				json_object_get(json_object_get(record, "dispute"), "by")));
	else
		error = ct__txn_subject(txn, "resolve %s: dispute %s %s", job->claim_id,
			job->dispute_id, json_string_value(json_object_get(record, "outcome")));
	if (error < 0)
		goto done;
	if (json_object_get(record, "dispute") &&
		(error = ct__txn_body(txn,
			 json_string_value(json_object_get(
				 json_object_get(record, "dispute"), "reason")))) < 0)
		goto done;
	if (json_object_get(record, "note") &&
		(error = ct__txn_body(txn, json_string_value(json_object_get(record, "note")))) < 0)
		goto done;
	if ((error = ct__txn_trailer(txn, "Claimtrail-Record", "annotation/%s", id)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Claim", "%s@%lld %s", job->claim_id,
			 (long long)rev, digest)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(signer))) < 0)
		goto done;
	json_decref(job->result);
	job->result = record;
	record = NULL;
done:
	ct_buf_free(&existing);
	ct_buf_free(&path);
	json_decref(record);
	json_decref(claim);
	return error;
}

static int run_annotate(json_t **out_record, ct_store *store, annotate_job *job)
{
	int error = ct__store_write(
		store, job->opts->signer, job->opts->max_retries, annotate_build, job);

	if (error < 0 || !out_record)
		json_decref(job->result);
	else
		*out_record = job->result;
	return error;
}

/* "true, mostly-true, ...": the scale for error messages. */
static void scale_names(char *out, size_t size)
{
	size_t n, i, used = 0;
	const ct_verdict *scale = ct_verdict_scale(&n);

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", scale[i].name);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

int ct_claim_annotate(json_t **out_record, ct_store *store, const char *claim_id,
	const ct_annotate_fields *fields, const ct_write_opts *opts)
{
	annotate_job job = {claim_id, NULL, NULL, NULL, opts, NULL};
	json_t *members = json_object();
	json_t *evidence = NULL;
	size_t i;
	int error;

	if (out_record)
		*out_record = NULL;
	if (!members)
		return ct__oom();
	if ((error = check_write_opts(opts, "annotate")) < 0 ||
		(error = ct_id_validate(claim_id, "claim")) < 0)
		goto done;
	if (!fields || (!fields->verdict && !fields->note)) {
		error = ct_error_set(
			CT_EINVALID, "claim %s: an annotation needs a verdict or a note", claim_id);
		goto done;
	}
	if (fields->verdict) {
		char names[256];
		if (!ct_verdict_find(fields->verdict)) {
			scale_names(names, sizeof(names));
			error = ct_error_set(CT_EINVALID,
				"claim %s: unknown verdict \"%.40s\" (the scale: %s)", claim_id,
				fields->verdict, names);
			goto done;
		}
		json_object_set_new(members, "verdict", json_string(fields->verdict));
	}
	if (fields->note) {
		if (!*fields->note) {
			error = ct_error_set(CT_EINVALID, "claim %s: the note is empty", claim_id);
			goto done;
		}
		if (json_object_set_new(members, "note", json_string(fields->note)) < 0) {
			error = ct_error_set(
				CT_EINVALID, "claim %s: the note is not valid UTF-8", claim_id);
			goto done;
		}
	}
	if (fields->evidence_count) {
		evidence = json_array();
		json_object_set_new(members, "evidence", evidence);
		for (i = 0; i < fields->evidence_count; i++) {
			if ((error = source_must_exist(
				     store, fields->evidence[i], claim_id, "evidence")) < 0)
				goto done;
			json_array_append_new(evidence, json_string(fields->evidence[i]));
		}
	}
	job.kind = fields->verdict ? "verdict" : "note";
	job.fields = members;
	error = run_annotate(out_record, store, &job);
done:
	json_decref(members);
	return error;
}

int ct_claim_dispute(json_t **out_record, ct_store *store, const char *claim_id, const char *by,
	const char *reason, const char *source_id, const ct_write_opts *opts)
{
	annotate_job job = {claim_id, "dispute", NULL, NULL, opts, NULL};
	json_t *members = NULL, *dispute = NULL;
	int error;

	if (out_record)
		*out_record = NULL;
	if ((error = check_write_opts(opts, "dispute")) < 0 ||
		(error = ct_id_validate(claim_id, "claim")) < 0)
		return error;
	if (!by || !*by || !reason || !*reason)
		return ct_error_set(CT_EINVALID,
			"claim %s: a dispute needs who disputes it (--by) and why (--reason)",
			claim_id);
	if (source_id && (error = source_must_exist(store, source_id, claim_id, "dispute")) < 0)
		return error;
	dispute = json_pack("{s:s, s:s}", "by", by, "reason", reason);
	if (!dispute)
		return ct_error_set(
			CT_EINVALID, "claim %s: the dispute is not valid UTF-8", claim_id);
	if (source_id)
		json_object_set_new(dispute, "source", json_string(source_id));
	members = json_pack("{s:o}", "dispute", dispute);
	job.fields = members;
	error = run_annotate(out_record, store, &job);
	json_decref(members);
	return error;
}

int ct_claim_resolve(json_t **out_record, ct_store *store, const char *claim_id,
	const char *dispute_id, const char *outcome, const char *note, const ct_write_opts *opts)
{
	annotate_job job = {claim_id, "resolution", NULL, dispute_id, opts, NULL};
	json_t *members = NULL;
	int error;

	if (out_record)
		*out_record = NULL;
	if ((error = check_write_opts(opts, "resolve")) < 0 ||
		(error = ct_id_validate(claim_id, "claim")) < 0)
		return error;
	if (!outcome || (strcmp(outcome, "upheld") != 0 && strcmp(outcome, "rejected") != 0))
		return ct_error_set(CT_EINVALID,
			"claim %s: outcome \"%.40s\" is not one of upheld, rejected", claim_id,
			outcome ? outcome : "");
	if (!note || !*note)
		return ct_error_set(
			CT_EINVALID, "claim %s: a resolution needs a note saying why", claim_id);
	members = json_pack("{s:s, s:s, s:s}", "resolves", dispute_id ? dispute_id : "", "outcome",
		outcome, "note", note);
	if (!members)
		return ct_error_set(CT_EINVALID, "claim %s: the note is not valid UTF-8", claim_id);
	job.fields = members;
	error = run_annotate(out_record, store, &job);
	json_decref(members);
	return error;
}

/* ---- sign-off ---- */

size_t ct_store_sign_off_threshold(const ct_store *store)
{
	const json_t *v = json_object_get(ct_store_config(store), "sign_off_threshold");

	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 100)
		return (size_t)json_integer_value(v);
	return 2;
}

size_t ct_record_signer_count(const json_t *record, const ct_keyring *trust)
{
	ct_verify_report report;

	memset(&report, 0, sizeof(report));
	ct_record_verify(&report, record, trust, 1);
	ct_error_clear();
	return report.trusted;
}

typedef struct {
	const char *claim_id;
	const ct_write_opts *opts;
	json_t *result;
} sign_off_job;

static int sign_off_build(ct_txn *txn, ct_store *store, void *payload)
{
	sign_off_job *job = payload;
	const ct_key *signer = job->opts->signer;
	json_t *claim = NULL, *sig;
	char digest[CT_DIGEST_LEN + 1];
	const char *name = json_string_value(json_object_get(ct_key_public_record(signer), "name"));
	json_int_t rev;
	size_t i;
	int error;

	/* a revision whose signers were revoked may be signed off again (docs/keys.md): it needs
	 * valid signatures and chain, not live signers */
	if ((error = ct_id_validate(job->claim_id, "claim")) < 0 ||
		(error = ct__revision_count(&rev, store, CT_KIND_CLAIM, job->claim_id)) < 0)
		goto done;
	if (rev == 0) {
		error = ct_error_set(CT_ENOTFOUND, "no claim \"%s\" in the store", job->claim_id);
		goto done;
	}
	if ((error = ct_store_get(&claim, store, CT_KIND_CLAIM, job->claim_id, rev)) < 0 ||
		(error = ct__require_signed(store, claim)) < 0 ||
		(error = ct_record_digest(digest, claim)) < 0)
		goto done;
	json_array_foreach (json_object_get(claim, "signatures"), i, sig) {
		if (strcmp(json_string_value(json_object_get(sig, "key_id")), ct_key_id(signer)) ==
			0) {
			error = ct_error_set(CT_EEXISTS,
				"claim %s revision %lld: key %s has already signed it",
				job->claim_id, (long long)rev, ct_key_id(signer));
			goto done;
		}
	}
	/* Sign only what verifies, as minisign does before writing: ct__latest_record above
	 * required it (signatures and chain, ct__require_verified). */
	if ((error = ct_record_sign(claim, signer)) < 0 ||
		(error = ct__txn_put_record(txn, claim)) < 0 ||
		(error = ct__txn_put_signer_key(txn, store, signer)) < 0 ||
		(error = ct__txn_subject(txn, "sign-off %s (revision %lld) by %s%s%s%s",
			 job->claim_id, (long long)rev, ct_key_id(signer), name ? " (" : "",
			 name ? name : "", name ? ")" : "")) < 0)
		goto done;
	if (job->opts->reason && *job->opts->reason &&
		(error = ct__txn_body(txn, job->opts->reason)) < 0)
		goto done;
	if ((error = ct__txn_trailer(txn, "Claimtrail-Record", "claim/%s@%lld", job->claim_id,
		     (long long)rev)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Revision", "%s", digest)) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Signer", "%s", ct_key_id(signer))) < 0 ||
		(error = ct__txn_trailer(txn, "Claimtrail-Sign-Off", "%s", ct_key_id(signer))) < 0)
		goto done;
	json_decref(job->result);
	job->result = claim;
	claim = NULL;
done:
	json_decref(claim);
	return error;
}

int ct_claim_sign_off(
	json_t **out_record, ct_store *store, const char *claim_id, const ct_write_opts *opts)
{
	sign_off_job job = {claim_id, opts, NULL};
	int error;

	if (out_record)
		*out_record = NULL;
	if ((error = check_write_opts(opts, "sign-off")) < 0 ||
		(error = ct_id_validate(claim_id, "claim")) < 0 ||
		(error = ct__store_write(
			 store, opts->signer, opts->max_retries, sign_off_build, &job)) < 0) {
		json_decref(job.result);
		return error;
	}
	if (out_record)
		*out_record = job.result;
	else
		json_decref(job.result);
	return 0;
}
