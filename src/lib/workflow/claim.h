/* Internal to the library: building a claim record (claim.c), for claim_import.c. */
#ifndef CT_CLAIM_H
#define CT_CLAIM_H

#include "store_internal.h"

/* Builds a new claim record from the user's fields (the id given or derived). */
int ct__claim_from_fields(json_t **out, char *id_out, size_t id_size, ct_store *store,
	const json_t *fields, const ct_write_opts *opts, json_t *cache);

/* retract: CT__REVISE_MERGE writes the revision that merges a conflicted claim's heads. */
#define CT__REVISE_MERGE 2

/* Writes a revision of claim id in txn: changes applied (or, retract, a retraction), checked as
 * claim revise checks them; subject: set the commit's subject. *out receives the record. */
int ct__claim_revise_in(json_t **out, ct_txn *txn, ct_store *store, const char *id,
	const json_t *changes, int retract, int subject, const ct_write_opts *opts);

#endif
