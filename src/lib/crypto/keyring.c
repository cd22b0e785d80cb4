/*
 * Keyrings of checked public key records: adding a record, a file or a folder of them, looking
 * keys up, revocations, and checking signatures with the ring's keys (with Ed25519 tables for
 * busy keys in a -Ded25519_tables=true build).
 */
#include "key_file.h"
#include "error.h"
#include "keyring.h"
#include "claimtrail/json.h"
#include "claimtrail/key.h"
#include "claimtrail/record.h"
#ifdef CT_ED25519_TABLES
#include "ed25519.h"
#endif
#include "record_internal.h"
#include "signing.h"
#include "util.h"

#include <sodium.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- keyrings --------------------------------------------------------------------------- */

typedef struct {
	char id[CT_KEY_ID_LEN + 1];
	uint8_t pk[32];
	int revoked;
	json_t *record;
	json_t *pending;    /* a revocation signed by another key, not (yet) honoured, or NULL */
	json_t *can_revoke; /* the trust list's grant: key ids or ["all"], or NULL */
	/* the earliest expires of the key's records taken: a revocation replacing the record
	 * cannot move the key's expiry later by leaving it out */
	char expires[CT_TIMESTAMP_LEN + 1];
#ifdef CT_ED25519_TABLES
	_Atomic(ct__ed25519_key *) fast; /* the key's tables, once it has been used enough */
	atomic_uint uses;		 /* valid signatures checked with the key */
#endif
} ring_entry;

struct ct_keyring {
	ring_entry *entries;
	size_t count;
	size_t cap;
	const ct__sigmemo *memo; /* signatures already seen verifying, or NULL */
	ct__sigmemo *record;	 /* where to note every signature checked valid, or NULL */
#ifdef CT_ED25519_TABLES
	atomic_uint tables; /* keys that were given tables */
#endif
};

int ct_keyring_new(ct_keyring **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ct__oom();
#ifdef CT_ED25519_TABLES
	atomic_init(&(*out)->tables, 0);
#endif
	return 0;
}

void ct_keyring_free(ct_keyring *ring)
{
	size_t i;

	if (!ring)
		return;
	for (i = 0; i < ring->count; i++) {
		json_decref(ring->entries[i].record);
		json_decref(ring->entries[i].pending);
		json_decref(ring->entries[i].can_revoke);
#ifdef CT_ED25519_TABLES
		ct__ed25519_key_free(atomic_load(&ring->entries[i].fast));
#endif
	}
	free(ring->entries);
	free(ring);
}

/* ---- signature memos (keyring.h) ------------------------------------------------------ */

#define MEMO_DIGEST 32

struct ct__sigmemo {
	uint8_t (*digests)[MEMO_DIGEST]; /* sorted once sealed; an unset slot is all zero */
	size_t count, cap;
	pthread_mutex_t mu; /* ct__sigmemo_add's */
	int failed;	    /* an add ran out of memory: what it would have noted is checked */
};

int ct__sigmemo_new(ct__sigmemo **out, size_t slots)
{
	*out = calloc(1, sizeof(**out));
	if (!*out || (slots && !((*out)->digests = calloc(slots, MEMO_DIGEST)))) {
		free(*out);
		*out = NULL;
		return ct__oom();
	}
	(*out)->count = (*out)->cap = slots;
	pthread_mutex_init(&(*out)->mu, NULL);
	return 0;
}

static void memo_digest(uint8_t out[MEMO_DIGEST], const uint8_t pk[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, MEMO_DIGEST);
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_update(&st, sig, 64);
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, out, MEMO_DIGEST);
}

void ct__sigmemo_set(ct__sigmemo *memo, size_t slot, const uint8_t public_key[32],
	const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	if (memo && slot < memo->count)
		memo_digest(memo->digests[slot], public_key, sig, msg, len);
}

