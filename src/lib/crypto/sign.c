/*
 * Signing and verifying records: Ed25519 over DSSE's PAE(payload type of the record's kind,
 * RFC 8785 body without "signatures"), kept in the record's "signatures" array as
 * {"key_id", "sig"} (docs/format.md, "Signatures").
 *
 * A signature's key_id is only a hint (as in DSSE): it is checked first against the ring key it
 * names, and, when that fails or names no ring key, against every other ring key; it counts for
 * the key that made it. An honest signer names its own key, so the usual cost is one check; a
 * signature no ring key made costs one check per ring key and counts as untrusted (or bad, when
 * its hint names a ring key).
 */
#include "claimtrail/key.h"
#include "error.h"
#include "keyring.h"
#include "claimtrail/record.h"
#include "record_internal.h"
#include "signing.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ct__signature_verify(
	const uint8_t public_key[32], const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, public_key) == 0 ? 0 : CT_EBADSIG;
}

/*
 * The schema requires a "signatures" array; a record about to get its first signature may not
 * have one yet, so it is checked with an empty array in its place.
 */
static int validate_for_signing(const json_t *record)
{
	json_t *copy;
	int error;

	if (json_object_get(record, "signatures"))
		return ct_record_validate(record);
	if (!json_is_object(record))
		return ct_record_validate(record);
	if (!(copy = json_copy((json_t *)record)))
		return ct__oom();
	if (json_object_set_new(copy, "signatures", json_array()) < 0) {
		json_decref(copy);
		return ct__oom();
	}
	error = ct_record_validate(copy);
	json_decref(copy);
	return error;
}

int ct_record_sign(json_t *record, const ct_key *key)
{
	char label[CT_LABEL_MAX];
	ct_buf pae = CT_BUF_INIT;
	ct_buf b64 = CT_BUF_INIT;
	uint8_t sig[64];
	json_t *sigs;
	json_t *entry = NULL;
	const json_t *e;
	size_t i;
	int created = 0;
	int error;

	if ((error = validate_for_signing(record)) < 0)
		goto done;
	ct__record_label(label, record);
	sigs = json_object_get(record, "signatures");
	json_array_foreach (sigs, i, e) {
		const char *by = json_string_value(json_object_get(e, "key_id"));
		if (by && strcmp(by, ct_key_id(key)) == 0) {
			error = ct_error_set(
				CT_EEXISTS, "%s: already signed by key %s", label, ct_key_id(key));
			goto done;
		}
	}
	if ((error = ct__record_signing_input(&pae, record)) < 0)
		goto done;
	if ((error = ct_key_sign_bytes(sig, key, (const uint8_t *)pae.ptr, pae.len)) < 0)
		goto done;
	/* As minisign does: never hand out a signature that we have not verified ourselves. */
	if (ct__signature_verify(ct_key_public_bytes(key), sig, (const uint8_t *)pae.ptr, pae.len) <
		0) {
		error = ct_error_set(CT_EBADSIG, "%s: the new signature by key %s does not verify",
			label, ct_key_id(key));
		goto done;
	}
	if ((error = ct_base64_encode(&b64, sig, sizeof(sig))) < 0)
		goto done;
	if (!(entry = json_pack("{s:s, s:s}", "key_id", ct_key_id(key), "sig", b64.ptr))) {
		error = ct__oom();
		goto done;
	}
	if (!sigs) {
		if (!(sigs = json_array()) || json_object_set_new(record, "signatures", sigs) < 0) {
			error = ct__oom();
			goto done;
		}
		created = 1;
	}
	if (json_array_append_new(sigs, entry) < 0) {
		entry = NULL;
		error = ct__oom();
		goto done;
	}
	entry = NULL;
done:
	if (error < 0 && created)
		json_object_del(record, "signatures");
	json_decref(entry);
	ct_buf_free(&pae);
	ct_buf_free(&b64);
	return error;
}

static void add_signer(ct_verify_report *r, const char *key_id)
{
	size_t n = r->trusted < CT_VERIFY_SIGNERS_MAX ? r->trusted : CT_VERIFY_SIGNERS_MAX;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(r->signers[i], key_id) == 0)
			return;
	if (r->trusted < CT_VERIFY_SIGNERS_MAX)
		memcpy(r->signers[r->trusted], key_id, CT_KEY_ID_LEN + 1);
}

/* Has key_id already been counted as a trusted signer? (signers[i]: who made signature i) */
static int counted(
	char (*signers)[CT_KEY_ID_LEN + 1], size_t upto, const char *key_id, const uint8_t *ok)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (ok[i] && strcmp(signers[i], key_id) == 0)
			return 1;
	return 0;
}

