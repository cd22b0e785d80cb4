/*
 * schema.org ClaimReview (JSON-LD) for a claim's current verdict, so that a fact check recorded
 * in claimtrail can be published in the markup search engines and fact-check aggregators read.
 * The mapping from the verdict scale to reviewRating is in status.c; docs/workflow.md explains
 * every property.
 */
#include "claimtrail/record.h"
#include "claimtrail/status.h"
#include "claimtrail/store.h"
#include "claimtrail/workflow.h"
#include "store_internal.h" /* ct__require_verified */
#include "utf8.h"

#include <string.h>

/* A Person or an Organization named by a key record: its org when it has one, else its name. */
static json_t *reviewer(const json_t *key, const char *key_id)
{
	const char *name = json_string_value(json_object_get(key, "name"));
	const char *org = json_string_value(json_object_get(key, "org"));

	if (org)
		return json_pack("{s:s, s:s}", "@type", "Organization", "name", org);
	return json_pack("{s:s, s:s}", "@type", "Person", "name", name ? name : key_id);
}

/* Who made the claim, as the source says: its authors (Persons), else its publisher. */
static json_t *claim_author(const json_t *source)
{
	const json_t *authors = json_object_get(source, "authors");
	json_t *out, *a;
	size_t i;

	if (json_array_size(authors) == 1)
		return json_pack("{s:s, s:s}", "@type", "Person", "name",
			json_string_value(json_array_get(authors, 0)));
	if (json_array_size(authors) > 1) {
		out = json_array();
		json_array_foreach (authors, i, a)
			json_array_append_new(out,
				json_pack("{s:s, s:s}", "@type", "Person", "name",
					json_string_value(a)));
		return out;
	}
	return json_pack("{s:s, s:s}", "@type", "Organization", "name",
		json_string_value(json_object_get(source, "publisher")));
}

/* The first link of the claim's chain with role (the attribution, whose role is "reported-by"
 * unless it says otherwise, then "sources"), or the attribution when none has it. */
static const json_t *link_with_role(const json_t *claim, const char *role)
{
	const json_t *attr = json_object_get(claim, "attribution");
	const char *arole = json_string_value(json_object_get(attr, "role"));
	json_t *link;
	size_t i;

	if (strcmp(arole ? arole : "reported-by", role) == 0)
		return attr;
	json_array_foreach (json_object_get(claim, "sources"), i, link)
		if (strcmp(json_string_value(json_object_get(link, "role")), role) == 0)
			return link;
	return attr;
}

/* The source revision a link of the claim cites (its source_revision), or the source's latest
 * when the link names no revision. */
static int cited_source(json_t **out, ct_store *store, const json_t *attr, const char *claim_id)
{
	const char *id = json_string_value(json_object_get(attr, "source"));
	const char *cited = json_string_value(json_object_get(attr, "source_revision"));
	char digest[CT_DIGEST_LEN + 1];
	json_t *revs = NULL, *r;
	size_t i;
	int error;

	*out = NULL;
	if (!cited)
		return ct_store_get(out, store, CT_KIND_SOURCE, id, 0);
	if ((error = ct_store_revisions(&revs, store, CT_KIND_SOURCE, id)) < 0)
		return error;
	json_array_foreach (revs, i, r) {
		if ((error = ct_record_digest(digest, r)) < 0)
			goto done;
		if (strcmp(digest, cited) == 0) {
			*out = json_incref(r);
			goto done;
		}
	}
	error = ct_error_set(CT_ENOTFOUND,
		"claim %s cites revision %s of source %s, which is not in the store", claim_id,
		cited, id);
done:
	json_decref(revs);
	return error;
}