void ct__sigmemo_add(ct__sigmemo *memo, const uint8_t public_key[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	uint8_t d[MEMO_DIGEST];

	memo_digest(d, public_key, sig, msg, len);
	pthread_mutex_lock(&memo->mu);
	if (memo->count == memo->cap && !memo->failed) {
		size_t ncap = memo->cap ? memo->cap * 2 : 1024;
		uint8_t(*grown)[MEMO_DIGEST] = realloc(memo->digests, ncap * MEMO_DIGEST);
		if (grown) {
			memo->digests = grown;
			memo->cap = ncap;
		} else {
			memo->failed = 1;
		}
	}
	if (memo->count < memo->cap)
		memcpy(memo->digests[memo->count++], d, MEMO_DIGEST);
	pthread_mutex_unlock(&memo->mu);
}

static int by_digest(const void *a, const void *b)
{
	return memcmp(a, b, MEMO_DIGEST);
}

void ct__sigmemo_seal(ct__sigmemo *memo)
{
	if (memo && memo->count)
		qsort(memo->digests, memo->count, MEMO_DIGEST, by_digest);
}

void ct__sigmemo_free(ct__sigmemo *memo)
{
	if (!memo)
		return;
	pthread_mutex_destroy(&memo->mu);
	free(memo->digests);
	free(memo);
}

void ct__keyring_set_memo(ct_keyring *ring, const ct__sigmemo *memo)
{
	ring->memo = memo;
}

void ct__keyring_memo_record(const ct_keyring *ring, ct__sigmemo *memo)
{
	/* the ring's keys do not change: where it notes its findings is bookkeeping */
	((ct_keyring *)ring)->record = memo;
}

/* After a signature was checked valid with the key e: noted where the ring notes them. */
static int noted(const ct_keyring *ring, const ring_entry *e, int error, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	if (error == 0 && ring->record)
		ct__sigmemo_add(ring->record, e->pk, sig, msg, len);
	return error;
}

/* 1 when the memo vouches for this key, signature and message. */
static int memo_has(const ct__sigmemo *memo, const uint8_t pk[32], const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	static const uint8_t unset[MEMO_DIGEST];
	uint8_t d[MEMO_DIGEST];

	if (!memo || !memo->count)
		return 0;
	memo_digest(d, pk, sig, msg, len);
	/* the digest of nothing that was set: never matches an unset slot */
	return memcmp(d, unset, MEMO_DIGEST) != 0 &&
		bsearch(d, memo->digests, memo->count, MEMO_DIGEST, by_digest) != NULL;
}

#ifdef CT_ED25519_TABLES
/*
 * Only in a build configured with -Ded25519_tables=true (off by default: then every check
 * below is libsodium's crypto_sign_verify_detached, and ed25519.c is not compiled at all).
 * A key's tables (ed25519.h: 30 KB, built in about the time of seven signature checks, each
 * later check about twice as fast) pay for themselves after some fifteen signatures. So the
 * thread whose check finds the key's TABLE_AFTER-th valid signature builds them, for at most
 * TABLES_MAX keys a ring (kept while the ring lives); until then, and for every other key,
 * libsodium checks alone. Only valid signatures count: verify_any tries every key on a
 * signature by a stranger, and those tries must not hand the tables to keys that sign nothing.
 * The verdict is the same either way. Safe with any number of threads checking at once: exactly
 * one thread sees the count reach TABLE_AFTER, and it publishes the finished tables with a
 * release store.
 */
#define TABLE_AFTER 16
#define TABLES_MAX 64

static int entry_verify(const ct_keyring *ring, ring_entry *e, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	ct__ed25519_key *fast = atomic_load_explicit(&e->fast, memory_order_acquire);
	/* the ring's keys never change here; its count of tables is a cache's bookkeeping */
	ct_keyring *cache = (ct_keyring *)ring;
	int error;

	if (memo_has(ring->memo, e->pk, sig, msg, len))
		return 0;
	if (fast)
		return noted(ring, e, ct__ed25519_verify(fast, sig, msg, len) == 0 ? 0 : CT_EBADSIG,
			sig, msg, len);
	error = noted(ring, e, ct__signature_verify(e->pk, sig, msg, len), sig, msg, len);
	if (error == 0 &&
		atomic_fetch_add_explicit(&e->uses, 1, memory_order_relaxed) + 1 == TABLE_AFTER &&
		atomic_fetch_add_explicit(&cache->tables, 1, memory_order_relaxed) < TABLES_MAX) {
		fast = ct__ed25519_key_new(e->pk); /* NULL when out of memory: libsodium, then */
		atomic_store_explicit(&e->fast, fast, memory_order_release);
	}
	return error;
}

size_t ct__keyring_tables(const ct_keyring *ring)
{
	size_t i, n = 0;

	for (i = 0; i < ring->count; i++)
		n += atomic_load(&ring->entries[i].fast) != NULL;
	return n;
}
#else
static int entry_verify(const ct_keyring *ring, ring_entry *e, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	if (memo_has(ring->memo, e->pk, sig, msg, len))
		return 0;
	return noted(ring, e, ct__signature_verify(e->pk, sig, msg, len), sig, msg, len);
}

size_t ct__keyring_tables(const ct_keyring *ring)
{
	(void)ring;
	return 0;
}
#endif

size_t ct_keyring_count(const ct_keyring *ring)
{
	return ring->count;
}

static ring_entry *ring_lookup(const ct_keyring *ring, const char *key_id)
{
	size_t i;

	if (!key_id)
		return NULL;
	for (i = 0; i < ring->count; i++)
		if (strcmp(ring->entries[i].id, key_id) == 0)
			return &ring->entries[i];
	return NULL;
}

const json_t *ct_keyring_find(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, key_id);

	return e ? e->record : NULL;
}

