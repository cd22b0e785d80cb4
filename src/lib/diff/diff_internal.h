/*
 * The diff module's internals (src/lib/diff): the word diff of two texts (diff_text.c) and RFC
 * 6902 JSON Patch with RFC 6901 pointers (diff_json.c), which the record diff (diff_record.c)
 * builds on, and the small helpers the four files share. Not part of the API: the public part of
 * the module is include/claimtrail/diff.h. Formats: docs/diff.md.
 */
#ifndef CT_DIFF_INTERNAL_H
#define CT_DIFF_INTERNAL_H

#include "claimtrail/diff.h"
#include "error.h"

/* ---- helpers shared by the diff files ---- */

/* Sets obj[key] to value (stolen; NULL stores JSON null). */
static inline int jset(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		value = json_null();
	if (json_object_set_new(obj, key, value) < 0)
		return ct__oom();
	return 0;
}

static inline int jappend(json_t *arr, json_t *value)
{
	if (!value || json_array_append_new(arr, value) < 0)
		return ct__oom();
	return 0;
}

/* ---- word diff (diff_text.c) ---- */

typedef enum {
	CT__DIFF_EQUAL = 0,
	CT__DIFF_DELETE,
	CT__DIFF_INSERT,
} ct__diff_op;

/* "equal", "delete", "insert". */
const char *ct__diff_op_name(ct__diff_op op);

/* One run of text that is the same in both texts, only in the old one, or only in the new. */
typedef struct {
	ct__diff_op op;
	const char *text; /* NUL-terminated, owned by the diff */
	size_t len;
} ct__diff_hunk;

/* How finely a text diff compared its texts (see ct__text_diff_new). */
typedef enum {
	CT__DIFF_WORDS = 0, /* words, whitespace runs and punctuation */
	CT__DIFF_LINES,	    /* whole lines: the texts were too long for a word diff */
	CT__DIFF_WHOLE,	    /* the changed middle as one deletion and one insertion */
} ct__diff_granularity;

typedef struct ct__text_diff ct__text_diff;

/*
 * Diffs two UTF-8 texts word by word: each text is cut into tokens (a word: letters, digits and
 * any non-ASCII character outside Unicode's spaces and general punctuation, with "6,000",
 * "2.5" and "Taliban's" kept whole; a run of whitespace; one punctuation character), and the
 * longest common subsequence of tokens is kept. Deletions come before insertions in a changed
 * stretch, and whitespace between two changed words joins the change, so that concatenating the
 * equal and delete hunks gives a, and the equal and insert hunks gives b.
 *
 * Memory is bounded: after trimming the common start and end, when the rest would need more
 * than CT__DIFF_MAX_CELLS comparison cells, lines are compared instead, and when even that is
 * too many, the changed middle is reported as one deletion and one insertion (see
 * ct__text_diff_granularity). Bytes that are not valid UTF-8 are treated as word characters.
 * *out belongs to the caller (ct__text_diff_free).
 */
#define CT__DIFF_MAX_CELLS ((size_t)4 * 1024 * 1024)
int ct__text_diff_new(ct__text_diff **out, const char *a, size_t alen, const char *b, size_t blen);
size_t ct__text_diff_count(const ct__text_diff *diff);
const ct__diff_hunk *ct__text_diff_get(const ct__text_diff *diff, size_t i);
ct__diff_granularity ct__text_diff_granularity(const ct__text_diff *diff);
/* 1 when the texts differ. */
int ct__text_diff_changed(const ct__text_diff *diff);
void ct__text_diff_free(ct__text_diff *diff);

/* The hunks as a new JSON array of {"op": "equal"|"delete"|"insert", "text": "..."}. */
int ct__text_diff_json(json_t **out, const ct__text_diff *diff);

/* ---- JSON Patch (RFC 6902) and JSON Pointer (RFC 6901) (diff_json.c) ---- */

/*
 * A JSON Patch that turns a into b exactly: a new JSON array of operations ("add", "remove",
 * "replace"), paths escaped as RFC 6901 says ("~" as "~0", "/" as "~1"). Objects are diffed
 * member by member (removals, then changes, then additions, each in key order); arrays keep
 * their common start and end and diff the rest position by position; anything else that
 * differs is replaced whole. Equal documents give an empty array.
 */
int ct__json_patch_diff(json_t **out, const json_t *a, const json_t *b);

/*
 * Applies an RFC 6902 patch (add, remove, replace, move, copy, test) to a copy of doc. *out is
 * a new reference; doc is not changed. The whole patch applies or nothing does: CT_EINVALID
 * names the first operation that failed and why.
 */
int ct__json_patch_apply(json_t **out, const json_t *doc, const json_t *patch);

/* Appends "/" and the RFC 6901 escaped form of token to a JSON Pointer. */
int ct__json_pointer_append(ct_buf *pointer, const char *token);

#endif
