/* Internal to the library: Ed25519 verification for a key that checks many signatures.
 *
 * libsodium's crypto_sign_verify_detached decodes the public key and runs a 253-step double
 * scalar multiplication for every signature. A verifier that checks thousands of signatures by
 * the same few keys (a bundle) can do better: with a table of multiples of the key, built once,
 * and one of the base point, [S]B - [k]A costs about 128 point additions and 4 doublings.
 *
 * The answer is always libsodium's: the fast path accepts a signature only when it reproduces
 * libsodium's whole check (S < L; A valid; R not of small order; the encoding of [S]B - [k]A,
 * k = SHA-512(R || A || M) mod L, equal to R byte for byte), and anything it does not accept is
 * handed to crypto_sign_verify_detached, whose verdict stands. A key gets a table only when
 * both the fast path's own checks (ct__ed25519_key_check) and
 * crypto_core_ed25519_is_valid_point accept it; any other key is always checked by libsodium.
 *
 * This is new curve arithmetic, so it is a build option, off by default: only a build
 * configured with -Ded25519_tables=true (which defines CT_ED25519_TABLES) compiles ed25519.c
 * and uses it; in the default build every signature check is crypto_sign_verify_detached's. */
#ifndef CT_ED25519_H
#define CT_ED25519_H

#include <stddef.h>
#include <stdint.h>

typedef struct ct__ed25519_key ct__ed25519_key;

/* Builds the verifier for one 32-byte public key (about the cost of seven signature checks).
 * Returns NULL only when out of memory. The result is read-only: any number of threads may
 * verify with it at once. */
ct__ed25519_key *ct__ed25519_key_new(const uint8_t public_key[32]);
void ct__ed25519_key_free(ct__ed25519_key *key);

/* 0 when sig is a valid signature of msg by the key, -1 otherwise: always the same answer as
 * crypto_sign_verify_detached(sig, msg, len, public_key). */
int ct__ed25519_verify(
	const ct__ed25519_key *key, const uint8_t sig[64], const uint8_t *msg, size_t len);

/* The fast path alone, for tests and benchmarks: 1 when it accepts the signature (which then
 * is valid), 0 when it leaves the decision to libsodium. */
int ct__ed25519_fast_accepts(
	const ct__ed25519_key *key, const uint8_t sig[64], const uint8_t *msg, size_t len);

/* 1 when this build has the tables (it needs __int128: 64-bit targets), 0 when every check is
 * libsodium's alone. */
int ct__ed25519_tables_available(void);

/* The fast path's own checks of a public key, independent of libsodium's: 0 when it is the
 * canonical encoding of a point on the curve that is not of small order ([8]A != O), -1
 * otherwise (and always -1 in a build without the tables). */
int ct__ed25519_key_check(const uint8_t public_key[32]);

/* 1 when the key got a table (ct__ed25519_key_check and crypto_core_ed25519_is_valid_point
 * both accept it), 0 otherwise. */
int ct__ed25519_key_has_table(const ct__ed25519_key *key);

/* For tests: writes the encoding of [a]P for a scalar a < 2^253 (little-endian) using the
 * key's table (P = the key), or the base point's table when key is NULL. Returns -1 when the
 * key has no table or a >= 2^253. */
int ct__ed25519_table_mult(uint8_t out[32], const ct__ed25519_key *key, const uint8_t a[32]);

#endif
