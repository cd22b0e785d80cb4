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
#include "store_internal.h" /* ct__latest_record, ct__drop_unverified, ct__store_check */

#include <stdarg.h>
#include <math.h>
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
	static const char *const copied[] = {
		"source_revision", "quote", "location", "selector", NULL};
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

/* What the review of many claims reads once: the store's keyring, at its first use, and each
 * source's latest revision, for the next claim citing it. */
typedef struct {
	ct_keyring *ring;
	json_t *latest; /* source id -> {"record", "n", "digest"} */
} review_cache;

/*
 * The latest revision of source id, its digest and number, as ct__latest_record reads them;
 * through cache when there is one (may be NULL).
 */
static int latest_source(json_t **latest, char digest[CT_DIGEST_LEN + 1], json_int_t *n,
	ct_store *store, const char *id, review_cache *cache)
{
	json_t *hit = cache ? json_object_get(cache->latest, id) : NULL;
	int error;

	if (hit) {
		*latest = json_incref(json_object_get(hit, "record"));
		*n = json_integer_value(json_object_get(hit, "n"));
		snprintf(digest, CT_DIGEST_LEN + 1, "%s",
			json_string_value(json_object_get(hit, "digest")));
		return *latest ? 0 : CT_ENOTFOUND;
	}
	if (!cache)
		return ct__latest_record(latest, digest, n, store, CT_KIND_SOURCE, id);
	if (!cache->ring && (error = ct_store_keyring(&cache->ring, store)) < 0)
		return error;
	error = ct__latest_record_ring(latest, digest, n, store, cache->ring, CT_KIND_SOURCE, id);
	if (error == 0 || error == CT_ENOTFOUND)
		json_object_set_new(cache->latest, id,
			json_pack("{s:O?, s:I, s:s}", "record", error == 0 ? *latest : NULL, "n",
				(json_int_t)*n, "digest", error == 0 ? digest : ""));
	return error;
}

/* The flag of one link: its source retracted, or revised since the claim cited it. */
static int link_flag(json_t *reasons, ct_store *store, const json_t *link, review_cache *cache)
{
	const char *id = json_string_value(json_object_get(link, "source"));
	const char *cited = json_string_value(json_object_get(link, "source_revision"));
	json_t *latest = NULL;
	char digest[CT_DIGEST_LEN + 1];
	json_int_t n = 0, was = 0;
	int error;

	if (!id)
		return 0;
	if ((error = latest_source(&latest, digest, &n, store, id, cache)) < 0) {
		if (error != CT_ENOTFOUND && error != CT_EBADSIG)
			return error;
		ct_error_clear();
		return add_reason(reasons,
			error == CT_EBADSIG ? "source %s (%s): its latest revision does not verify"
					    : "source %s (%s) is not in the store",
			id, role_of(link));
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
	/* depends_on is rare: the keyring is read for each link that has it */
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

/* ct_claim_review_flags with a cache of the sources' latest revisions (may be NULL). */
static int review_flags(json_t **out, ct_store *store, const json_t *claim, review_cache *cache)
{
	json_t *reasons = json_array(), *link;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!reasons)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (json_is_true(json_object_get(claim, "retracted")))
		goto done; /* a retracted claim is settled: nothing to review */
	if ((error = link_flag(reasons, store, json_object_get(claim, "attribution"), cache)) < 0)
		goto done;
	json_array_foreach (json_object_get(claim, "sources"), i, link)
		if ((error = link_flag(reasons, store, link, cache)) < 0)
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

int ct_claim_review_flags(json_t **out, ct_store *store, const json_t *claim)
{
	return review_flags(out, store, claim, NULL);
}

typedef struct {
	ct_store *store;
	json_t *out;
	review_cache cache;
} review_job;

/* Adds claim id's reasons to job->out when it has any; rec is its latest revision. */
static int review_record(review_job *job, const char *id, const json_t *rec)
{
	json_t *reasons = NULL;
	int error;

	if ((error = review_flags(&reasons, job->store, rec, &job->cache)) == 0 &&
		json_array_size(reasons) && json_object_set(job->out, id, reasons) < 0)
		error = ct_error_set(CT_ENOMEM, "out of memory");
	json_decref(reasons);
	return error;
}

static int review_one(const char *id, void *payload)
{
	review_job *job = payload;
	json_t *rec = NULL;
	int error;

	if ((error = ct_store_get(&rec, job->store, CT_KIND_CLAIM, id, 0)) == 0)
		error = review_record(job, id, rec);
	json_decref(rec);
	return error;
}

int ct_store_needs_review(json_t **out, ct_store *store)
{
	review_job job = {store, json_object(), {NULL, json_object()}};
	int error;

	*out = NULL;
	if (!job.out || !job.cache.latest) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ct_store_foreach_id(store, CT_KIND_CLAIM, review_one, &job)) < 0)
		goto done;
	*out = job.out;
	job.out = NULL;
done:
	json_decref(job.out);
	json_decref(job.cache.latest);
	ct_keyring_free(job.cache.ring);
	return error;
}

