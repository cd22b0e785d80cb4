/*
 * Claims as fact-checkers reason about them (docs/workflow.md, "Attribution chains", "Claims
 * that need review", "Comparing figures"): a claim's attribution chain with each source's role,
 * the corrections that flag a claim for review (a source revised or retracted since the claim
 * cited it, a claim it depends on retracted or refuted), and the figures of several claims about
 * one quantity lined up with their bounds.
 */
#include "claimtrail/record.h"
#include "claimtrail/status.h"
#include "claimtrail/store.h"
#include "claimtrail/workflow.h"
#include "store_internal.h" /* ct__latest_record, ct__drop_unverified */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_order[] = {"said-by", "reported-by", "cited-by", "recorded-by", NULL};

/* A link's role: the attribution's "role", "reported-by" when it has none. */
static const char *role_of(const json_t *link)
{
	const char *role = json_string_value(json_object_get(link, "role"));

	return role ? role : "reported-by";
}

/* Appends the chain entry of link (the attribution or one of "sources") to chain. */
static int chain_entry(json_t *chain, ct_store *store, const json_t *link)
{
	const char *id = json_string_value(json_object_get(link, "source"));
	json_t *entry = json_pack("{s:s, s:s}", "role", role_of(link), "source", id ? id : "");
	json_t *source = NULL;
	static const char *const copied[] = {"source_revision", "quote", "location", NULL};
	size_t i;

	if (!entry)
		return ct_error_set(CT_ENOMEM, "out of memory");
	for (i = 0; copied[i]; i++)
		if (json_object_get(link, copied[i]))
			json_object_set(entry, copied[i], json_object_get(link, copied[i]));
	if (id && ct_store_get(&source, store, CT_KIND_SOURCE, id, 0) == 0) {
		json_object_set(entry, "title", json_object_get(source, "title"));
		json_object_set(entry, "publisher", json_object_get(source, "publisher"));
		if (json_object_get(source, "authors"))
			json_object_set(entry, "authors", json_object_get(source, "authors"));
		if (json_object_get(source, "published"))
			json_object_set(entry, "published", json_object_get(source, "published"));
	}
	ct_error_clear(); /* a source missing from the store is named without its title */
	json_decref(source);
	return json_array_append_new(chain, entry) < 0 ? ct_error_set(CT_ENOMEM, "out of memory")
						       : 0;
}

int ct_claim_chain(json_t **out, ct_store *store, const json_t *claim)
{
	const json_t *attribution = json_object_get(claim, "attribution");
	json_t *chain = json_array(), *link;
	size_t r, i;
	int error = 0;

	*out = NULL;
	if (!chain)
		return ct_error_set(CT_ENOMEM, "out of memory");
	for (r = 0; role_order[r] && error == 0; r++) {
		if (attribution && strcmp(role_of(attribution), role_order[r]) == 0)
			error = chain_entry(chain, store, attribution);
		json_array_foreach (json_object_get(claim, "sources"), i, link)
			if (error == 0 && strcmp(role_of(link), role_order[r]) == 0)
				error = chain_entry(chain, store, link);
	}
	if (error < 0) {
		json_decref(chain);
		return error;
	}
	*out = chain;
	return 0;
}

