/* A claim's status, derived from its revisions and annotations (never stored), and the
 * verdict scale fact-checkers rate claims on. Rules: docs/workflow.md. */
#ifndef CLAIMTRAIL_STATUS_H
#define CLAIMTRAIL_STATUS_H

#include <jansson.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One step of the rating scale, with its schema.org ClaimReview reviewRating: ratingValue
 * between worstRating 1 and bestRating 5, or 0 where the verdict is off the scale. */
typedef struct {
	const char *name;      /* "mostly-true" */
	int rating;	       /* ratingValue, 0 for off-scale verdicts */
	const char *alternate; /* alternateName: "Mostly true" */
	const char *status;    /* the claim status this verdict gives: "supported", ... */
} ct_verdict;

#define CT_RATING_BEST 5
#define CT_RATING_WORST 1

/* The verdict called name, or NULL. */
const ct_verdict *ct_verdict_find(const char *name);

/* The scale, in order from true to unverifiable; *count receives its length. */
const ct_verdict *ct_verdict_scale(size_t *count);

/*
 * Derives the status of claim (its latest revision) from its annotations (ct_store_annotations
 * order). *status is a static string: "retracted", "disputed", "supported", "refuted", "mixed",
 * "misleading", "unverifiable", "needs-review" (verdicts judge only older revisions, or a dispute
 * was upheld after the last verdict) or
 * "unreviewed". why (may be NULL) receives one line saying what the status rests on.
 */
int ct_claim_status(
	const char **status, ct_buf *why, const json_t *claim, const json_t *annotations);

/*
 * The same, where an annotation on any revision whose digest is in same (an array of digest
 * strings, or NULL) counts as one on the current revision: the revisions the current one only
 * re-anchored (ct_store_claim_same, docs/workflow.md "Re-anchoring keeps the verdicts").
 */
int ct_claim_status_same(const char **status, ct_buf *why, const json_t *claim,
	const json_t *annotations, const json_t *same);

/*
 * 1 when newer is the revision right after older (its prev is older's digest) and differs from it
 * only in what every revision changes (revision, prev, created, reason, signatures) and in
 * attribution.source_revision and attribution.selector, with a quote; else 0. Such a revision
 * only moved the quote: the same source, the same quoted words, every other member the same.
 */
int ct_claim_moves_quote_only(const json_t *newer, const json_t *older);

/*
 * The verdict that stands for claim's current revision (claim is the latest): the newest verdict
 * on that revision, unless that revision retracts the claim or a dispute was upheld on it no
 * earlier than the verdict (the status rules). An open dispute does not take a verdict down; an
 * upheld one does. *verdict receives it (borrowed from annotations) or NULL; when NULL, why (may
 * be NULL) receives one line saying why no verdict stands. Returns 0 either way, or an error.
 */
int ct_claim_current_verdict(
	const json_t **verdict, ct_buf *why, const json_t *claim, const json_t *annotations);

/* The same, counting annotations on the revisions in same as on the current one
 * (ct_claim_status_same). */
int ct_claim_current_verdict_same(const json_t **verdict, ct_buf *why, const json_t *claim,
	const json_t *annotations, const json_t *same);

#ifdef __cplusplus
}
#endif

#endif
