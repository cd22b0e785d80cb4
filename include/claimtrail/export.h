/*
 * Exports: what the store holds, in formats other tools read. schema.org ClaimReview (JSON-LD)
 * and Google's Fact Check Tools ClaimReviewMarkupPage, W3C Web Annotations of the anchored
 * quotes, W3C PROV-JSON of who wrote and signed what, and a Graphviz graph of claims, sources
 * and disputes. Every format, member by member: docs/export.md.
 */
#ifndef CLAIMTRAIL_EXPORT_H
#define CLAIMTRAIL_EXPORT_H

#include <jansson.h>
#include "common.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which claims an export covers. */
typedef enum {
	CT_EXPORT_ALL = 0, /* every claim in the store */
	CT_EXPORT_IDS,	   /* the claims named in ids (whole ids), in that order */
	CT_EXPORT_TAG,	   /* the claims whose latest revision carries tag */
	CT_EXPORT_STATUS,  /* the claims whose derived status (as `list` shows it) is status */
} ct_export_select;

/* Called once per thing an export left out or could not say, one line ("claim x: ..."). */
typedef void (*ct_export_warn_fn)(const char *warning, void *payload);

#define CT_EXPORT_OPTS_VERSION 1
typedef struct {
	unsigned version; /* CT_EXPORT_OPTS_VERSION (CT_EXPORT_OPTS_INIT sets it) */
	ct_export_select select;
	const char *const *ids; /* CT_EXPORT_IDS */
	size_t nids;
	const char *tag;	/* CT_EXPORT_TAG */
	const char *status;	/* CT_EXPORT_STATUS */
	const char *base_url;	/* ClaimReview: each review's url is <base_url>/claim/<id>.html
				 (NULL: no url, and a warning) */
	ct_export_warn_fn warn; /* NULL, or told what was left out */
	void *warn_payload;
} ct_export_opts;

#define CT_EXPORT_OPTS_INIT \
	{ \
		CT_EXPORT_OPTS_VERSION, CT_EXPORT_ALL, NULL, 0, NULL, NULL, NULL, NULL, NULL \
	}

/*
 * A JSON array of schema.org ClaimReview objects (ct_claim_review), one per selected claim
 * whose current revision verifies and has a verdict that stands. Claims selected by tag, status
 * or all that have none are left out with a warning; a claim named in ids that has none is an
 * error (CT_ENOTFOUND, or CT_EBADSIG when it does not verify). *out is a new reference.
 */
int ct_export_claimreview(json_t **out, ct_store *store, const ct_export_opts *opts);

/*
 * The same reviews as Fact Check Tools API ClaimReviewMarkupPage objects: a JSON array of
 * {"pageUrl", "publishDate", "claimReviewAuthor", "claimReviewMarkups": [...]}, one page per
 * claim. *out is a new reference.
 */
int ct_export_markup_pages(json_t **out, ct_store *store, const ct_export_opts *opts);

/*
 * A W3C Web Annotation AnnotationCollection (JSON-LD) holding one Annotation per selected claim
 * whose current revision verifies and has an anchored quote (attribution.selector): the claim's
 * statement as its body, the cited source revision as its target with a TextQuoteSelector and a
 * TextPositionSelector. *out is a new reference.
 */
int ct_export_annotations(json_t **out, ct_store *store, const ct_export_opts *opts);

/*
 * A W3C PROV-JSON document of the selected claims: every revision of each claim, its
 * annotations, the source revisions they cite, the keys that signed them, and how they derive
 * from each other. Only records that verify (ct_store_verify_record) appear; the others are
 * left out with a warning, so every wasAttributedTo is a signature that verified. *out is a new
 * reference.
 */
int ct_export_prov(json_t **out, ct_store *store, const ct_export_opts *opts);

/*
 * A Graphviz DOT digraph of the selected claims, the sources they cite and their disputes,
 * appended to out.
 */
int ct_export_dot(ct_buf *out, ct_store *store, const ct_export_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