/* Appends a formatted reason to reasons. */
static int add_reason(json_t *reasons, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
static int add_reason(json_t *reasons, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return json_array_append_new(reasons, json_string(line)) < 0
		? ct_error_set(CT_ENOMEM, "out of memory")
		: 0;
}

/* The flag of one link: its source retracted, or revised since the claim cited it. */
static int link_flag(json_t *reasons, ct_store *store, const json_t *link)
{
	const char *id = json_string_value(json_object_get(link, "source"));
	const char *cited = json_string_value(json_object_get(link, "source_revision"));
	json_t *latest = NULL;
	char digest[CT_DIGEST_LEN + 1];
	json_int_t n = 0, was = 0;
	int error;

	if (!id)
		return 0;
	if ((error = ct__latest_record(&latest, digest, &n, store, CT_KIND_SOURCE, id)) < 0) {
		if (error != CT_ENOTFOUND)
			return error;
		ct_error_clear();
		return add_reason(reasons, "source %s (%s) is not in the store", id, role_of(link));
	}
	if (json_is_true(json_object_get(latest, "retracted"))) {
		const char *why = json_string_value(json_object_get(latest, "reason"));
		error = add_reason(reasons, "source %s (%s) retracted since the claim cited it%s%s",
			id, role_of(link), why ? ": " : "", why ? why : "");
	} else if (cited && strcmp(cited, digest) != 0) {
		if (ct_store_resolve_revision(&was, store, CT_KIND_SOURCE, id, cited) < 0)
			ct_error_clear();
		error = add_reason(reasons,
			"source %s (%s) corrected since the claim cited it (revision %lld, now %lld)",
			id, role_of(link), (long long)was, (long long)n);
	}
	json_decref(latest);
	return error;
}

/* The flag of a claim this one depends on: retracted, or its status "refuted". */
static int dependency_flag(json_t *reasons, ct_store *store, const char *other)
{
	json_t *rec = NULL, *annotations = NULL, *same = NULL;
	ct_keyring *ring = NULL;
	const char *status = NULL;
	int error;

	if ((error = ct_store_get(&rec, store, CT_KIND_CLAIM, other, 0)) < 0) {
		if (error != CT_ENOTFOUND)
			return error;
		ct_error_clear();
		return add_reason(reasons, "depends on claim %s, which is not in the store", other);
	}
	if ((error = ct_store_annotations(&annotations, store, other)) < 0 ||
		(error = ct_store_keyring(&ring, store)) < 0 ||
		(error = ct__drop_unverified(annotations, store, ring)) < 0 ||
		(error = ct_store_claim_same(&same, store, rec)) < 0 ||
		(error = ct_claim_status_same(&status, NULL, rec, annotations, same)) < 0)
		goto done;
	if (strcmp(status, "retracted") == 0 || strcmp(status, "refuted") == 0)
		error = add_reason(reasons, "depends on claim %s, which is %s", other, status);
done:
	ct_keyring_free(ring);
	json_decref(same);
	json_decref(annotations);
	json_decref(rec);
	return error;
}

int ct_claim_review_flags(json_t **out, ct_store *store, const json_t *claim)
{
	json_t *reasons = json_array(), *link;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!reasons)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (json_is_true(json_object_get(claim, "retracted")))
		goto done; /* a retracted claim is settled: nothing to review */
	if ((error = link_flag(reasons, store, json_object_get(claim, "attribution"))) < 0)
		goto done;
	json_array_foreach (json_object_get(claim, "sources"), i, link)
		if ((error = link_flag(reasons, store, link)) < 0)
			goto done;
	json_array_foreach (json_object_get(claim, "depends_on"), i, link)
		if ((error = dependency_flag(reasons, store, json_string_value(link))) < 0)
			goto done;
done:
	if (error < 0) {
		json_decref(reasons);
		return error;
	}
	*out = reasons;
	return 0;
}

typedef struct {
	ct_store *store;
	json_t *out;
} review_job;

static int review_one(const char *id, void *payload)
{
	review_job *job = payload;
	json_t *rec = NULL, *reasons = NULL;
	int error;

	if ((error = ct_store_get(&rec, job->store, CT_KIND_CLAIM, id, 0)) < 0 ||
		(error = ct_claim_review_flags(&reasons, job->store, rec)) < 0)
		goto done;
	if (json_array_size(reasons) && json_object_set(job->out, id, reasons) < 0)
		error = ct_error_set(CT_ENOMEM, "out of memory");
done:
	json_decref(reasons);
	json_decref(rec);
	return error;
}

int ct_store_needs_review(json_t **out, ct_store *store)
{
	review_job job = {store, json_object()};
	int error;

	*out = NULL;
	if (!job.out)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if ((error = ct_store_foreach_id(store, CT_KIND_CLAIM, review_one, &job)) < 0) {
		json_decref(job.out);
		return error;
	}
	*out = job.out;
	return 0;
}
