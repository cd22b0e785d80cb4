/*
 * Signing keys: Ed25519 key generation (or derivation from a seed), signing bytes, and the
 * self-signed public key record of a key (with an optional revocation) and its check. The secret
 * key file is key_file.c, keyrings keyring.c.
 *
 * Secret bytes (the seed, the 64-byte secret key) only ever live in sodium_malloc memory and
 * never in a json_t or a ct_buf.
 */
#include "key_internal.h"
#include "error.h"
#include "utf8.h"
#include "claimtrail/json.h"
#include "claimtrail/key.h"
#include "claimtrail/record.h"
#include "record_internal.h"
#include "signing.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct_key_id_of(char *out, const uint8_t public_key[32])
{
	char hex[65];

	ct_sha256_hex(hex, public_key, 32);
	memcpy(out, hex, CT_KEY_ID_LEN);
	out[CT_KEY_ID_LEN] = '\0';
}

/* ---- keys ------------------------------------------------------------------------------- */

const char *ct_key_id(const ct_key *key)
{
	return key->id;
}

const json_t *ct_key_public_record(const ct_key *key)
{
	return key->record;
}

const uint8_t *ct_key_public_bytes(const ct_key *key)
{
	return key->pk;
}

int ct_key_sign_bytes(uint8_t sig[64], const ct_key *key, const uint8_t *msg, size_t len)
{
	if (key->agent)
		return ct__agent_sign(sig, key->agent, key->pk, key->id, msg, len);
	if (crypto_sign_detached(sig, NULL, msg, len, key->sk) != 0)
		return ct_error_set(CT_EIO, "key %s: signing failed", key->id);
	return 0;
}

void ct_key_free(ct_key *key)
{
	if (!key)
		return;
	if (key->sk)
		sodium_free(key->sk);
	free(key->agent);
	json_decref(key->record);
	free(key);
}