const json_t *ct_keyring_get(const ct_keyring *ring, size_t i)
{
	return i < ring->count ? ring->entries[i].record : NULL;
}

int ct_keyring_revoked(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, key_id);

	return e ? e->revoked : 0;
}

/* The earlier of two timestamps, "" standing for "none" in b only when a is set. */
static void earlier(char out[CT_TIMESTAMP_LEN + 1], const char *t)
{
	if (t && strlen(t) == CT_TIMESTAMP_LEN && (!out[0] || strcmp(t, out) < 0))
		memcpy(out, t, CT_TIMESTAMP_LEN + 1);
}

ct_key_state ct__key_state_rule(int revoked, const char *compromised_since, const char *expires,
	const char *now, char until[CT_TIMESTAMP_LEN + 1])
{
	until[0] = '\0';
	if (revoked) {
		/* without compromised_since, every signature by the key fails */
		if (compromised_since) {
			earlier(until, compromised_since);
			earlier(until, expires);
		}
		return CT_KEY_REVOKED;
	}
	if (expires && strcmp(expires, now) <= 0) {
		earlier(until, expires);
		return CT_KEY_EXPIRED;
	}
	return CT_KEY_LIVE;
}

void ct__key_state_why(
	char *out, size_t size, ct_key_state state, const char *key_id, const char *until)
{
	if (state == CT_KEY_REVOKED)
		snprintf(out, size,
			"; key %s is revoked (its signatures made after it was compromised, or not "
			"vouched for by an earlier checkpoint, fail)",
			key_id);
	else if (state == CT_KEY_EXPIRED)
		snprintf(out, size,
			"; key %s expired at %s (its later signatures, or those no earlier checkpoint "
			"vouches for, fail)",
			key_id, until);
	else if (size)
		out[0] = '\0';
}

static void note_expires(ring_entry *e, const json_t *key_record)
{
	earlier(e->expires, json_string_value(json_object_get(key_record, "expires")));
}

const char *ct__keyring_expires(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring ? ring_lookup(ring, key_id) : NULL;

	return e && e->expires[0] ? e->expires : NULL;
}

