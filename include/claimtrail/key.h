/* Signing keys (secret, encrypted at rest) and keyrings of trusted public key records. */
#ifndef CLAIMTRAIL_KEY_H
#define CLAIMTRAIL_KEY_H

#include <jansson.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A key id: the first 16 lowercase hex digits of SHA-256 of the 32 raw public key bytes. */
#define CT_KEY_ID_LEN 16

/* Ed25519 sizes in bytes: a secret seed, a raw public key, a signature. */
#define CT_KEY_SEED_LEN 32
#define CT_PUBLIC_KEY_LEN 32
#define CT_SIGNATURE_LEN 64

/* A secret signing key together with its signed public key record. Secret bytes live in
 * sodium_malloc memory and are wiped by ct_key_free. */
typedef struct ct_key ct_key;

/* Makes a new Ed25519 key whose public key record carries name and org (either may be NULL). */
int ct_key_generate(ct_key **out, const char *name, const char *org);

/* Like ct_key_generate, but derives the key from a 32-byte seed (the seed IS the secret key):
 * for reproducible examples and tests only. */
int ct_key_from_seed(
	ct_key **out, const uint8_t seed[CT_KEY_SEED_LEN], const char *name, const char *org);

/*
 * Writes the secret key file at path (created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600; an
 * existing file is never overwritten: CT_EEXISTS) and the public key record at "<path>.pub".
 * With passphrase NULL the secret key is stored unencrypted (for tests and automation);
 * otherwise it is encrypted with a key derived by Argon2id (crypto_pwhash) and secretbox.
 */
int ct_key_write(const ct_key *key, const char *path, const char *passphrase, size_t passlen);

/* Reads a secret key file. A wrong passphrase is CT_EPASSPHRASE; an encrypted file with
 * passphrase NULL is CT_EPASSPHRASE too ("key FILE is encrypted: a passphrase is needed"). */
int ct_key_read(ct_key **out, const char *path, const char *passphrase, size_t passlen);

/* Sets *out to 1 when the secret key file at path is encrypted, 0 when it is not. */
int ct_key_file_encrypted(int *out, const char *path);

/* The key id (borrowed, CT_KEY_ID_LEN hex digits). */
const char *ct_key_id(const ct_key *key);

/* The signed public key record (borrowed). */
const json_t *ct_key_public_record(const ct_key *key);

/* Ed25519 detached signature of msg. */
int ct_key_sign_bytes(
	uint8_t sig[CT_SIGNATURE_LEN], const ct_key *key, const uint8_t *msg, size_t len);

/* The 32 raw public key bytes (borrowed). */
const uint8_t *ct_key_public_bytes(const ct_key *key);

/*
 * Makes a new public key record for key that carries a revocation ("revoked": {"at": now,
 * "reason": reason}), self-signed. *out is a new reference. Adding it to a keyring that holds
 * the unrevoked record replaces that record.
 */
int ct_key_revoke(json_t **out, const ct_key *key, const char *reason);

/*
 * ct_key_revoke, with the time from which the key is to be taken as compromised
 * (compromised_since, a timestamp; NULL: every signature of the key fails) and the key that
 * succeeds it (successor, a key id, or NULL): signatures made before compromised_since keep
 * counting where a checkpoint vouches for them, and a successor named here stays trusted
 * through the revoked key (docs/keys.md).
 */
int ct_key_revoke_with(json_t **out, const ct_key *key, const char *reason,
	const char *compromised_since, const char *successor);

/*
 * A revocation of the key of record (its checked, unrevoked key record) made by another key,
 * by: the record with "revoked": {"at": now, "reason", "compromised_since"?, "by": by's id},
 * signed by by alone (docs/format.md 5.1). It counts only where a trust list names by as able
 * to revoke the key (ct_keyring_apply_revocations). *out is a new reference.
 */
int ct_key_revoke_by(json_t **out, const json_t *record, const ct_key *by, const char *reason,
	const char *compromised_since);

/* The key id that a key record's revocation names in "by", when it is another key than the
 * record's own; else NULL (no revocation, or the key's own). Borrowed from record. */
const char *ct_key_record_revoked_by(const json_t *record);

/*
 * The key record of new_key as old_key's successor: its public record with "rotated_from" (old
 * key's id) and "expires" (NULL: none), self-signed and signed by old_key, so that trust in
 * the old key carries to the new one (ct_keyring_add_successors).
 */
int ct_key_rotate(json_t **out, const ct_key *old_key, const ct_key *new_key, const char *expires);

void ct_key_free(ct_key *key);

/*
 * A key held by ssh-agent: public_record is its claimtrail key record (checked as
 * ct_key_record_check does), and every signature is asked of the agent listening on
 * socket_path (the command passes SSH_AUTH_SOCK) with the agent protocol's sign request over
 * the bytes to sign, then checked before it is used. CT_ENOTFOUND when the agent does not hold
 * the key; CT_EIO when it cannot be reached. Such a key has no secret to write (ct_key_write
 * refuses it).
 */
int ct_key_from_agent(ct_key **out, const char *socket_path, const json_t *public_record);

/*
 * Makes the claimtrail key record of an Ed25519 key held by ssh-agent: ssh_public_key is the
 * line of its OpenSSH public key file ("ssh-ed25519 AAAA... comment"); the agent at
 * socket_path must hold it, and self-signs the new record (name, org may be NULL). *out signs
 * through the agent as ct_key_from_agent's keys do.
 */
int ct_key_import_ssh(ct_key **out, const char *socket_path, const char *ssh_public_key,
	const char *name, const char *org);

