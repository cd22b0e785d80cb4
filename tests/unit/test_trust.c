/* The trust list (trust.c): add, read, remove, and what ct_store_trust takes: the given keys and
 * the list, a store's revocation of a trusted key, and the fallback to the store's keys. */
#include "test.h"
#include "store_internal.h"

static char dir[] = "/tmp/ct-test-trust.XXXXXX";

/* Commits a record at its path, as a bundle import or a pull could bring it. */
static int put_record(ct_txn *txn, ct_store *store, void *payload)
{
	int error;

	(void)store;
	if ((error = ct__txn_put_record(txn, payload)) < 0)
		return error;
	return ct__txn_subject(txn, "test: a key record");
}

int main(void)
{
	ct_key *key = NULL, *other = NULL;
	ct_store *store = NULL;
	ct_keyring *ring = NULL, *given = NULL;
	ct_trust_info info;
	json_t *list = NULL, *revoked = NULL;

	if (ct_init() < 0 || !mkdtemp(dir) || ct_key_generate(&key, "Desk", NULL) < 0 ||
		ct_key_generate(&other, "Other", NULL) < 0) {
		fprintf(stderr, "setup failed: %s\n", ct_error_last());
		return 1;
	}
	/* no repository */
	CHECK_INT(ct_trust_read(&list, "/"), CT_ENOTFOUND);

	/* init puts the initialising key in the list */
	CHECK_INT(ct_store_init(&store, dir, NULL, key), 0);
	CHECK_INT(ct_trust_read(&list, dir), 0);
	CHECK(list && json_array_size(list) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "key_id")),
		ct_key_id(key));
	json_decref(list);
	list = NULL;
	CHECK_INT(ct_trust_add(dir, ct_key_public_record(key), NULL), CT_EEXISTS);
	CHECK_INT(ct_trust_remove(dir, ct_key_id(other)), CT_ENOTFOUND);
	CHECK_INT(ct_trust_remove(dir, "xyz"), CT_EINVALID);
	CHECK_INT(ct_trust_add(dir, ct_key_public_record(other), "Other desk"), 0);
	CHECK_INT(ct_trust_read(&list, dir), 0);
	CHECK_STR(
		json_string_value(json_object_get(json_array_get(list, 1), "name")), "Other desk");
	json_decref(list);
	list = NULL;

	/* the list's keys, and --trust adding to them */
	CHECK_INT(ct_keyring_new(&given), 0);
	CHECK_INT(ct_store_trust(&ring, &info, store, given), 0);
	CHECK_INT(info.has_list, 1);
	CHECK_INT(info.listed, 2);
	CHECK_INT(info.store_keys, 0);
	CHECK_INT(ct_keyring_count(ring), 2);
	CHECK_INT(ct_keyring_revoked(ring, ct_key_id(other)), 0);
	ct_keyring_free(ring);
	ring = NULL;

	/* a revocation of a trusted key that arrives in the store applies to the trust list's key */
	CHECK_INT(ct_key_revoke(&revoked, other, "lost"), 0);
	CHECK_INT(ct__store_write(store, key, 8, put_record, revoked), 0);
	CHECK_INT(ct_store_trust(&ring, &info, store, NULL), 0);
	CHECK_INT(ct_keyring_revoked(ring, ct_key_id(other)), 1);
	ct_keyring_free(ring);
	ring = NULL;

	/* an emptied list trusts nothing; no list at all falls back to the store's keys */
	CHECK_INT(ct_trust_remove(dir, ct_key_id(key)), 0);
	CHECK_INT(ct_trust_remove(dir, ct_key_id(other)), 0);
	CHECK_INT(ct_store_trust(&ring, &info, store, NULL), 0);
	CHECK_INT(info.has_list, 1);
	CHECK_INT(ct_keyring_count(ring), 0);
	ct_keyring_free(ring);
	ring = NULL;
	{
		char path[600];
		snprintf(path, sizeof(path), "%s/.git/claimtrail/trust.json", dir);
		CHECK_INT(remove(path), 0);
	}
	CHECK_INT(ct_store_trust(&ring, &info, store, NULL), 0);
	CHECK_INT(info.has_list, 0);
	CHECK_INT(info.store_keys, 2);
	ct_keyring_free(ring);

	json_decref(revoked);
	ct_keyring_free(given);
	ct_store_free(store);
	ct_key_free(key);
	ct_key_free(other);
	test_remove_dir(dir);
	printf("%d checks, %d failed\n", test_checks, test_failures);
	return test_failures ? 1 : 0;
}
