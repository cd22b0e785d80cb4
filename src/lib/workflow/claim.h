/* Internal to the library: building a claim record (claim.c), for claim_import.c. */
#ifndef CT_CLAIM_H
#define CT_CLAIM_H

#include "store_internal.h"

/* Builds a new claim record from the user's fields (the id given or derived). */
int ct__claim_from_fields(json_t **out, char *id_out, size_t id_size, ct_store *store,
	const json_t *fields, const ct_write_opts *opts, json_t *cache);

#endif
