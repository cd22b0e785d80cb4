/* Internal to the library: checking one signature with a raw public key (sign.c). */
#ifndef CT_SIGNING_H
#define CT_SIGNING_H

#include <stddef.h>
#include <stdint.h>

/* Verifies one Ed25519 signature with a raw public key: 0 or CT_EBADSIG (no message set). */
int ct__signature_verify(
	const uint8_t public_key[32], const uint8_t sig[64], const uint8_t *msg, size_t len);

#endif
