/* Internal to the library: a signing key's members (key.c), for key_file.c to fill. */
#ifndef CT_KEY_INTERNAL_H
#define CT_KEY_INTERNAL_H

#include "claimtrail/key.h"

#include <sodium.h>

struct ct_key {
	uint8_t *sk; /* sodium_malloc: crypto_sign_SECRETKEYBYTES (seed || public key); NULL for
		      * a key held by ssh-agent */
	char *agent; /* the ssh-agent socket that signs for a key without sk, else NULL */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	char id[CT_KEY_ID_LEN + 1];
	json_t *record;
};

/* A new key with its secret key memory allocated (sodium_malloc) and nothing else set. */
int ct__key_alloc(ct_key **out);

/* Builds key's self-signed public key record (name, org may be NULL) into key->record. */
int ct__key_record_make(ct_key *key, const char *name, const char *org);

/* Signs msg with the Ed25519 key pk held by the ssh-agent at sock (ssh_agent.c), and checks the
 * agent's signature with libsodium before handing it out. */
int ct__agent_sign(uint8_t sig[64], const char *sock, const uint8_t pk[32], const char *key_id,
	const uint8_t *msg, size_t len);

#endif
