/*
 * Diffs: a word-level diff of two texts, a field-by-field diff of two revisions of a claim or a
 * source, RFC 6902 JSON Patch (generate and apply), and a diff of a whole store between two git
 * revisions. Output formats are specified in docs/diff.md.
 */
#ifndef CLAIMTRAIL_DIFF_H
#define CLAIMTRAIL_DIFF_H

#include <jansson.h>
#include "common.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- word diff ---- */

typedef enum {
	CT_DIFF_EQUAL = 0,
	CT_DIFF_DELETE,
	CT_DIFF_INSERT,
} ct_diff_op;

/* "equal", "delete", "insert". */
const char *ct_diff_op_name(ct_diff_op op);

/* One run of text that is the same in both texts, only in the old one, or only in the new. */
typedef struct {
	ct_diff_op op;
	const char *text; /* NUL-terminated, owned by the diff */
	size_t len;
} ct_diff_hunk;

/* How finely a text diff compared its texts (see ct_text_diff_new). */
typedef enum {
	CT_DIFF_WORDS = 0, /* words, whitespace runs and punctuation */
	CT_DIFF_LINES,     /* whole lines: the texts were too long for a word diff */
	CT_DIFF_WHOLE,     /* the changed middle as one deletion and one insertion */
} ct_diff_granularity;

typedef struct ct_text_diff ct_text_diff;

/*
 * Diffs two UTF-8 texts word by word: each text is cut into tokens (a word: letters, digits and
 * any non-ASCII character outside Unicode's spaces and general punctuation, with "6,000",
 * "2.5" and "Taliban's" kept whole; a run of whitespace; one punctuation character), and the
 * longest common subsequence of tokens is kept. Deletions come before insertions in a changed
 * stretch, and whitespace between two changed words joins the change, so that concatenating the
 * equal and delete hunks gives a, and the equal and insert hunks gives b.
 *
 * Memory is bounded: after trimming the common start and end, when the rest would need more
 * than CT_DIFF_MAX_CELLS comparison cells, lines are compared instead, and when even that is
 * too many, the changed middle is reported as one deletion and one insertion (see
 * ct_text_diff_granularity). Bytes that are not valid UTF-8 are treated as word characters.
 * *out belongs to the caller (ct_text_diff_free).
 */
#define CT_DIFF_MAX_CELLS ((size_t)4 * 1024 * 1024)
int ct_text_diff_new(ct_text_diff **out, const char *a, size_t alen, const char *b, size_t blen);
size_t ct_text_diff_count(const ct_text_diff *diff);
const ct_diff_hunk *ct_text_diff_get(const ct_text_diff *diff, size_t i);
ct_diff_granularity ct_text_diff_granularity(const ct_text_diff *diff);
/* 1 when the texts differ. */
int ct_text_diff_changed(const ct_text_diff *diff);
void ct_text_diff_free(ct_text_diff *diff);

/* The hunks as a new JSON array of {"op": "equal"|"delete"|"insert", "text": "..."}. A hunk
 * that is not valid UTF-8 (JSON cannot hold it) is CT_EINVALID. */
int ct_text_diff_json(json_t **out, const ct_text_diff *diff);

/* ---- JSON Patch (RFC 6902) and JSON Pointer (RFC 6901) ---- */

/*
 * A JSON Patch that turns a into b exactly: a new JSON array of operations ("add", "remove",
 * "replace"), paths escaped as RFC 6901 says ("~" as "~0", "/" as "~1"). Objects are diffed
 * member by member (removals, then changes, then additions, each in key order); arrays keep
 * their common start and end and diff the rest position by position; anything else that
 * differs is replaced whole. Equal documents give an empty array.
 */
int ct_json_patch_diff(json_t **out, const json_t *a, const json_t *b);

/*
 * Applies an RFC 6902 patch (add, remove, replace, move, copy, test) to a copy of doc. *out is
 * a new reference; doc is not changed. The whole patch applies or nothing does: CT_EINVALID
 * names the first operation that failed and why.
 */
int ct_json_patch_apply(json_t **out, const json_t *doc, const json_t *patch);

/* Appends "/" and the RFC 6901 escaped form of token to a JSON Pointer. */
int ct_json_pointer_append(ct_buf *pointer, const char *token);

/* ---- revision diffs ---- */

/*
 * What changed between two revisions a and b of one claim or source (both of the same kind and
 * id): a new JSON object
 *   {"type", "id", "a": SIDE, "b": SIDE, "changes": [CHANGE...], "patch": [RFC 6902 ops]}
 * with SIDE {"revision", "digest", "signers": [key ids], "created", "reason" (null when none),
 * "retracted"} and CHANGE {"field", "old", "new"} (null for a member that is absent), plus
 * "words": [hunks] for the text fields (statement, attribution.quote; a source's title).
 * Fields that did not change are left out. The patch turns a into b exactly, signatures and
 * all. See docs/diff.md for the list of fields.
 */
int ct_record_diff(json_t **out, const json_t *a, const json_t *b);

/*
 * ct_record_diff of two revisions of the claim or source id in the store, each given as
 * ct_store_resolve_revision takes it (a number, a digest prefix or a commit). rev_b NULL: the
 * latest revision; rev_a NULL: the revision before rev_b. Reads the two revision files only
 * (a digest prefix reads the revisions to find it). CT_ENOTFOUND for an unknown record or
 * revision, or when the default asks for the revision before revision 1.
 */
int ct_store_diff_revisions(json_t **out, ct_store *store, ct_kind kind, const char *id,
	const char *rev_a, const char *rev_b);

/* ---- store diffs ---- */

/*
 * What happened to the store between two git revisions (anything git rev-parse takes: a
 * commit, a tag, a branch, "HEAD~3"), from the trees' difference under the store folder; the
 * history in between is not walked. *out is a new object:
 *   {"from": commit, "to": commit, "changes": [ENTRY...], "counts": {NAME: n, ...}}
 * ENTRY {"kind", "id", "action", ...}; the actions and their members are listed in
 * docs/diff.md. CT_ENOTFOUND when a revision does not name a commit.
 */
int ct_store_diff(json_t **out, ct_store *store, const char *from, const char *to);

/* The counts of a store diff as one line of text: "3 claims added, 1 revised, ..." (or "no
 * changes"). */
int ct_store_diff_summary(ct_buf *out, const json_t *diff);

#ifdef __cplusplus
}
#endif

#endif
