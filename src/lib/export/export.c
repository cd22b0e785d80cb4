/*
 * Exports, the parts they share: which claims an export covers (the same selections as `bundle
 * create`, read from the list summaries), and the two ClaimReview exports: schema.org JSON-LD
 * (the review `show --claimreview` prints, one per claim) and the Fact Check Tools API's
 * ClaimReviewMarkupPage. docs/export.md.
 */
#include "export_internal.h"
#include "claimtrail/workflow.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ct__export_warn(const ct_export_opts *opts, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!opts->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	opts->warn(line, opts->warn_payload);
}

static int in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, item, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

typedef struct {
	const ct_export_opts *opts;
	json_t *ids;
	json_t *summaries;
} select_job;

static int select_one(const ct_claim_summary *c, void *payload)
{
	select_job *job = payload;
	const ct_export_opts *o = job->opts;
	json_t *s;

	switch (o->select) {
	case CT_EXPORT_TAG:
		if (!in_list(c->tags, o->tag))
			return 0;
		break;
	case CT_EXPORT_STATUS:
		if (strcmp(c->status, o->status) != 0)
			return 0;
		break;
	case CT_EXPORT_IDS: {
		size_t i;
		for (i = 0; i < o->nids; i++)
			if (strcmp(o->ids[i], c->id) == 0)
				break;
		if (i == o->nids)
			return 0;
		break;
	}
	default: break;
	}
	s = json_pack("{s:s, s:s, s:s, s:s, s:b}", "status", c->status, "statement", c->statement,
		"source", c->source, "tags", c->tags, "verified", c->unverified[0] == '\0');
	if (!s || json_object_set_new(job->summaries, c->id, s) < 0)
		return ct__oom();
	if (o->select != CT_EXPORT_IDS && json_array_append_new(job->ids, json_string(c->id)) < 0)
		return ct__oom();
	return 0;
}

