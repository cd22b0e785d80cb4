/*
 * The verification state of a stored record: do its signatures verify against the key records
 * they name, and does the revision chain below it hold? One notion, used by every command that
 * shows signers or status (so nothing unverified is shown as signed) and by every write (so
 * nothing is built on a revision that does not verify). ct_store_check reports the same faults
 * among others; this answers for one record and keeps nothing.
 */
#include "record_internal.h"
#include "util.h"
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ct_record_state_name(ct_record_state state)
{
	switch (state) {
	case CT_RECORD_VERIFIED: return "verified";
	case CT_RECORD_BAD_SIGNATURE: return "bad-signature";
	case CT_RECORD_BROKEN_CHAIN: return "broken-chain";
	case CT_RECORD_REVOKED: return "revoked";
	case CT_RECORD_EXPIRED: return "expired";
	}
	return "unknown";
}

static void set_state(ct_verification *out, ct_record_state state, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void set_state(ct_verification *out, ct_record_state state, const char *fmt, ...)
{
	va_list ap;

	out->state = state;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

int ct__verify_signatures(
	ct_verification *out, const json_t *record, const ct_keyring *ring, int strict)
{
	const json_t *sigs = json_object_get(record, "signatures");
	const json_t *e;
	const char *unknown = NULL;
	ct_buf pae = CT_BUF_INIT;
	uint8_t sig[64];
	size_t i, known = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (json_array_size(sigs) == 0) {
		set_state(out, CT_RECORD_BAD_SIGNATURE, "not signed");
		goto done;
	}
	if ((error = ct__record_signing_input(&pae, record)) < 0)
		goto done;
	/* A signature by a key the store has no record of proves nothing either way (a bundle
	 * import leaves out the key records of keys the importer does not trust): it is skipped,
	 * and the record verifies when the signatures of every known key verify and there is at
	 * least one. A signature by a known key that does not verify fails the record. */
	json_array_foreach (sigs, i, e) {
		const char *kid = json_string_value(json_object_get(e, "key_id"));
		int rc;
		if (!kid || !ct_keyring_find(ring, kid)) {
			if (!unknown)
				unknown = kid ? kid : "(none)";
			if (strict)
				break;
			continue;
		}
		rc = ct__decode_exact(
			sig, sizeof(sig), json_string_value(json_object_get(e, "sig")));
		if (rc == 0)
			rc = ct_keyring_verify_bytes(
				ring, kid, sig, (const uint8_t *)pae.ptr, pae.len);
		if (rc < 0) {
			set_state(out, CT_RECORD_BAD_SIGNATURE,
				"signature by key %s does not verify", kid);
			goto done;
		}
		known++;
	}
	if (known == 0 || (strict && unknown))
		set_state(out, CT_RECORD_BAD_SIGNATURE,
			"signed by key %.64s, which has no valid key record in the store", unknown);
done:
	ct_buf_free(&pae);
	return error;
}

/*
 * After the signatures verify: a record whose signers (of ring) are all revoked or expired, with
 * no checkpoint made before the key's limit vouching for the signature, is REVOKED or EXPIRED
 * (docs/keys.md). One live or vouched signer is enough, as in check. *vouch is made on first
 * need (the caller frees it).
 */
static int check_key_states(ct_verification *out, ct_store *store, const ct_keyring *ring,
	const json_t *record, ct__vouch **vouch)
{
	const json_t *e;
	const json_t *rv = NULL;
	const char *first = NULL;
	char until[CT_TIMESTAMP_LEN + 1], first_until[CT_TIMESTAMP_LEN + 1] = "";
	ct_key_state first_state = CT_KEY_LIVE;
	size_t i, live = 0;
	int error;

	json_array_foreach (json_object_get(record, "signatures"), i, e) {
		const char *kid = json_string_value(json_object_get(e, "key_id"));
		ct_key_state st;
		if (!kid || !ct_keyring_find(ring, kid))
			continue;
		st = ct_keyring_key_state(ring, kid, until);
		if (st == CT_KEY_LIVE) {
			live++;
			continue;
		}
		if (until[0]) {
			if (!*vouch && (error = ct__vouch_new(vouch, store, ring)) < 0)
				return error;
			if (ct__vouch_fn(record, kid, json_string_value(json_object_get(e, "sig")),
				    until, *vouch) == 1) {
				live++;
				continue;
			}
		}
		if (!first) {
			first = kid;
			first_state = st;
			memcpy(first_until, until, sizeof(first_until));
		}
	}
	if (live > 0 || !first)
		return 0;
	if (first_state == CT_KEY_EXPIRED) {
		set_state(out, CT_RECORD_EXPIRED,
			"signed by key %s, which expired at %s, and no earlier checkpoint vouches "
			"for the signature",
			first, first_until);
		return 0;
	}
	rv = json_object_get(ct_keyring_find(ring, first), "revoked");
	if (first_until[0])
		set_state(out, CT_RECORD_REVOKED,
			"signed by key %s, which is revoked (%.80s; compromised since %s), and no "
			"checkpoint made before then vouches for the signature",
			first, json_string_value(json_object_get(rv, "reason")), first_until);
	else
		set_state(out, CT_RECORD_REVOKED, "signed by key %s, which is revoked (%.80s)",
			first, json_string_value(json_object_get(rv, "reason")));
	return 0;
}

/* The chain below a claim or source revision (of kind) when it forked or merged: every digest a
 * revision names as prev is a revision of the folder with a lower number, the highest of them one
 * lower, and its signatures verify; down to revision 1. */
static int verify_graph(ct_verification *out, ct_store *store, const ct_keyring *ring, ct_kind kind,
	const json_t *record, const git_tree *folder)
{
	json_t *todo = json_array(), *seen = json_object(), *cur = NULL, *at = NULL;
	const char *id = ct_record_id(record);
	int error = 0;

	if (!todo || !seen || json_array_append(todo, (json_t *)record) < 0) {
		error = ct__oom();
		goto done;
	}
	while (json_array_size(todo)) {
		size_t last = json_array_size(todo) - 1, i;
		json_int_t n, high = 0;
		json_t *prev, *d;
		json_decref(cur);
		cur = json_incref(json_array_get(todo, last));
		json_array_remove(todo, last);
		n = json_integer_value(json_object_get(cur, "revision"));
		if (n <= 1)
			continue;
		prev = json_object_get(cur, "prev");
		if (json_is_string(prev)) {
			json_t *one = json_array();
			json_array_append(one, prev);
			prev = one;
		} else {
			json_incref(prev);
		}
		json_array_foreach (prev, i, d) {
			const char *digest = json_string_value(d);
			json_t *got = json_object_get(seen, digest);
			json_int_t m;
			if (got) {
				m = json_integer_value(got);
				high = m > high ? m : high;
				continue;
			}
			if ((error = ct__revision_by_digest(
				     &at, store, folder, id, digest, n - 1)) < 0) {
				json_decref(prev);
				goto done;
			}
			if (!at) {
				/* say what is at revision n - 1 instead, as the linear walk does */
				json_t *other = NULL;
				int rc = ct_store_get(&other, store, kind, id, (json_int_t)(n - 1));
				if (rc == CT_ENOTFOUND)
					set_state(out, CT_RECORD_BROKEN_CHAIN,
						"revision %lld is missing", (long long)(n - 1));
				else if (rc == CT_EINVALID || rc == CT_EBADSIG)
					set_state(out, CT_RECORD_BROKEN_CHAIN,
						"the chain below it is broken (%s)",
						ct_error_last());
				else
					set_state(out, CT_RECORD_BROKEN_CHAIN,
						"revision %lld does not name revision %lld as prev "
						"(the chain is broken)",
						(long long)n, (long long)(n - 1));
				ct_error_clear();
				json_decref(other);
				json_decref(prev);
				error = rc < 0 && rc != CT_ENOTFOUND && rc != CT_EINVALID &&
						rc != CT_EBADSIG
					? rc
					: 0;
				goto done;
			}
			m = json_integer_value(json_object_get(at, "revision"));
			if ((error = ct__verify_signatures(out, at, ring, 0)) < 0) {
				json_decref(prev);
				goto done;
			}
			if (out->state != CT_RECORD_VERIFIED) {
				char why[sizeof(out->reason)];
				memcpy(why, out->reason, sizeof(why));
				set_state(out, CT_RECORD_BROKEN_CHAIN,
					"the chain below it is broken (revision %lld: %s)",
					(long long)m, why);
				json_decref(prev);
				goto done;
			}
			json_object_set_new(seen, digest, json_integer(m));
			high = m > high ? m : high;
			json_array_append_new(todo, at);
			at = NULL;
		}
		json_decref(prev);
		if (high != n - 1) {
			set_state(out, CT_RECORD_BROKEN_CHAIN,
				"revision %lld does not name revision %lld as prev "
				"(the chain is broken)",
				(long long)n, (long long)(n - 1));
			goto done;
		}
	}
done:
	json_decref(at);
	json_decref(cur);
	json_decref(todo);
	json_decref(seen);
	return error;
}

int ct__verify_record(
	ct_verification *out, ct_store *store, const ct_keyring *ring, const json_t *record)
{
	ct__vouch *vouch = NULL;
	json_t *at = NULL;
	char digest[CT_DIGEST_LEN + 1];
	const char *prev;
	ct_kind kind;
	json_int_t n, i;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = ct_record_kind(&kind, record)) < 0 ||
		(error = ct__verify_signatures(out, record, ring, 0)) < 0 ||
		out->state != CT_RECORD_VERIFIED ||
		(error = check_key_states(out, store, ring, record, &vouch)) < 0 ||
		out->state != CT_RECORD_VERIFIED)
		goto done;
	if (kind != CT_KIND_CLAIM && kind != CT_KIND_SOURCE)
		goto done;
	n = json_integer_value(json_object_get(record, "revision"));
	if (n > 1) {
		ct_buf dir = CT_BUF_INIT;
		git_tree *folder = NULL;
		int graph = 0;
		if ((error = ct__record_dir(&dir, store, kind, ct_record_id(record))) == 0 &&
			ct__subtree(&folder, store, store->tree, dir.ptr))
			graph = json_is_array(json_object_get(record, "prev")) ||
				ct__revision_forked(folder);
		if (error == 0 && graph)
			error = verify_graph(out, store, ring, kind, record, folder);
		git_tree_free(folder);
		ct_buf_free(&dir);
		if (error < 0 || graph)
			goto done;
	}
	/* Walk 1..n: each stored revision verifies and the next one names it by digest. */
	for (i = 1; i <= n; i++) {
		const json_t *cur;
		if (i < n) {
			error = ct_store_get(&at, store, kind, ct_record_id(record), i);
			if (error == CT_ENOTFOUND) {
				ct_error_clear();
				error = 0;
				set_state(out, CT_RECORD_BROKEN_CHAIN, "revision %lld is missing",
					(long long)i);
				goto done;
			}
			/* not a record (any more), or another one: the chain is broken */
			if (error == CT_EINVALID || error == CT_EBADSIG) {
				set_state(out, CT_RECORD_BROKEN_CHAIN,
					"the chain below it is broken (%s)", ct_error_last());
				ct_error_clear();
				error = 0;
				goto done;
			}
			if (error < 0)
				goto done;
			/* only the signatures: the revision above names this one by digest, so its
			 * signer vouches for it, whatever became of this revision's keys since */
			if ((error = ct__verify_signatures(out, at, ring, 0)) < 0)
				goto done;
			if (out->state != CT_RECORD_VERIFIED) {
				char why[sizeof(out->reason)];
				memcpy(why, out->reason, sizeof(why));
				set_state(out, CT_RECORD_BROKEN_CHAIN,
					"the chain below it is broken (revision %lld: %s)",
					(long long)i, why);
				goto done;
			}
		}
		cur = i < n ? at : record;
		prev = json_string_value(json_object_get(cur, "prev"));
		if (i > 1 && (!prev || strcmp(prev, digest) != 0)) {
			set_state(out, CT_RECORD_BROKEN_CHAIN,
				"revision %lld does not name revision %lld as prev "
				"(the chain is broken)",
				(long long)i, (long long)(i - 1));
			goto done;
		}
		if (i < n && (error = ct_record_digest(digest, at)) < 0)
			goto done;
		json_decref(at);
		at = NULL;
	}
done:
	ct__vouch_free(vouch);
	json_decref(at);
	return error;
}

