/* Internal to the library: keyring.c's bookkeeping (for tests) and signature memos. */
#ifndef CT_KEYRING_H
#define CT_KEYRING_H

#include "claimtrail/key.h"
#include "claimtrail/record.h"

#include <stddef.h>
#include <stdint.h>

/* For tests: how many of ring's keys have been given verification tables (keyring.c builds them
 * for a key once it has checked enough signatures with it); always 0 in the default build,
 * without -Ded25519_tables=true. */
size_t ct__keyring_tables(const ct_keyring *ring);

/*
 * A memo of signatures this process has already seen verify (made and checked by ct_record_sign,
 * or checked by a bundle's verification): each slot holds a digest (BLAKE2b-256, libsodium's
 * crypto_generichash) of the public key, the signature and the signed message together, so a
 * slot vouches for exactly that key, signature and message and nothing else. A keyring given a
 * memo (ct__keyring_set_memo) takes a signature whose digest is in it as verifying without
 * checking it again; every other signature is checked as always. What a bulk import uses to
 * write the list summaries of what it has just verified without verifying it a second time.
 * Fill slots (each slot from one thread at most) or add (any thread), then seal once; a sealed
 * memo is read-only.
 */
typedef struct ct__sigmemo ct__sigmemo;
int ct__sigmemo_new(ct__sigmemo **out, size_t slots);
void ct__sigmemo_set(ct__sigmemo *memo, size_t slot, const uint8_t public_key[32],
	const uint8_t sig[64], const uint8_t *msg, size_t len);
void ct__sigmemo_add(ct__sigmemo *memo, const uint8_t public_key[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len);
void ct__sigmemo_seal(ct__sigmemo *memo);
void ct__sigmemo_free(ct__sigmemo *memo);
/* ring consults memo (sealed; NULL: none) from now on; memo must outlive that use. */
void ct__keyring_set_memo(ct_keyring *ring, const ct__sigmemo *memo);
/* ring adds every signature it checks valid to memo (unsealed; NULL: stops) from now on. */
void ct__keyring_memo_record(const ct_keyring *ring, ct__sigmemo *memo);

/*
 * The rule that says whether a key's signatures count now (docs/keys.md, "What each status
 * means"), from what its records say: revoked (0 or 1) with its compromised_since (NULL: none),
 * its expires (NULL: none), and now (a timestamp). A revoked key is CT_KEY_REVOKED, until the
 * earlier of compromised_since and expires ("" without compromised_since: every signature
 * fails); an unrevoked key whose expires is at or before now is CT_KEY_EXPIRED, until expires.
 * A signature by a key that is not live counts only where a checkpoint made at or before until
 * vouches for it. ct_keyring_key_state applies it to a ring's record; a bundle's verification
 * to what the reader's keys and the bundle's key records say together (bundle_verify.c).
 */
/* The earliest `expires` of the records ring took for key_id (a revocation that replaced the
 * key's record without one does not drop it), or NULL. */
const char *ct__keyring_expires(const ct_keyring *ring, const char *key_id);

ct_key_state ct__key_state_rule(int revoked, const char *compromised_since, const char *expires,
	const char *now, char until[CT_TIMESTAMP_LEN + 1]);

/* Why a signature by key_id, in state (not CT_KEY_LIVE; until from ct__key_state_rule), does
 * not count, as check, verify and bundle import say it: "; key K is revoked (...)" or "; key K
 * expired at T (...)"; "" for a live key. */
void ct__key_state_why(
	char *out, size_t size, ct_key_state state, const char *key_id, const char *until);

#endif