int ct_claim_review(json_t **out, ct_store *store, const char *claim_id, const char *url)
{
	ct_keyring *ring = NULL;
	json_t *claim = NULL, *annotations = NULL, *source = NULL, *key = NULL, *review = NULL;
	json_t *said_by = NULL;
	json_t *item = NULL, *rating = NULL, *appearance = NULL;
	const json_t *verdict = NULL;
	json_t *same = NULL;
	const ct_verdict *v;
	ct_buf why = CT_BUF_INIT;
	char date[11];
	const char *signer = NULL, *note;
	int error;

	*out = NULL;
	/* jansson refuses invalid UTF-8 with a NULL: the url was once dropped silently */
	if (url && (error = ct__utf8_check(url, strlen(url), "the review's url")) < 0)
		return error;
	/* a review published from an unverified claim or verdict would present it as signed */
	if ((error = ct_store_get(&claim, store, CT_KIND_CLAIM, claim_id, 0)) < 0 ||
		(error = ct__require_verified(store, claim)) < 0 ||
		(error = ct_store_annotations(&annotations, store, claim_id)) < 0 ||
		(error = ct_store_keyring(&ring, store)) < 0 ||
		/* the verdict that stands among the annotations that verify, as show derives it */
		(error = ct__drop_unverified(annotations, store, ring)) < 0 ||
		(error = ct_store_claim_same(&same, store, claim)) < 0 ||
		(error = ct_claim_current_verdict_same(&verdict, &why, claim, annotations, same)) <
			0)
		goto done;
	if (!verdict) {
		error = ct_error_set(CT_ENOTFOUND,
			"claim %s has no verdict on its current revision that stands: %s; "
			"no current review",
			claim_id, why.ptr ? why.ptr : "no verdict");
		goto done;
	}
	v = ct_verdict_find(json_string_value(json_object_get(verdict, "verdict")));
	if (!v) {
		error = ct_error_set(CT_EINVALID, "claim %s: verdict %s is not on the scale",
			claim_id, ct_record_id(verdict));
		goto done;
	}
	/* where the claim was read (the appearance) and who said it (itemReviewed.author) */
	if ((error = cited_source(&source, store, link_with_role(claim, "reported-by"), claim_id)) <
			0 ||
		(error = cited_source(
			 &said_by, store, link_with_role(claim, "said-by"), claim_id)) < 0)
		goto done;
	signer = json_string_value(json_object_get(
		json_array_get(json_object_get(verdict, "signatures"), 0), "key_id"));
	if (signer && ct_store_get(&key, store, CT_KIND_KEY, signer, 0) < 0)
		ct_error_clear();
	memcpy(date, json_string_value(json_object_get(verdict, "created")), 10);
	date[10] = '\0';

	/* Off-scale verdicts (misleading, unverifiable) have no number: only their name. */
	rating = json_pack("{s:s, s:s}", "@type", "Rating", "alternateName", v->alternate);
	if (v->rating > 0) {
		json_object_set_new(rating, "ratingValue", json_integer(v->rating));
		json_object_set_new(rating, "bestRating", json_integer(CT_RATING_BEST));
		json_object_set_new(rating, "worstRating", json_integer(CT_RATING_WORST));
	}
	if ((note = json_string_value(json_object_get(verdict, "note"))))
		json_object_set_new(rating, "ratingExplanation", json_string(note));

	appearance = json_pack("{s:s, s:s, s:{s:s, s:s}}", "@type", "CreativeWork", "name",
		json_string_value(json_object_get(source, "title")), "publisher", "@type",
		"Organization", "name", json_string_value(json_object_get(source, "publisher")));
	if (json_object_get(source, "url"))
		json_object_set(appearance, "url", json_object_get(source, "url"));
	if (json_object_get(source, "published"))
		json_object_set(appearance, "datePublished", json_object_get(source, "published"));

	item = json_pack("{s:s, s:o, s:o}", "@type", "Claim", "author", claim_author(said_by),
		"appearance", appearance);
	appearance = NULL;
	if (json_object_get(source, "published"))
		json_object_set(item, "datePublished", json_object_get(source, "published"));

	review = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "@context", "https://schema.org",
		"@type", "ClaimReview", "claimReviewed",
		json_string_value(json_object_get(claim, "statement")), "datePublished", date,
		"reviewRating", rating, "itemReviewed", item, "author",
		reviewer(key, signer ? signer : "unknown"));
	rating = NULL;
	item = NULL;
	if (!review) {
		error = ct__oom();
		goto done;
	}
	if (url)
		json_object_set_new(review, "url", json_string(url));
	*out = review;
	review = NULL;
done:
	ct_keyring_free(ring);
	json_decref(same);
	ct_buf_free(&why);
	json_decref(review);
	json_decref(rating);
	json_decref(item);
	json_decref(appearance);
	json_decref(key);
	json_decref(source);
	json_decref(said_by);
	json_decref(annotations);
	json_decref(claim);
	return error;
}
