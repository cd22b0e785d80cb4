/* Internal to the export module: the claims an export covers, and what its files share. */
#ifndef CT_EXPORT_INTERNAL_H
#define CT_EXPORT_INTERNAL_H

#include "claimtrail/export.h"
#include "claimtrail/key.h"
#include "store_internal.h"

/* The selected claims: their ids in output order, and what `list` shows of each. */
typedef struct {
	json_t *ids;	   /* array of claim ids */
	json_t *summaries; /* id -> {"status", "statement", "source", "tags", "verified"} */
	ct_keyring *ring;  /* the store's key records (ct_store_keyring) */
} ct__export_sel;

/* Checks opts and selects the claims it names; an id in opts->ids that is not a claim is
 * CT_ENOTFOUND. Free with ct__export_sel_free. */
int ct__export_select(ct__export_sel *out, ct_store *store, const ct_export_opts *opts);
void ct__export_sel_free(ct__export_sel *sel);

/* Tells opts->warn (if any) one line. */
void ct__export_warn(const ct_export_opts *opts, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The source revision claim cites (attribution.source_revision), else the source's latest: a
 * new reference. */
int ct__export_cited_source(json_t **out, ct_store *store, const json_t *claim);

/* The distinct key ids of record's signatures that verified: the record must verify
 * (ct_store_verify_record) and the key must be in ring. A new array. */
json_t *ct__export_signers(const json_t *record, const ct_keyring *ring);

#endif
