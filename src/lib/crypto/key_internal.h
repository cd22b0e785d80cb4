/* Internal to the library: a signing key's members (key.c), for key_file.c to fill. */
#ifndef CT_KEY_INTERNAL_H
#define CT_KEY_INTERNAL_H

#include "claimtrail/key.h"

#include <sodium.h>

struct ct_key {
	uint8_t *sk; /* sodium_malloc: crypto_sign_SECRETKEYBYTES (seed || public key) */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	char id[CT_KEY_ID_LEN + 1];
	json_t *record;
};

/* A new key with its secret key memory allocated (sodium_malloc) and nothing else set. */
int ct__key_alloc(ct_key **out);

#endif
