/* Internal to the library: what key.c and sign.c share about signed records. */
#ifndef CT_SIGNING_H
#define CT_SIGNING_H

#include "claimtrail/key.h"
#include "claimtrail/record.h"

/* Longest label ct_record_label writes, with its NUL. */
#define CT_LABEL_MAX 96

/* Appends PAE(ct_kind_payload_type(kind of record), ct_record_body(record)) to out: the exact
 * bytes every signature on record covers. */
int ct_record_signing_input(ct_buf *out, const json_t *record);

/* Writes "<kind> <id>" (e.g. "claim iskp-foreign-fighters-6000") for error messages. */
void ct_record_label(char out[CT_LABEL_MAX], const json_t *record);

/* Verifies one Ed25519 signature with a raw public key: 0 or CT_EBADSIG (no message set). */
int ct_ed25519_verify(const uint8_t public_key[32], const uint8_t sig[64], const uint8_t *msg,
	size_t len);

/* For tests: how many of ring's keys have been given verification tables (key.c builds them
 * for a key once it has checked enough signatures with it); always 0 in the default build,
 * without -Ded25519_tables=true. */
size_t ct__keyring_tables(const ct_keyring *ring);

/* Decodes a base64 member value into exactly want bytes: 0 or CT_EINVALID (no message set). */
int ct_decode_exact(uint8_t *out, size_t want, const char *b64);

#endif