/*
 * Checks a public key record: its schema (ct_record_validate), that key_id is derived from
 * public_key, and that it carries a self-signature (a signature by key_id itself, over
 * PAE("application/vnd.claimtrail.key+json", body)) that verifies. Other signatures on the
 * record are not checked here. A revocation by another key ("revoked" with "by") needs instead
 * a signature entry by that key, which is checked where that key is known
 * (ct_key_revocation_verify). Returns 0, CT_EINVALID or CT_EBADSIG.
 */
int ct_key_record_check(const json_t *record);

/*
 * Reads the public key record from a secret key file (no passphrase needed: the record is
 * stored in clear) or from a public key record file (JSON), and checks it with
 * ct_key_record_check. *out is a new reference.
 */
int ct_key_file_public_record(json_t **out, const char *path);

/* Computes the key id of 32 raw public key bytes into out (CT_KEY_ID_LEN + 1 bytes). */
void ct_key_id_of(char *out, const uint8_t public_key[CT_PUBLIC_KEY_LEN]);

/* A set of public key records (trust roots, or the keys a store or bundle carries). */
typedef struct ct_keyring ct_keyring;

int ct_keyring_new(ct_keyring **out);

/* Adds a public key record after validating it and checking its self-signature. Adding the
 * same key twice is not an error (a revoked record replaces an unrevoked one). */
int ct_keyring_add(ct_keyring *ring, const json_t *key_record);

/* Adds the key record in a file, or every "*.pub" / "*.json" key record in a folder. */
int ct_keyring_add_path(ct_keyring *ring, const char *path);

size_t ct_keyring_count(const ct_keyring *ring);

/* The record of key_id (borrowed), or NULL. */
const json_t *ct_keyring_find(const ct_keyring *ring, const char *key_id);

/* The i-th record (borrowed), in insertion order. */
const json_t *ct_keyring_get(const ct_keyring *ring, size_t i);

/* Verifies an Ed25519 signature by the key key_id in the ring. Returns 0, CT_ENOTFOUND when the
 * ring has no such key, CT_EBADSIG when the signature does not verify. Revoked keys still verify
 * here; callers ask ct_keyring_revoked. */
int ct_keyring_verify_bytes(const ct_keyring *ring, const char *key_id,
	const uint8_t sig[CT_SIGNATURE_LEN], const uint8_t *msg, size_t len);

/*
 * Finds which key of the ring made sig: the key the hint names first (a signature's key_id is
 * only a hint), then every other key. Returns 0 with *signer the key id (borrowed from the ring);
 * CT_EBADSIG when the hint names a ring key and no ring key verifies; CT_ENOTFOUND when the hint
 * names no ring key and none verifies (a signer the ring does not trust).
 */
int ct_keyring_verify_any(const char **signer, const ct_keyring *ring, const char *hint,
	const uint8_t sig[CT_SIGNATURE_LEN], const uint8_t *msg, size_t len);

/* 1 when the ring's record for key_id carries a revocation, else 0. */
int ct_keyring_revoked(const ct_keyring *ring, const char *key_id);

/* Whether a key's signatures count now (docs/keys.md). */
typedef enum {
	CT_KEY_LIVE = 0, /* not revoked, not expired (or not in the ring) */
	CT_KEY_REVOKED,	 /* its record carries "revoked" */
	CT_KEY_EXPIRED,	 /* its "expires" time has passed */
} ct_key_state;

/*
 * The state of key_id in ring. For a revoked or expired key, until (21 bytes) receives the time
 * before which its signatures still count where a checkpoint vouches for them: the
 * revocation's compromised_since (or the expiry, when earlier) and, for an expired key, its
 * "expires"; "" when none (a revocation without compromised_since: every signature fails).
 */
ct_key_state ct_keyring_key_state(const ct_keyring *ring, const char *key_id, char until[21]);

/*
 * Adds to ring each record of candidates that names a key of ring in "rotated_from" and
 * carries a valid signature by that key, when that key is live or its revocation names the
 * record's key as "successor"; again until nothing is added (a chain of rotations). *added (may
 * be NULL) receives how many were added.
 */
int ct_keyring_add_successors(ct_keyring *ring, const ct_keyring *candidates, size_t *added);

/*
 * Sets what key_id of ring may revoke (the trust list's "can_revoke": an array of key ids, or
 * ["all"]; NULL: nothing). CT_ENOTFOUND when the ring has no such key.
 */
int ct_keyring_grant(ct_keyring *ring, const char *key_id, const json_t *can_revoke);

/* 1 when ring grants key by the right to revoke key_id (ct_keyring_grant), else 0. */
int ct_keyring_may_revoke(const ct_keyring *ring, const char *by, const char *key_id);

/*
 * Checks a revocation made by another key (ct_key_revoke_by) against granting: that granting
 * names its "by" key as able to revoke the key (CT_EUNTRUSTED otherwise) and that the by key's
 * signature verifies (CT_EBADSIG otherwise). A record without such a revocation is 0.
 */
int ct_key_revocation_verify(const json_t *record, const ct_keyring *granting);

/*
 * A revocation by another key added to a keyring is kept aside, and the key stays live, until
 * this applies it: each one that ct_key_revocation_verify passes against granting (NULL: none)
 * revokes its key in ring. Returns how many were applied.
 */
int ct_keyring_apply_revocations(ct_keyring *ring, const ct_keyring *granting);

/* The revocation by another key that ring holds for key_id and has not applied, or NULL. */
const json_t *ct_keyring_pending_revocation(const ct_keyring *ring, const char *key_id);

void ct_keyring_free(ct_keyring *ring);

#ifdef __cplusplus
}
#endif

#endif
