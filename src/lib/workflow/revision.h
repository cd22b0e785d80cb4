/* Internal to the library: writing a new revision of a source or claim (revision.c), shared by
 * source.c, claim.c and claim_import.c. */
#ifndef CT_REVISION_H
#define CT_REVISION_H

#include "store_internal.h"

/* Fills the managed members of a new revision and checks its schema (before signing). */
int ct__revision_prepare(json_t *record, ct_kind kind, const char *id, json_int_t revision,
	const char *prev, const ct_write_opts *opts);

/* Fills the managed members of a new revision, signs it, and puts it and its trailers. */
int ct__revision_finish(json_t *record, ct_txn *txn, ct_store *store, ct_kind kind, const char *id,
	json_int_t revision, const char *prev, const ct_write_opts *opts);

/* Applies changes to a copy of record: members set, null removes; the objects "attribution"
 * and "quantity" are merged member by member. */
int ct__revision_apply_changes(json_t *record, const json_t *changes, const char *what);

/* Checks the members a caller gave for a new record. */
int ct__revision_check_fields(const json_t *fields, const char *what);

/* Checks that opts names a signer, and a reason when reason_required. */
int ct__revision_check_opts(const ct_write_opts *opts, int reason_required, const char *what);

/* Checks the options, runs build as one store write, and hands the record it made (in
 * *result, which the job owns until then) to the caller. */
int ct__revision_write(json_t **out_record, ct_store *store, const ct_write_opts *opts,
	int reason_required, const char *what, ct_txn_build_fn build, void *job, json_t **result);

/*
 * A claim or source (kind) whose revisions forked (two clones revised it concurrently,
 * docs/sync.md) has several heads. A plain revision is refused (CT_ECONFLICT, naming the way
 * out); a merge (merge set) builds on the head of the highest number (of those, the lowest
 * digest: *prev, *digest and *n are replaced) and names every head as prev: their digests in
 * ascending order, separated by commas, in *prevs. A merge of a record that did not fork is
 * refused too. With one head, nothing is changed.
 */
int ct__revision_heads_merge(ct_buf *prevs, json_t **prev, char *digest, json_int_t *n,
	ct_store *store, ct_kind kind, const char *id, int merge);

/* Whether two revisions say the same thing (ignoring what every revision changes). */
int ct__revision_same_content(const json_t *a, const json_t *b);

#endif