int ct_store_verify_record(ct_verification *out, ct_store *store, const json_t *record)
{
	ct_keyring *ring = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = ct_store_keyring(&ring, store)) == 0)
		error = ct__verify_record(out, store, ring, record);
	ct_keyring_free(ring);
	return error;
}

/* signed_only: a record whose only fault is that its signers are revoked or expired passes */
static int require(ct_store *store, const ct_keyring *ring, const json_t *record, int signed_only)
{
	ct_verification v;
	char label[CT_LABEL_MAX];
	int error;

	if ((error = ring ? ct__verify_record(&v, store, ring, record)
			  : ct_store_verify_record(&v, store, record)) < 0)
		return error;
	if (v.state == CT_RECORD_VERIFIED ||
		(signed_only && (v.state == CT_RECORD_REVOKED || v.state == CT_RECORD_EXPIRED)))
		return 0;
	ct__record_label(label, record);
	if (json_object_get(record, "revision"))
		return ct_error_set(CT_EBADSIG,
			"%s revision %lld does not verify: %s (see 'claimtrail check'; "
			"docs/store.md says how to recover)",
			label, (long long)json_integer_value(json_object_get(record, "revision")),
			v.reason);
	return ct_error_set(CT_EBADSIG,
		"%s does not verify: %s (see 'claimtrail check'; docs/store.md says how to "
		"recover)",
		label, v.reason);
}

int ct__require_verified_ring(ct_store *store, const ct_keyring *ring, const json_t *record)
{
	return require(store, ring, record, 0);
}

int ct__require_verified(ct_store *store, const json_t *record)
{
	return require(store, NULL, record, 0);
}

int ct__require_signed(ct_store *store, const json_t *record)
{
	return require(store, NULL, record, 1);
}

int ct__drop_unverified(json_t *records, ct_store *store, const ct_keyring *ring)
{
	ct_verification v;
	size_t i = 0;
	int error = 0;

	while (i < json_array_size(records)) {
		if ((error = ct__verify_record(&v, store, ring, json_array_get(records, i))) < 0)
			return error;
		if (v.state == CT_RECORD_VERIFIED)
			i++;
		else
			json_array_remove(records, i);
	}
	return 0;
}