int ct__export_select(ct__export_sel *out, ct_store *store, const ct_export_opts *opts)
{
	select_job job = {opts, NULL, NULL};
	size_t i;
	int error;

	memset(out, 0, sizeof(*out));
	if (!opts)
		return ct_error_set(CT_EINVALID, "an export needs its options");
	if ((error = ct__opts_version(opts->version, CT_EXPORT_OPTS_VERSION, "ct_export_opts")) < 0)
		return error;
	if ((opts->select == CT_EXPORT_TAG && !opts->tag) ||
		(opts->select == CT_EXPORT_STATUS && !opts->status) ||
		(opts->select == CT_EXPORT_IDS && opts->nids && !opts->ids) ||
		opts->select > CT_EXPORT_STATUS)
		return ct_error_set(CT_EINVALID, "an export's selection names nothing");
	if (opts->base_url) {
		const char *u = opts->base_url;
		const char *colon = strstr(u, "://");
		if ((error = ct__utf8_check(u, strlen(u), "the base url")) < 0)
			return error;
		if (!colon || colon == u || strpbrk(u, " \t\r\n\"<>\\") || !colon[3])
			return ct_error_set(CT_EINVALID,
				"base url \"%s\" is not an absolute url (scheme://host/...)", u);
	}
	job.ids = json_array();
	job.summaries = json_object();
	if (!job.ids || !job.summaries) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_store_list_claims(store, select_one, &job)) < 0)
		goto done;
	for (i = 0; opts->select == CT_EXPORT_IDS && i < opts->nids; i++) {
		size_t j;
		int dup = 0;
		if (!json_object_get(job.summaries, opts->ids[i])) {
			error = ct_error_set(
				CT_ENOTFOUND, "no claim \"%s\" in the store", opts->ids[i]);
			goto done;
		}
		for (j = 0; j < i; j++)
			dup |= strcmp(opts->ids[j], opts->ids[i]) == 0;
		if (!dup && json_array_append_new(job.ids, json_string(opts->ids[i])) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	if ((error = ct_store_keyring(&out->ring, store)) < 0)
		goto done;
	out->ids = job.ids;
	out->summaries = job.summaries;
	job.ids = job.summaries = NULL;
done:
	json_decref(job.ids);
	json_decref(job.summaries);
	return error;
}

void ct__export_sel_free(ct__export_sel *sel)
{
	json_decref(sel->ids);
	json_decref(sel->summaries);
	ct_keyring_free(sel->ring);
	memset(sel, 0, sizeof(*sel));
}

int ct__export_cited_source(json_t **out, ct_store *store, const json_t *claim)
{
	const json_t *attr = json_object_get(claim, "attribution");
	const char *id = json_string_value(json_object_get(attr, "source"));
	const char *cited = json_string_value(json_object_get(attr, "source_revision"));
	ct_revision rev = 0;
	int error;

	*out = NULL;
	if (cited &&
		(error = ct_store_resolve_revision(&rev, store, CT_KIND_SOURCE, id, cited)) < 0)
		return ct_error_prefix(error, "claim %s", ct_record_id(claim));
	return ct_store_get(out, store, CT_KIND_SOURCE, id, rev);
}

json_t *ct__export_signers(const json_t *record, const ct_keyring *ring)
{
	json_t *out = json_array(), *sig, *have;
	size_t i, j;

	json_array_foreach (json_object_get(record, "signatures"), i, sig) {
		const char *k = json_string_value(json_object_get(sig, "key_id"));
		int dup = 0;
		if (!k || !ct_keyring_find(ring, k))
			continue; /* not checked: never shown as a signer */
		json_array_foreach (out, j, have)
			dup |= strcmp(json_string_value(have), k) == 0;
		if (!dup)
			json_array_append_new(out, json_string(k));
	}
	return out;
}

/* The review of one claim with its url, or NULL and a warning when it has none (selection by
 * tag, status or all) or the error (claims named by id). */
static int review_of(json_t **out, ct_store *store, const ct_export_opts *opts, const char *id)
{
	ct_buf url = CT_BUF_INIT;
	int error;

	*out = NULL;
	if (opts->base_url) {
		size_t n = strlen(opts->base_url);
		while (n > 0 && opts->base_url[n - 1] == '/')
			n--;
		if ((error = ct_buf_printf(
			     &url, "%.*s/claim/%s.html", (int)n, opts->base_url, id)) < 0)
			goto done;
	}
	error = ct_claim_review(out, store, id, url.ptr);
	if (error < 0 && opts->select != CT_EXPORT_IDS &&
		(error == CT_ENOTFOUND || error == CT_EBADSIG || error == CT_EUNTRUSTED)) {
		ct__export_warn(opts, "%s; left out", ct_error_last());
		ct_error_clear();
		error = 0;
	}
done:
	ct_buf_free(&url);
	return error;
}

int ct_export_claimreview(json_t **out, ct_store *store, const ct_export_opts *opts)
{
	ct__export_sel sel;
	json_t *reviews = NULL, *id;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct__export_select(&sel, store, opts)) < 0)
		return error;
	if (!(reviews = json_array())) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (sel.ids, i, id) {
		json_t *review;
		if ((error = review_of(&review, store, opts, json_string_value(id))) < 0)
			goto done;
		if (review && json_array_append_new(reviews, review) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	if (!opts->base_url && json_array_size(reviews) > 0)
		ct__export_warn(opts,
			"%zu review%s no url, which search engines require (give a base url)",
			json_array_size(reviews),
			json_array_size(reviews) == 1 ? " has" : "s have");
	*out = reviews;
	reviews = NULL;
done:
	json_decref(reviews);
	ct__export_sel_free(&sel);
	return error;
}

/* ClaimReview.author / itemReviewed.author as the API's author: one name (several Persons
 * joined with ", "). */
static json_t *author_of(const json_t *who)
{
	ct_buf names = CT_BUF_INIT;
	json_t *out, *p;
	size_t i;

	if (json_is_object(who))
		return json_pack("{s:O}", "name", json_object_get(who, "name"));
	json_array_foreach (who, i, p)
		if (ct_buf_printf(&names, "%s%s", i ? ", " : "",
			    json_string_value(json_object_get(p, "name"))) < 0) {
			ct_buf_free(&names);
			return NULL;
		}
	out = json_pack("{s:s}", "name", names.ptr ? names.ptr : "");
	ct_buf_free(&names);
	return out;
}

/* One ClaimReview as the API's ClaimReviewMarkupPage. */
static json_t *markup_page(const json_t *review)
{
	const json_t *item = json_object_get(review, "itemReviewed");
	const json_t *rating = json_object_get(review, "reviewRating");
	const json_t *appearance = json_object_get(item, "appearance");
	json_t *page = NULL, *markup = NULL, *r = NULL;
	const char *k;
	size_t i;
	static const char *const numbers[] = {"ratingValue", "bestRating", "worstRating"};

	r = json_pack("{s:O}", "textualRating", json_object_get(rating, "alternateName"));
	for (i = 0; r && i < sizeof(numbers) / sizeof(numbers[0]); i++)
		if ((k = numbers[i]) && json_object_get(rating, k))
			json_object_set(r, k, json_object_get(rating, k));
	if (r && json_object_get(rating, "ratingExplanation"))
		json_object_set(
			r, "ratingExplanation", json_object_get(rating, "ratingExplanation"));
	markup = json_pack("{s:O, s:o, s:o}", "claimReviewed",
		json_object_get(review, "claimReviewed"), "claimAuthor",
		author_of(json_object_get(item, "author")), "rating", r);
	r = NULL;
	if (!markup)
		goto done;
	if (json_object_get(item, "datePublished"))
		json_object_set(markup, "claimDate", json_object_get(item, "datePublished"));
	if (json_object_get(appearance, "url"))
		json_object_set_new(markup, "claimAppearances",
			json_pack("[O]", json_object_get(appearance, "url")));
	if (json_object_get(review, "url"))
		json_object_set(markup, "url", json_object_get(review, "url"));
	page = json_pack("{s:O, s:o, s:[O]}", "publishDate",
		json_object_get(review, "datePublished"), "claimReviewAuthor",
		author_of(json_object_get(review, "author")), "claimReviewMarkups", markup);
	if (page && json_object_get(review, "url"))
		json_object_set(page, "pageUrl", json_object_get(review, "url"));
done:
	json_decref(markup);
	json_decref(r);
	return page;
}

int ct_export_markup_pages(json_t **out, ct_store *store, const ct_export_opts *opts)
{
	json_t *reviews = NULL, *pages = NULL, *review;
	size_t i;
	int error;

	*out = NULL;
	if ((error = ct_export_claimreview(&reviews, store, opts)) < 0)
		return error;
	if (!(pages = json_array())) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (reviews, i, review) {
		if (json_array_append_new(pages, markup_page(review)) < 0) {
			error = ct__oom();
			goto done;
		}
	}
	*out = pages;
	pages = NULL;
done:
	json_decref(pages);
	json_decref(reviews);
	return error;
}