int ct_store_check_review(size_t *findings, json_t **review, ct_store *store,
	const ct_check_opts *opts, ct_finding_fn fn, void *payload)
{
	review_job job = {store, NULL, {NULL, NULL}};
	json_t *claims = NULL, *rec;
	const char *id;
	int error;

	*review = NULL;
	/* the claims as the check read them: no second read and parse of each one */
	if ((error = ct__store_check(findings, &claims, store, opts, fn, payload)) < 0)
		goto done;
	if (!(job.out = json_object()) || !(job.cache.latest = json_object())) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	json_object_foreach (claims, id, rec)
		if ((error = review_record(&job, id, rec)) < 0)
			goto done;
	*review = job.out;
	job.out = NULL;
done:
	json_decref(job.out);
	json_decref(job.cache.latest);
	ct_keyring_free(job.cache.ring);
	json_decref(claims);
	return error;
}

/* ---- comparing figures ---- */

/* Qualifiers that make the amount a lower or an upper bound; the others ("about", ...) an
 * approximation within 10%, docs/workflow.md "Comparing figures". */
static const char *const lower_bounds[] = {"more than", "at least", "over", "just over", NULL};
static const char *const upper_bounds[] = {"as many as", "as much as", "up to", "at most",
	"less than", "fewer than", "under", "just under", "nearly", "almost", NULL};
static const char *const approximations[] = {"about", "around", "approximately", "roughly", "some",
	"close to", "an estimated", "estimated", NULL};