ct_key_state ct_keyring_key_state(
	const ct_keyring *ring, const char *key_id, char until[CT_TIMESTAMP_LEN + 1])
{
	ring_entry *e = ring_lookup(ring, key_id);
	const char *expires = e && e->expires[0] ? e->expires : NULL;
	const json_t *rv = e && e->revoked ? json_object_get(e->record, "revoked") : NULL;
	char now[CT_TIMESTAMP_LEN + 1];

	until[0] = '\0';
	if (!e)
		return CT_KEY_LIVE;
	ct_timestamp_now(now);
	return ct__key_state_rule(rv != NULL,
		json_string_value(json_object_get(rv, "compromised_since")), expires, now, until);
}

int ct_keyring_add(ct_keyring *ring, const json_t *key_record)
{
	ring_entry *e;
	json_t *copy;
	const char *id, *by;
	int revoked;
	int error;

	if ((error = ct_key_record_check(key_record)) < 0)
		return error;
	id = json_string_value(json_object_get(key_record, "key_id"));
	revoked = json_object_get(key_record, "revoked") != NULL;
	/* A revocation signed by another key counts only once a grant says that key may make it
	 * (ct_keyring_apply_revocations); until then it is kept aside. */
	by = ct_key_record_revoked_by(key_record);
	if (by && (e = ring_lookup(ring, id)) != NULL) {
		if (!e->revoked && !e->pending && !(e->pending = json_deep_copy(key_record)))
			return ct__oom();
		return 0;
	}
	if (by)
		revoked = 0;
	if ((e = ring_lookup(ring, id)) != NULL) {
		note_expires(e, key_record);
		/* A revocation is permanent: it replaces the live record, never the other way. */
		if (revoked && !e->revoked) {
			if (!(copy = json_deep_copy(key_record)))
				return ct__oom();
			json_decref(e->record);
			e->record = copy;
			e->revoked = 1;
		}
		return 0;
	}
	if (ring->count == ring->cap) {
		size_t cap = ring->cap ? ring->cap * 2 : 8;
		ring_entry *p = realloc(ring->entries, cap * sizeof(*p));
		if (!p)
			return ct__oom();
		ring->entries = p;
		ring->cap = cap;
	}
	if (!(copy = json_deep_copy(key_record)))
		return ct__oom();
	e = &ring->entries[ring->count];
	memset(e, 0, sizeof(*e));
#ifdef CT_ED25519_TABLES
	atomic_init(&e->fast, NULL);
	atomic_init(&e->uses, 0);
#endif
	memcpy(e->id, id, CT_KEY_ID_LEN + 1);
	ct__decode_exact(
		e->pk, sizeof(e->pk), json_string_value(json_object_get(copy, "public_key")));
	e->revoked = revoked;
	e->record = copy;
	if (!by)
		note_expires(e, copy);
	if (by && !(e->pending = json_deep_copy(key_record)))
		return ct__oom();
	ring->count++;
	return 0;
}

int ct_keyring_grant(ct_keyring *ring, const char *key_id, const json_t *can_revoke)
{
	ring_entry *e = ring_lookup(ring, key_id);

	if (!e)
		return ct_error_set(CT_ENOTFOUND, "key %s is not in the keyring", key_id);
	json_decref(e->can_revoke);
	e->can_revoke = NULL;
	if (can_revoke && !(e->can_revoke = json_deep_copy(can_revoke)))
		return ct__oom();
	return 0;
}

int ct_keyring_may_revoke(const ct_keyring *ring, const char *by, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, by);
	const json_t *v;
	size_t i;

	if (!e || !key_id)
		return 0;
	json_array_foreach (e->can_revoke, i, v)
		if (json_is_string(v) &&
			(strcmp(json_string_value(v), "all") == 0 ||
				strcmp(json_string_value(v), key_id) == 0))
			return 1;
	return 0;
}

