/* Internal to the library: record.c's labels for messages and the bytes a signature covers. */
#ifndef CT_RECORD_INTERNAL_H
#define CT_RECORD_INTERNAL_H

#include "claimtrail/record.h"

/* Longest label ct__record_label writes, with its NUL. */
#define CT_LABEL_MAX 96

/* Appends PAE(ct_kind_payload_type(kind of record), ct_record_body(record)) to out: the exact
 * bytes every signature on record covers. */
int ct__record_signing_input(ct_buf *out, const json_t *record);

/* Writes "<kind> <id>" (e.g. "claim iskp-foreign-fighters-6000") for error messages. */
void ct__record_label(char out[CT_LABEL_MAX], const json_t *record);

#endif