int ct__key_alloc(ct_key **out)
{
	ct_key *key = calloc(1, sizeof(*key));

	*out = NULL;
	if (!key)
		return ct__oom();
	if (!(key->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		free(key);
		return ct__oom();
	}
	*out = key;
	return 0;
}

/* Builds the unsigned public key record of key, with an optional revocation. */
static int key_record_build(json_t **out, const ct_key *key, const char *name, const char *org,
	const char *created, const char *revoked_reason)
{
	ct_buf b64 = CT_BUF_INIT;
	json_t *rec = json_object();
	char now[21];
	int error = 0;

	*out = NULL;
	/* jansson refuses invalid UTF-8 with the NULL it gives when out of memory: check first */
	if ((name && (error = ct__utf8_check(name, strlen(name), "the key's name")) < 0) ||
		(org && (error = ct__utf8_check(org, strlen(org), "the key's org")) < 0) ||
		(revoked_reason &&
			(error = ct__utf8_check(revoked_reason, strlen(revoked_reason),
				 "the revocation reason")) < 0))
		goto done;
	if (!rec || (error = ct_base64_encode(&b64, key->pk, sizeof(key->pk))) < 0)
		goto oom;
	if (json_object_set_new(rec, "type", json_string("key")) < 0 ||
		json_object_set_new(rec, "key_id", json_string(key->id)) < 0 ||
		json_object_set_new(rec, "algorithm", json_string("ed25519")) < 0 ||
		json_object_set_new(rec, "public_key", json_string(b64.ptr)) < 0)
		goto oom;
	if (name && json_object_set_new(rec, "name", json_string(name)) < 0)
		goto oom;
	if (org && json_object_set_new(rec, "org", json_string(org)) < 0)
		goto oom;
	ct_timestamp_now(now);
	if (json_object_set_new(rec, "created", json_string(created ? created : now)) < 0)
		goto oom;
	if (revoked_reason) {
		json_t *rv = json_pack("{s:s, s:s}", "at", now, "reason", revoked_reason);
		if (!rv || json_object_set_new(rec, "revoked", rv) < 0)
			goto oom;
	}
	*out = rec;
	rec = NULL;
	goto done;
oom:
	error = ct__oom();
done:
	json_decref(rec);
	ct_buf_free(&b64);
	return error;
}

int ct__key_record_make(ct_key *key, const char *name, const char *org)
{
	json_t *rec = NULL;
	int error;

	if ((error = key_record_build(&rec, key, name, org, NULL, NULL)) < 0)
		goto done;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto done;
	key->record = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

static int key_make(ct_key **out, const uint8_t *seed, const char *name, const char *org)
{
	ct_key *key = NULL;
	int error;

	*out = NULL;
	if ((error = ct__key_alloc(&key)) < 0)
		goto done;
	if (seed)
		crypto_sign_seed_keypair(key->pk, key->sk, seed);
	else
		crypto_sign_keypair(key->pk, key->sk);
	ct_key_id_of(key->id, key->pk);
	if ((error = ct__key_record_make(key, name, org)) < 0)
		goto done;
	*out = key;
	key = NULL;
done:
	ct_key_free(key);
	return error;
}

int ct_key_generate(ct_key **out, const char *name, const char *org)
{
	return key_make(out, NULL, name, org);
}

int ct_key_from_seed(ct_key **out, const uint8_t seed[32], const char *name, const char *org)
{
	return key_make(out, seed, name, org);
}

int ct_key_revoke(json_t **out, const ct_key *key, const char *reason)
{
	json_t *rec = NULL;
	const json_t *old = key->record;
	const char *created = json_string_value(json_object_get(old, "created"));
	int error;

	*out = NULL;
	if (!reason || !*reason)
		return ct_error_set(CT_EINVALID, "key %s: a revocation needs a reason", key->id);
	if ((error = key_record_build(&rec, key, json_string_value(json_object_get(old, "name")),
		     json_string_value(json_object_get(old, "org")), created, reason)) < 0)
		goto done;
	if ((error = ct_record_sign(rec, key)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

int ct_key_revoke_with(json_t **out, const ct_key *key, const char *reason,
	const char *compromised_since, const char *successor)
{
	json_t *rec = NULL;
	json_t *rv;
	int error;

	*out = NULL;
	if (!reason || !*reason)
		return ct_error_set(CT_EINVALID, "key %s: a revocation needs a reason", key->id);
	if (compromised_since &&
		(error = ct_timestamp_validate(compromised_since, "--compromised-since")) < 0)
		return error;
	if ((error = key_record_build(&rec, key,
		     json_string_value(json_object_get(key->record, "name")),
		     json_string_value(json_object_get(key->record, "org")),
		     json_string_value(json_object_get(key->record, "created")), reason)) < 0)
		goto done;
	rv = json_object_get(rec, "revoked");
	if ((compromised_since &&
		    json_object_set_new(rv, "compromised_since", json_string(compromised_since)) <
			    0) ||
		(successor && json_object_set_new(rv, "successor", json_string(successor)) < 0)) {
		error = ct__oom();
		goto done;
	}
	/* a key rotated to a successor keeps saying so in its revocation */
	if (json_object_get(key->record, "rotated_from") &&
		json_object_set(rec, "rotated_from", json_object_get(key->record, "rotated_from")) <
			0) {
		error = ct__oom();
		goto done;
	}
	if ((error = ct_record_sign(rec, key)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

int ct_key_revoke_by(json_t **out, const json_t *record, const ct_key *by, const char *reason,
	const char *compromised_since)
{
	const char *id = json_string_value(json_object_get(record, "key_id"));
	json_t *rec = NULL, *rv = NULL;
	char now[CT_TIMESTAMP_LEN + 1];
	int error;

	*out = NULL;
	if ((error = ct_key_record_check(record)) < 0)
		return error;
	if (json_object_get(record, "revoked"))
		return ct_error_set(CT_EEXISTS, "key %s is already revoked", id);
	if (strcmp(id, by->id) == 0)
		return ct_error_set(CT_EINVALID,
			"key %s: a key revokes itself with its own revocation, not one 'by' itself",
			id);
	if (!reason || !*reason)
		return ct_error_set(CT_EINVALID, "key %s: a revocation needs a reason", id);
	if ((error = ct__utf8_check(reason, strlen(reason), "the revocation reason")) < 0)
		return error;
	if (compromised_since &&
		(error = ct_timestamp_validate(compromised_since, "--compromised-since")) < 0)
		return error;
	ct_timestamp_now(now);
	if (!(rec = json_deep_copy(record)) ||
		!(rv = json_pack("{s:s, s:s, s:s}", "at", now, "reason", reason, "by", by->id)) ||
		(compromised_since &&
			json_object_set_new(
				rv, "compromised_since", json_string(compromised_since)) < 0) ||
		json_object_set(rec, "revoked", rv) < 0) {
		error = ct__oom();
		goto done;
	}
	/* the key's own signature no longer covers the record: only the revoker's does */
	json_object_del(rec, "signatures");
	if ((error = ct_record_sign(rec, by)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rv);
	json_decref(rec);
	return error;
}

const char *ct_key_record_revoked_by(const json_t *record)
{
	const char *by =
		json_string_value(json_object_get(json_object_get(record, "revoked"), "by"));
	const char *id = json_string_value(json_object_get(record, "key_id"));

	return by && id && strcmp(by, id) != 0 ? by : NULL;
}

int ct_key_rotate(json_t **out, const ct_key *old_key, const ct_key *new_key, const char *expires)
{
	json_t *rec = NULL;
	int error;

	*out = NULL;
	if (strcmp(old_key->id, new_key->id) == 0)
		return ct_error_set(
			CT_EINVALID, "key %s: a key cannot succeed itself", old_key->id);
	if (expires && (error = ct_timestamp_validate(expires, "--expires")) < 0)
		return error;
	if (!(rec = json_deep_copy(new_key->record))) {
		error = ct__oom();
		goto done;
	}
	json_object_del(rec, "signatures");
	json_object_del(rec, "revoked");
	if (json_object_set_new(rec, "rotated_from", json_string(old_key->id)) < 0 ||
		(expires && json_object_set_new(rec, "expires", json_string(expires)) < 0)) {
		error = ct__oom();
		goto done;
	}
	/* its own signature, which every key record carries, and the old key's: what carries
	 * trust in the old key over to it */
	if ((error = ct_record_sign(rec, new_key)) < 0 ||
		(error = ct_record_sign(rec, old_key)) < 0)
		goto done;
	*out = rec;
	rec = NULL;
done:
	json_decref(rec);
	return error;
}

int ct_key_record_check(const json_t *record)
{
	ct_kind kind;
	ct_buf pae = CT_BUF_INIT;
	uint8_t pk[32];
	uint8_t sig[64];
	char derived[CT_KEY_ID_LEN + 1];
	const char *key_id, *by;
	const json_t *sigs;
	const json_t *entry;
	size_t i;
	int found = 0;
	int error;

	if ((error = ct_record_kind(&kind, record)) < 0)
		return error;
	if (kind != CT_KIND_KEY)
		return ct_error_set(CT_EINVALID, "%s %s: not a key record", ct_kind_name(kind),
			ct_record_id(record) ? ct_record_id(record) : "(no id)");
	if ((error = ct_record_validate(record)) < 0)
		return error;
	key_id = json_string_value(json_object_get(record, "key_id"));
	if (!key_id ||
		ct__decode_exact(pk, sizeof(pk),
			json_string_value(json_object_get(record, "public_key"))) < 0)
		return ct_error_set(CT_EINVALID, "key %s: public_key is not base64 of 32 bytes",
			key_id ? key_id : "(no id)");
	ct_key_id_of(derived, pk);
	if (strcmp(derived, key_id) != 0)
		return ct_error_set(CT_EINVALID,
			"key %s: key_id does not match public_key (which has id %s)", key_id,
			derived);
	by = ct_key_record_revoked_by(record);
	if ((error = ct__record_signing_input(&pae, record)) < 0)
		goto done;
	sigs = json_object_get(record, "signatures");
	json_array_foreach (sigs, i, entry) {
		const char *who = json_string_value(json_object_get(entry, "key_id"));
		/* a revocation by another key carries that key's signature, checked where the
		 * key is known (ct_key_revocation_verify) */
		if (by && who && strcmp(who, by) == 0)
			found = 1;
		if (!who || strcmp(who, key_id) != 0 || by)
			continue;
		found = 1;
		if (ct__decode_exact(sig, sizeof(sig),
			    json_string_value(json_object_get(entry, "sig"))) < 0 ||
			ct__signature_verify(pk, sig, (const uint8_t *)pae.ptr, pae.len) < 0) {
			error = ct_error_set(
				CT_EBADSIG, "key %s: self-signature does not verify", key_id);
			goto done;
		}
	}
	if (!found && by)
		error = ct_error_set(CT_EINVALID,
			"key %s: the revocation is not signed by key %s, which it says made it",
			key_id, by);
	else if (!found)
		error = ct_error_set(CT_EINVALID, "key %s: the record is not self-signed", key_id);
done:
	ct_buf_free(&pae);
	return error;
}