int ct_key_revocation_verify(const json_t *record, const ct_keyring *granting)
{
	const char *id = json_string_value(json_object_get(record, "key_id"));
	const char *by = ct_key_record_revoked_by(record);
	const json_t *sigs = json_object_get(record, "signatures"), *entry;
	ct_buf pae = CT_BUF_INIT;
	uint8_t sig[64];
	size_t i;
	int error = 0, ok = 0;

	if (!by)
		return 0;
	if (!ct_keyring_may_revoke(granting, by, id))
		return ct_error_set(CT_EUNTRUSTED,
			"key %s is revoked by key %s, which the trust list does not name as able "
			"to revoke it: the revocation is not applied",
			id, by);
	if ((error = ct__record_signing_input(&pae, record)) < 0)
		goto done;
	json_array_foreach (sigs, i, entry) {
		const char *who = json_string_value(json_object_get(entry, "key_id"));
		if (!who || strcmp(who, by) != 0 ||
			ct__decode_exact(sig, sizeof(sig),
				json_string_value(json_object_get(entry, "sig"))) < 0)
			continue;
		if (ct_keyring_verify_bytes(granting, by, sig, (const uint8_t *)pae.ptr, pae.len) ==
			0)
			ok = 1;
		ct_error_clear();
	}
	if (!ok)
		error = ct_error_set(CT_EBADSIG,
			"key %s: the revocation's signature by key %s does not verify", id, by);
done:
	ct_buf_free(&pae);
	return error;
}

int ct_keyring_apply_revocations(ct_keyring *ring, const ct_keyring *granting)
{
	size_t i;
	int applied = 0;

	for (i = 0; granting && i < ring->count; i++) {
		ring_entry *e = &ring->entries[i];
		if (!e->pending || e->revoked)
			continue;
		if (ct_key_revocation_verify(e->pending, granting) < 0) {
			ct_error_clear();
			continue;
		}
		note_expires(e, e->pending);
		json_decref(e->record);
		e->record = e->pending;
		e->pending = NULL;
		e->revoked = 1;
		applied++;
	}
	return applied;
}

