/*
 * Diffs: a field-by-field diff of two revisions of a claim or a source (with word diffs of its
 * texts and an RFC 6902 JSON Patch), and a diff of a whole store between two git revisions.
 * Output formats are specified in docs/diff.md. The word diff and JSON Patch themselves are the
 * library's own (src/lib/diff/diff_internal.h).
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
