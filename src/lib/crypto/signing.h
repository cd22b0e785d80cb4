/* Internal to the library: signature checking (sign.c) and keyring tables (key.c). */
#ifndef CT_SIGNING_H
#define CT_SIGNING_H

#include "claimtrail/key.h"
#include "claimtrail/record.h"

/* Verifies one Ed25519 signature with a raw public key: 0 or CT_EBADSIG (no message set). */
int ct__signature_verify(const uint8_t public_key[32], const uint8_t sig[64], const uint8_t *msg,
	size_t len);

/* For tests: how many of ring's keys have been given verification tables (key.c builds them
 * for a key once it has checked enough signatures with it); always 0 in the default build,
 * without -Ded25519_tables=true. */
size_t ct__keyring_tables(const ct_keyring *ring);

#endif