static int in_words(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* The interval a quantity states: low/high when given, else from the amount and qualifier;
 * a missing end is -HUGE_VAL or HUGE_VAL. */
static void interval(double *lo, double *hi, const json_t *q)
{
	const char *amount = json_string_value(json_object_get(q, "amount"));
	const char *low = json_string_value(json_object_get(q, "low"));
	const char *high = json_string_value(json_object_get(q, "high"));
	const char *qual = json_string_value(json_object_get(q, "qualifier"));
	double a = amount ? strtod(amount, NULL) : 0;

	*lo = -HUGE_VAL;
	*hi = HUGE_VAL;
	if (in_words(lower_bounds, qual)) {
		*lo = a;
	} else if (in_words(upper_bounds, qual)) {
		*hi = a;
	} else if (in_words(approximations, qual)) {
		*lo = a - (a < 0 ? -a : a) / 10;
		*hi = a + (a < 0 ? -a : a) / 10;
	} else if (amount) {
		*lo = *hi = a;
	}
	if (low)
		*lo = strtod(low, NULL);
	if (high)
		*hi = strtod(high, NULL);
}

/* One row of a comparison: the claim's figure, bounds, date, hedges and chain. */
static int compare_row(json_t **out, ct_store *store, const json_t *claim)
{
	const json_t *q = json_object_get(claim, "quantity");
	json_t *row = NULL, *chain = NULL;
	double lo, hi;
	int error;

	*out = NULL;
	if ((error = ct_claim_chain(&chain, store, claim)) < 0)
		return error;
	interval(&lo, &hi, q);
	row = json_pack(
		"{s:s, s:O, s:o}", "id", ct_record_id(claim), "quantity", q, "chain", chain);
	if (!row)
		return ct_error_set(CT_ENOMEM, "out of memory");
	if (lo != -HUGE_VAL)
		json_object_set_new(row, "from", json_real(lo));
	if (hi != HUGE_VAL)
		json_object_set_new(row, "to", json_real(hi));
	if (json_object_get(claim, "hedges"))
		json_object_set(row, "hedges", json_object_get(claim, "hedges"));
	if (json_object_get(q, "as_of"))
		json_object_set(row, "date", json_object_get(q, "as_of"));
	else if (json_object_get(json_array_get(chain, 0), "published"))
		json_object_set(
			row, "date", json_object_get(json_array_get(chain, 0), "published"));
	*out = row;
	return 0;
}

/* The pairs of rows whose intervals do not meet: they disagree beyond their stated bounds. */
static int disagreements(json_t **out, const json_t *rows)
{
	json_t *list = json_array(), *a, *b;
	size_t i, j;

	*out = NULL;
	if (!list)
		return ct_error_set(CT_ENOMEM, "out of memory");
	json_array_foreach (rows, i, a) {
		for (j = i + 1; j < json_array_size(rows); j++) {
			double alo, ahi, blo, bhi;
			b = json_array_get(rows, j);
			interval(&alo, &ahi, json_object_get(a, "quantity"));
			interval(&blo, &bhi, json_object_get(b, "quantity"));
			if (ahi < blo || bhi < alo)
				json_array_append_new(list,
					json_pack("{s:s, s:s}", "a",
						json_string_value(json_object_get(a, "id")), "b",
						json_string_value(json_object_get(b, "id"))));
		}
	}
	*out = list;
	return 0;
}

typedef struct {
	ct_store *store;
	const ct_compare_opts *opts;
	json_t *claims; /* id -> latest revision, the claims with a quantity that match */
} compare_job;

static int has_tag(const json_t *claim, const char *tag)
{
	size_t i;
	json_t *t;

	json_array_foreach (json_object_get(claim, "tags"), i, t)
		if (strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

static int compare_collect(const char *id, void *payload)
{
	compare_job *job = payload;
	json_t *rec = NULL;
	const char *unit;
	int error;

	if ((error = ct_store_get(&rec, job->store, CT_KIND_CLAIM, id, 0)) < 0)
		return error;
	unit = json_string_value(json_object_get(json_object_get(rec, "quantity"), "unit"));
	if (json_object_get(rec, "quantity") && !json_is_true(json_object_get(rec, "retracted")) &&
		(!job->opts->tag || has_tag(rec, job->opts->tag)) &&
		(!job->opts->unit || (unit && strcmp(unit, job->opts->unit) == 0)))
		json_object_set(job->claims, id, rec);
	json_decref(rec);
	return 0;
}

/* Adds the claim id (and, through same_quantity, those it names) to the group. */
static int group_add(json_t *group, json_t *seen, compare_job *job, const char *id, int named)
{
	json_t *rec = json_incref(json_object_get(job->claims, id)), *other;
	size_t i;
	int error = 0;

	if (json_object_get(seen, id))
		goto done;
	if (!rec && (error = ct_store_get(&rec, job->store, CT_KIND_CLAIM, id, 0)) < 0)
		goto done;
	if (!json_object_get(rec, "quantity")) {
		if (named)
			error = ct_error_set(
				CT_EINVALID, "claim %s has no quantity to compare", id);
		goto done;
	}
	json_object_set_new(seen, id, json_true());
	json_array_append(group, rec);
	json_array_foreach (json_object_get(rec, "same_quantity"), i, other)
		if ((error = group_add(group, seen, job, json_string_value(other), 0)) < 0)
			goto done;
done:
	json_decref(rec);
	return error;
}

int ct_compare(json_t **out, ct_store *store, const ct_compare_opts *opts)
{
	compare_job job = {store, opts, json_object()};
	json_t *groups = json_array(), *seen = json_object(), *group = NULL, *rows = NULL;
	json_t *row = NULL, *dis = NULL, *rec;
	const char *id;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct__opts_version(opts->version, CT_COMPARE_OPTS_VERSION, "ct_compare_opts")) <
		0)
		goto done;
	if (!job.claims || !groups || !seen) {
		error = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (opts->nids) {
		/* the claims named, and those they link as the same quantity: one group */
		group = json_array();
		for (i = 0; i < opts->nids; i++)
			if ((error = group_add(group, seen, &job, opts->ids[i], 1)) < 0)
				goto done;
		json_array_append_new(groups, group);
		group = NULL;
	} else {
		if ((error = ct_store_foreach_id(store, CT_KIND_CLAIM, compare_collect, &job)) < 0)
			goto done;
		/* one group per unit, the claims linked as the same quantity joining it */
		json_object_foreach (job.claims, id, rec) {
			const char *unit = json_string_value(
				json_object_get(json_object_get(rec, "quantity"), "unit"));
			size_t g;
			json_t *gr, *first;
			if (json_object_get(seen, id))
				continue;
			group = NULL;
			json_array_foreach (groups, g, gr) {
				const char *u;
				first = json_array_get(gr, 0);
				u = json_string_value(json_object_get(
					json_object_get(first, "quantity"), "unit"));
				if ((u == NULL) == (unit == NULL) && (!u || strcmp(u, unit) == 0)) {
					group = json_incref(gr);
					break;
				}
			}
			if (!group) {
				group = json_array();
				json_array_append(groups, group);
			}
			if ((error = group_add(group, seen, &job, id, 0)) < 0)
				goto done;
			json_decref(group);
			group = NULL;
		}
	}
	/* each group as rows, with where they disagree */
	group = NULL;
	for (i = 0; i < json_array_size(groups); i++) {
		json_t *result, *r, *members = json_array_get(groups, i);
		size_t j;
		rows = json_array();
		json_array_foreach (members, j, r) {
			if ((error = compare_row(&row, store, r)) < 0)
				goto done;
			json_array_append_new(rows, row);
			row = NULL;
		}
		if ((error = disagreements(&dis, rows)) < 0)
			goto done;
		result = json_pack("{s:o, s:o}", "claims", rows, "disagree", dis);
		rows = dis = NULL;
		json_array_set_new(groups, i, result);
	}
	group = NULL;
	*out = json_pack("{s:o}", "groups", groups);
	groups = NULL;
	if (!*out)
		error = ct_error_set(CT_ENOMEM, "out of memory");
done:
	json_decref(group);
	json_decref(rows);
	json_decref(row);
	json_decref(dis);
	json_decref(groups);
	json_decref(seen);
	json_decref(job.claims);
	return error;
}
