/*
 * The fact-checking workflow: annotations on a claim (verdicts, notes, disputes, resolutions),
 * an editor's sign-off, quotes re-checked against their sources, sentences worth checking in
 * an article, and schema.org ClaimReview output. Rules and formats: docs/workflow.md.
 */
#ifndef CLAIMTRAIL_WORKFLOW_H
#define CLAIMTRAIL_WORKFLOW_H

#include <jansson.h>
#include "common.h"
#include "key.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- annotations ---- */

/* Annotation ids (CT_ANNOTATION_HASH_LEN, ct_annotation_id) are in record.h. */

/* What ct_claim_annotate records: a verdict (a name on the scale), a note, or both, with
 * evidence source ids (each must be in the store). */
typedef struct {
	const char *verdict;
	const char *note;
	const char *const *evidence;
	size_t evidence_count;
} ct_annotate_fields;

#define CT_ANNOTATE_FIELDS_INIT \
	{ \
		NULL, NULL, NULL, 0 \
	}

/*
 * Records a verdict (kind "verdict", with the note if any) or a note alone (kind "note") on
 * the claim's current revision, as one commit. An unknown claim is CT_ENOTFOUND; an unknown
 * verdict is CT_EINVALID with the scale in the message; a missing evidence source is
 * CT_ENOTFOUND. Nothing is written on error. *out_record (may be NULL) receives the signed
 * annotation; its id is ct_record_id(*out_record).
 */
int ct_claim_annotate(json_t **out_record, ct_store *store, const char *claim_id,
	const ct_annotate_fields *fields, const ct_write_opts *opts);

/* Records that `by` disputes the claim for `reason`, optionally citing source_id (which must
 * exist), as one commit. The dispute stays open until resolved. */
int ct_claim_dispute(json_t **out_record, ct_store *store, const char *claim_id, const char *by,
	const char *reason, const char *source_id, const ct_write_opts *opts);

/*
 * Closes the open dispute dispute_id of the claim with outcome "upheld" (the dispute was right)
 * or "rejected" (the claim stands), and a note saying why (required). A dispute that does not
 * exist on that claim is CT_ENOTFOUND; one already resolved is CT_EEXISTS.
 */
int ct_claim_resolve(json_t **out_record, ct_store *store, const char *claim_id,
	const char *dispute_id, const char *outcome, const char *note, const ct_write_opts *opts);

/*
 * Adds opts->signer's signature to the claim's current revision file: the revision and its
 * digest do not change. The existing signatures must verify against the store's keys
 * (CT_EBADSIG otherwise); a signer who already signed is CT_EEXISTS. One commit whose subject
 * says who signed off. *out_record (may be NULL) receives the revision with its signatures.
 */
int ct_claim_sign_off(
	json_t **out_record, ct_store *store, const char *claim_id, const ct_write_opts *opts);

/* The number of distinct signers a claim's current revision needs: store.json's
 * "sign_off_threshold" (2 when absent, as `init` writes it). */
size_t ct_store_sign_off_threshold(const ct_store *store);

/* Counts the distinct trusted, unrevoked keys in trust whose signature on record verifies. */
size_t ct_record_signer_count(const json_t *record, const ct_keyring *trust);

/* ---- anchors ---- */

typedef enum {
	CT_ANCHOR_OK = 0,   /* the quote is where the selector says, in the newest text */
	CT_ANCHOR_MOVED,    /* found in the newest source text, at other offsets */
	CT_ANCHOR_ORPHANED, /* not found in the newest source text */
	CT_ANCHOR_BROKEN,   /* the selector does not match the text of the revision it cites */
	CT_ANCHOR_NO_TEXT,  /* the source has no stored text: nothing to check */
	CT_ANCHOR_NO_QUOTE, /* the claim has no quote */
} ct_anchor_state;

/* "ok", "moved", "orphaned", "broken", "no-text", "no-quote". */
const char *ct_anchor_state_name(ct_anchor_state state);

typedef struct {
	ct_anchor_state state;
	ct_revision cited_revision;    /* the source revision the claim cites (0: unknown) */
	ct_revision newest_revision;   /* the source's newest revision */
	json_int_t start, end;	       /* the recorded selector (code points), -1 when none */
	json_int_t new_start, new_end; /* moved/ok: where the quote is in the newest text */
	char *new_exact;	       /* moved/ok: the exact span there (malloc'd) */
} ct_anchor_report;

#define CT_ANCHOR_REPORT_INIT \
	{ \
		CT_ANCHOR_NO_QUOTE, 0, 0, -1, -1, -1, -1, NULL \
	}

/* Re-checks the quote of claim (its latest revision, as read from store) against the text of
 * the source revision it cites and against the source's newest text. */
int ct_anchor_check(ct_anchor_report *out, ct_store *store, const json_t *claim);

/* The same, for sources whose text the store does not keep: copy stands for the text of any
 * revision whose "archive" sha256 it matches (other revisions count as having no text). */
int ct_anchor_check_text(ct_anchor_report *out, ct_store *store, const json_t *claim,
	const uint8_t *copy, size_t copy_len);
void ct_anchor_report_free(ct_anchor_report *report);

/*
 * Re-anchors a claim whose quote moved: a new claim revision citing the source's newest
 * revision, with the selector found there (the occurrence whose context best matches the old
 * prefix and suffix). opts->reason may be NULL: a reason naming the move is made up. An
 * orphaned quote is CT_EINVALID (a person must revise the quote); a quote that did not move is
 * CT_EEXISTS.
 */
int ct_anchor_relocate(
	json_t **out_record, ct_store *store, const char *claim_id, const ct_write_opts *opts);

/*
 * The same for n claims in one commit ("anchor relocate N claims"): every one must have moved,
 * else nothing is written. *out_records receives a new array of the new revisions, in order.
 */