const json_t *ct_keyring_pending_revocation(const ct_keyring *ring, const char *key_id)
{
	ring_entry *e = ring_lookup(ring, key_id);

	return e && !e->revoked ? e->pending : NULL;
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && strcmp(name + n - m, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one key record file; errors name the file. */
static int add_file(ct_keyring *ring, const char *path)
{
	json_t *rec = NULL;
	int error;

	if ((error = ct__key_record_file_read(&rec, path)) < 0)
		return error;
	if ((error = ct_keyring_add(ring, rec)) < 0)
		ct_error_prefix(error, "%s", path);
	json_decref(rec);
	return error;
}

int ct_keyring_add_path(ct_keyring *ring, const char *path)
{
	struct stat st;
	DIR *dir = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	char full[4096];
	int error = 0;

	if (stat(path, &st) < 0)
		return ct_error_set(
			errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return add_file(ring, path);
	if (!(dir = opendir(path)))
		return ct_error_set(CT_EIO, "%s: %s", path, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_suffix(de->d_name, ".pub") && !has_suffix(de->d_name, ".json"))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **p = realloc(names, ncap * sizeof(*p));
			if (!p) {
				error = ct__oom();
				goto done;
			}
			names = p;
			cap = ncap;
		}
		if (!(names[count] = strdup(de->d_name))) {
			error = ct__oom();
			goto done;
		}
		count++;
	}
	if (count == 0) {
		error = ct_error_set(
			CT_ENOTFOUND, "%s: no key records (*.pub, *.json) in the folder", path);
		goto done;
	}
	/* Sorted, so that the ring's order (and any error) does not depend on the file system. */
	qsort(names, count, sizeof(*names), cmp_names);
	for (i = 0; i < count; i++) {
		if (snprintf(full, sizeof(full), "%s/%s", path, names[i]) >= (int)sizeof(full)) {
			error = ct_error_set(CT_EINVALID, "%s/%s: path too long", path, names[i]);
			goto done;
		}
		if ((error = add_file(ring, full)) < 0)
			goto done;
	}
done:
	if (dir)
		closedir(dir);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return error;
}

int ct_keyring_verify_bytes(const ct_keyring *ring, const char *key_id, const uint8_t sig[64],
	const uint8_t *msg, size_t len)
{
	ring_entry *e = ring_lookup(ring, key_id);

	if (!e)
		return ct_error_set(
			CT_ENOTFOUND, "key %s is not in the keyring", key_id ? key_id : "(none)");
	if (entry_verify(ring, e, sig, msg, len) < 0)
		return ct_error_set(CT_EBADSIG, "signature by key %s does not verify", key_id);
	return 0;
}

int ct_keyring_verify_any(const char **signer, const ct_keyring *ring, const char *hint,
	const uint8_t sig[64], const uint8_t *msg, size_t len)
{
	ring_entry *named = ring_lookup(ring, hint);
	size_t i;

	*signer = NULL;
	/* the hint first: an honest signer names its own key, so this is the one check made */
	if (named && entry_verify(ring, named, sig, msg, len) == 0) {
		*signer = named->id;
		return 0;
	}
	for (i = 0; i < ring->count; i++) {
		if (&ring->entries[i] == named)
			continue;
		if (entry_verify(ring, &ring->entries[i], sig, msg, len) == 0) {
			*signer = ring->entries[i].id;
			return 0;
		}
	}
	return named ? ct_error_set(CT_EBADSIG, "signature by key %s does not verify", hint)
		     : ct_error_set(CT_ENOTFOUND, "no trusted key made this signature");
}

/* 1 when rec (a key record naming a key of ring in "rotated_from") is that key's successor. */
static int is_successor(const ct_keyring *ring, const json_t *rec)
{
	const char *old = json_string_value(json_object_get(rec, "rotated_from"));
	const char *id = json_string_value(json_object_get(rec, "key_id"));
	const json_t *e;
	ct_buf pae = CT_BUF_INIT;
	char until[CT_TIMESTAMP_LEN + 1];
	uint8_t sig[64];
	size_t i;
	int yes = 0;

	if (!old || !ct_keyring_find(ring, old) || ct_keyring_find(ring, id))
		return 0;
	switch (ct_keyring_key_state(ring, old, until)) {
	case CT_KEY_LIVE: break;
	case CT_KEY_REVOKED: {
		const json_t *rv = json_object_get(ct_keyring_find(ring, old), "revoked");
		const char *succ = json_string_value(json_object_get(rv, "successor"));
		if (!succ || strcmp(succ, id) != 0)
			return 0;
		break;
	}
	case CT_KEY_EXPIRED: return 0;
	}
	if (ct__record_signing_input(&pae, rec) < 0)
		goto done;
	json_array_foreach (json_object_get(rec, "signatures"), i, e) {
		const char *by = json_string_value(json_object_get(e, "key_id"));
		if (by && strcmp(by, old) == 0 &&
			ct__decode_exact(sig, sizeof(sig),
				json_string_value(json_object_get(e, "sig"))) == 0 &&
			ct_keyring_verify_bytes(
				ring, old, sig, (const uint8_t *)pae.ptr, pae.len) == 0)
			yes = 1;
	}
done:
	ct_error_clear();
	ct_buf_free(&pae);
	return yes;
}

int ct_keyring_add_successors(ct_keyring *ring, const ct_keyring *candidates, size_t *added)
{
	size_t i, n = 0;
	int more = 1;
	int error = 0;

	while (more) {
		more = 0;
		for (i = 0; i < ct_keyring_count(candidates); i++) {
			const json_t *rec = ct_keyring_get(candidates, i);
			if (!is_successor(ring, rec))
				continue;
			if ((error = ct_keyring_add(ring, rec)) < 0)
				goto done;
			n++;
			more = 1;
		}
	}
done:
	if (added)
		*added = n;
	return error;
}