int ct_record_verify(
	ct_verify_report *report, const json_t *record, const ct_keyring *trust, size_t threshold)
{
	return ct_record_verify_vouched(report, record, trust, threshold, NULL, NULL);
}

int ct_record_verify_vouched(ct_verify_report *report, const json_t *record,
	const ct_keyring *trust, size_t threshold, ct_vouch_fn vouch, void *payload)
{
	ct_verify_report local;
	ct_verify_report *r = report ? report : &local;
	char label[CT_LABEL_MAX];
	char bad_key[CT_KEY_ID_LEN + 1] = "";
	char untrusted_key[CT_KEY_ID_LEN + 1] = "";
	char revoked_key[CT_KEY_ID_LEN + 1] = "";
	char expired_key[CT_KEY_ID_LEN + 1] = "";
	char expired_at[CT_TIMESTAMP_LEN + 1] = "";
	char until[CT_TIMESTAMP_LEN + 1];
	ct_key_state state;
	ct_buf pae = CT_BUF_INIT;
	uint8_t *ok = NULL; /* ok[i]: signature i is a counted trusted signature */
	char(*made_by)[CT_KEY_ID_LEN + 1] = NULL; /* the ring key that made signature i */
	const json_t *sigs;
	const json_t *e;
	uint8_t sig[64];
	size_t i;
	int error;

	memset(r, 0, sizeof(*r));
	if (threshold < 1)
		threshold = 1;
	if ((error = ct_record_validate(record)) < 0)
		goto done;
	ct__record_label(label, record);
	sigs = json_object_get(record, "signatures");
	r->signatures = json_array_size(sigs);
	if (r->signatures == 0) {
		error = ct_error_set(CT_EUNTRUSTED, "%s: not signed", label);
		goto done;
	}
	if ((error = ct__record_signing_input(&pae, record)) < 0)
		goto done;
	if (!(ok = calloc(r->signatures, 1)) ||
		!(made_by = calloc(r->signatures, sizeof(*made_by)))) {
		error = ct__oom();
		goto done;
	}
	json_array_foreach (sigs, i, e) {
		const char *hint = json_string_value(json_object_get(e, "key_id"));
		const char *by = NULL;
		int named = hint && ct_keyring_find(trust, hint) != NULL;
		int rc = ct__decode_exact(
				 sig, sizeof(sig), json_string_value(json_object_get(e, "sig"))) < 0
			? CT_EBADSIG
			: ct_keyring_verify_any(
				  &by, trust, hint, sig, (const uint8_t *)pae.ptr, pae.len);

		if (rc < 0 && named) {
			r->bad++;
			if (!bad_key[0])
				memcpy(bad_key, hint, CT_KEY_ID_LEN + 1);
			continue;
		}
		if (rc < 0) {
			r->untrusted++;
			if (!untrusted_key[0] && hint && strlen(hint) == CT_KEY_ID_LEN)
				memcpy(untrusted_key, hint, CT_KEY_ID_LEN + 1);
			continue;
		}
		memcpy(made_by[i], by, CT_KEY_ID_LEN + 1);
		state = ct_keyring_key_state(trust, by, until);
		if (state != CT_KEY_LIVE && until[0] && vouch &&
			vouch(record, by, json_string_value(json_object_get(e, "sig")), until,
				payload) == 1) {
			r->vouched++;
		} else if (state == CT_KEY_REVOKED) {
			r->revoked++;
			if (!revoked_key[0])
				memcpy(revoked_key, by, CT_KEY_ID_LEN + 1);
			continue;
		} else if (state == CT_KEY_EXPIRED) {
			r->expired++;
			if (!expired_key[0]) {
				memcpy(expired_key, by, CT_KEY_ID_LEN + 1);
				memcpy(expired_at, until, sizeof(expired_at));
			}
			continue;
		}
		if (counted(made_by, i, by, ok))
			continue;
		ok[i] = 1;
		add_signer(r, by);
		r->trusted++;
	}
	if (r->bad) {
		error = ct_error_set(
			CT_EBADSIG, "%s: signature by key %s does not verify", label, bad_key);
	} else if (r->trusted < threshold) {
		char why[256] = "";
		if (revoked_key[0])
			ct__key_state_why(why, sizeof(why), CT_KEY_REVOKED, revoked_key, "");
		else if (expired_key[0])
			ct__key_state_why(
				why, sizeof(why), CT_KEY_EXPIRED, expired_key, expired_at);
		else if (untrusted_key[0])
			snprintf(why, sizeof(why), "; key %s is not trusted", untrusted_key);
		error = ct_error_set(CT_EUNTRUSTED, "%s: signed by %zu trusted key%s, %zu needed%s",
			label, r->trusted, r->trusted == 1 ? "" : "s", threshold, why);
	}
done:
	free(ok);
	free(made_by);
	ct_buf_free(&pae);
	return error;
}