int ct_anchor_relocate_all(json_t **out_records, ct_store *store, const char *const *claim_ids,
	size_t n, const ct_write_opts *opts);

/* ---- suggestions ---- */

/*
 * Splits text (UTF-8) into sentences and returns those worth checking, as a new JSON array of
 * {"start", "end", "text", "reasons": [{"kind", "match"}], "quote": {"start", "end", "text"}}
 * with offsets in code points; *sentences (may be NULL) receives the number of sentences of
 * prose seen. Text that is not UTF-8 is CT_EINVALID. Heuristics: docs/workflow.md,
 * "Suggestions".
 */
int ct_suggest(json_t **out, size_t *sentences, const char *text, size_t len);

/* ---- attribution chains, review flags, comparing figures (docs/workflow.md) ---- */

/*
 * The attribution chain of claim as a new array of {"role", "source", "source_revision",
 * "quote", "location", "title", "publisher", "authors", "published"} (members absent when the
 * claim or source has none): the "said-by" links first, then "reported-by", "cited-by",
 * "recorded-by"; within a role the attribution before the links of "sources". The attribution's
 * role is "reported-by" unless it says otherwise.
 */
int ct_claim_chain(json_t **out, ct_store *store, const json_t *claim);

/*
 * Why claim (a revision read from store) needs review, as a new array of one-line reasons,
 * empty when it needs none: a source of its chain retracted, or revised since the claim cited it
 * (its "source_revision" is not the source's latest), or a claim it depends on ("depends_on")
 * retracted or refuted. A retracted claim needs none.
 */
int ct_claim_review_flags(json_t **out, ct_store *store, const json_t *claim);

/* Every claim of the store that needs review: a new object, claim id -> its reasons. */
int ct_store_needs_review(json_t **out, ct_store *store);

/*
 * ct_store_check, then, when it found nothing, *review as ct_store_needs_review gives it, from
 * the claims the check read (each claim's latest revision is read and parsed once, not twice).
 * When the check finds problems it returns CT_EBADSIG as ct_store_check does and *review is
 * NULL.
 */
int ct_store_check_review(size_t *findings, json_t **review, ct_store *store,
	const ct_check_opts *opts, ct_finding_fn fn, void *payload);

/* What ct_compare lines up: the claims named (ids, nids) and those they link as the same
 * quantity; else every claim with a quantity, of unit and tagged tag when those are given. */
#define CT_COMPARE_OPTS_VERSION 1
typedef struct {
	int version;
	const char *unit;	/* may be NULL */
	const char *tag;	/* may be NULL */
	const char *const *ids; /* may be NULL */
	size_t nids;
} ct_compare_opts;
#define CT_COMPARE_OPTS_INIT \
	{ \
		CT_COMPARE_OPTS_VERSION, NULL, NULL, NULL, 0 \
	}

/*
 * Lines up the figures of claims about one quantity (docs/workflow.md, "Comparing figures"):
 * *out is a new {"groups": [{"claims": [{"id", "quantity", "from", "to", "hedges", "date",
 * "chain"}], "disagree": [{"a", "b"}]}]}, one group per unit (claims linked by "same_quantity"
 * join the group of the claim naming them; named claims make one group). "from" and "to" are the
 * interval the quantity states (absent: unbounded); two claims disagree when their intervals do
 * not meet. Retracted claims are left out of a search, not when named. A named claim without a
 * quantity is CT_EINVALID.
 */
int ct_compare(json_t **out, ct_store *store, const ct_compare_opts *opts);

/* ---- ClaimReview ---- */

/*
 * A schema.org ClaimReview (JSON-LD) for the verdict that stands on the claim's current revision
 * (ct_claim_current_verdict): claimReviewed, reviewRating, itemReviewed (a Claim with the author
 * and appearance of the source revision the claim cites), author (the verdict's signer),
 * datePublished. url (may be NULL) is the review page. No verdict that stands is CT_ENOTFOUND,
 * with a message saying why. *out is a new reference.
 */
int ct_claim_review(json_t **out, ct_store *store, const char *claim_id, const char *url);

/* What became of one item of a ClaimReview import. Strings are borrowed for the callback. */
typedef struct {
	size_t index;		   /* its 1-based position in the input (an array or @graph) */
	const char *problem;	   /* why it cannot be mapped, or NULL */
	const char *claim;	   /* mapped: the claim written */
	const char *verdict;	   /* its verdict on the scale */
	const char *source;	   /* the source the claim is attributed to */
	const char *review_source; /* the source recording the review and its url (evidence) */
	const char *annotation;	   /* the verdict's id */
	const json_t *dropped;	   /* the review's properties not kept: an array of names */
} ct_claimreview_item;

typedef void (*ct_claimreview_item_fn)(const ct_claimreview_item *item, void *payload);

/*
 * Imports the schema.org ClaimReview JSON-LD in the file at path ("-": standard input): one
 * object, an array, or an object with @graph (its nodes that are not ClaimReview are passed
 * over). Each review becomes a source where the claim appeared (reused when one with the same
 * url is there), a source for the review (its url kept as evidence), a claim and a verdict,
 * signed by opts->signer, all in one commit. fn (may be NULL) is told what became of every
 * item, in input order. An item that cannot be mapped makes the whole import CT_EINVALID with
 * nothing written, unless skip_unmapped (then the others are written and it is reported).
 * *count receives the number of claims written. Mapping: docs/export.md.
 */
int ct_claim_review_import(size_t *count, ct_store *store, const char *path, int skip_unmapped,
	const ct_write_opts *opts, ct_claimreview_item_fn fn, void *payload);

#ifdef __cplusplus
}
#endif

#endif
